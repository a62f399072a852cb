"""Running a prompt through the LLM and logging the generation (reproducible, reviewable)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mktdirector.agents.content import prompts
from mktdirector.agents.content.brand import Brand
from mktdirector.llm import LLM, Completion, Validator
from mktdirector.store import StoreLike


@dataclass
class Generated:
    purpose: str
    prompt: prompts.Prompt
    system: str
    user: str
    completion: Completion

    @property
    def data(self) -> Any:
        return self.completion.data


def run_prompt(
    llm: LLM,
    brand: Brand,
    template: str,
    *,
    purpose: str,
    schema: dict[str, Any] | None = None,
    validate: Validator | None = None,
    on_text: Callable[[str], None] | None = None,
    **values: Any,
) -> Generated:
    prompt = prompts.load(template)
    system, user = prompt.render(brand=brand.rules_text() or "(no brand file yet)", **values)
    completion = llm.complete(
        system=system,
        prompt=user,
        schema=schema,
        schema_name=purpose,
        validate=validate,
        on_text=on_text,
    )
    return Generated(purpose, prompt, system, user, completion)


def log_generation(store: StoreLike, gen: Generated, brand: Brand, **links: str | None) -> str:
    """Write the generation row: model, host (never the key), template+version, brand hash,
    prompts, output, tokens, cost, duration."""
    c = gen.completion
    output = (
        c.text
        if c.data is None or isinstance(c.data, str)
        else json.dumps(c.data, ensure_ascii=False)
    )
    return store.insert_generation(
        {
            "purpose": gen.purpose,
            "model": c.model,
            "endpoint_host": c.endpoint_host,
            "template": gen.prompt.name,
            "template_version": gen.prompt.version,
            "brand_hash": brand.hash,
            "system_prompt": gen.system,
            "user_prompt": gen.user,
            "output": output,
            "input_tokens": c.input_tokens,
            "output_tokens": c.output_tokens,
            "cost_usd": c.cost_usd,
            "duration_ms": c.duration_ms,
            "attempts": c.attempts,
            **{k: v for k, v in links.items() if v},
        }
    )
