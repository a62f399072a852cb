"""Versioned prompt templates. Each file: a `version:` line, then `## system` and `## user`.

Bump the version whenever a template's wording changes: every generation records the template
name and version, so a draft can always be traced to the exact words that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str

    def render(self, **values: Any) -> tuple[str, str]:
        vals = {k: ("" if v is None else str(v)) for k, v in values.items()}
        return Template(self.system).substitute(vals).strip(), Template(self.user).substitute(
            vals
        ).strip()


def load(name: str) -> Prompt:
    raw = resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    head, _, rest = raw.partition("\n")
    if not head.startswith("version:"):
        raise ValueError(f"prompt {name} has no version line")
    version = head.split(":", 1)[1].strip()
    _, _, rest = rest.partition("## system\n")
    system, _, user = rest.partition("## user\n")
    return Prompt(name, version, system, user)
