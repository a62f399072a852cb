"""A fake LLM for agent and CLI tests: queued replies, every call recorded."""

from __future__ import annotations

import json
from typing import Any

from mktdirector.llm import Completion, LLMOutputError, schema_errors


class FakeLLM:
    model = "fake-model"
    endpoint_host = "fake.local"

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.calls: list[dict[str, Any]] = []

    def complete(
        self, *, system, prompt, schema=None, schema_name="result", validate=None, on_text=None
    ) -> Completion:
        for attempt in (1, 2):
            if not self.replies:
                raise AssertionError("FakeLLM has no reply left")
            reply = self.replies.pop(0)
            self.calls.append(
                {"system": system, "prompt": prompt, "schema": schema, "schema_name": schema_name}
            )
            text = reply if isinstance(reply, str) else json.dumps(reply)
            data: Any = text
            if schema is not None:
                data = json.loads(text)
                problem = schema_errors(data, schema)
                if problem:
                    raise AssertionError(f"fake reply does not match schema: {problem}")
            problem = validate(data) if validate else None
            if problem is None:
                if on_text:
                    on_text(text)
                return Completion(
                    text=text,
                    data=data if schema is not None else None,
                    model=self.model,
                    endpoint_host=self.endpoint_host,
                    input_tokens=100,
                    output_tokens=50,
                    duration_ms=5,
                    attempts=attempt,
                    cost_usd=0.000125,
                )
        raise LLMOutputError(f"invalid twice: {problem}", platform="openai")
