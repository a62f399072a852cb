"""A draft as a person reads it: its header, each segment in a panel with its length, findings.

Apart from cli/_output.py, which holds the general printing (lines, tables, messages) this
builds on: into a pipe the panels are written by cli/_plain.py wherever rich would print exactly
the same bytes, and by rich everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mktdirector.cli import _output, _plain
from mktdirector.core.redact import redact


def draft(d: Mapping[str, Any], items: Sequence[Any], *, title: str | None = None) -> None:
    """A draft as a person reads it: header, each segment with its length, then findings."""
    head = title or f"Draft {d.get('id', '(not saved)')}"
    meta = f"{d.get('platform')} {d.get('kind')} · {d.get('status', 'dry run')}"
    if d.get("topic"):
        meta += f" · topic: {d['topic']}"
    people = " · ".join(f"{what} by {d[key]}" for what, key in
              (("edited", "edited_by"), ("approved", "approved_by"), ("published", "published_by"))
              if d.get(key))  # fmt: skip
    body = d.get("body")
    email: tuple[str, str] | None = None
    if d.get("kind") == "email" and isinstance(body, dict):
        email = (f"Subject: {body.get('subject', '')}", f"Preheader: {body.get('preheader', '')}")
        panels: list[tuple[str | None, str]] = [(None, redact(body.get("text", "")))]
    else:
        segments = list(body or [])
        panels = []
        for i, seg in enumerate(segments, 1):
            size = _length(d.get("platform"), seg)
            panels.append((f"{i}/{len(segments)} · {size}" if len(segments) > 1 else size,
                           redact(seg)))  # fmt: skip
    lines = [f"{head}  {meta}", *([people] if people else []), *(email or ())]
    width = _output._plain_width()
    if width is None or not _plain.write_panels(lines, panels, width):  # rich's bytes, or rich
        _rich_draft(head, meta, people, email, panels)
    if items:
        _output.line("Findings:")
        _output.findings(items)
    else:
        _output.line("Lint: no findings.", style="green")


def _rich_draft(
    head: str,
    meta: str,
    people: str,
    email: tuple[str, str] | None,
    panels: list[tuple[str | None, str]],
) -> None:
    from rich.panel import Panel
    from rich.text import Text

    c = _output.console()
    c.print(Text(f"{head}  ", style="bold") + Text(meta, style="dim"))
    if people:
        c.print(Text(people, style="dim"))
    if email is not None:
        c.print(Text(email[0], style="bold"))
        c.print(Text(email[1], style="dim"))
    for label, text in panels:
        c.print(Panel(Text(text), title=label, title_align="right"))


def _length(platform: Any, text: str) -> str:
    """A post's size as its platform counts it, over its limit (from the platform's spec)."""
    from mktdirector.core.platforms import PLATFORMS, TextFormat

    spec = PLATFORMS.get(platform) if isinstance(platform, str) else None
    if spec is not None and spec.text_format == TextFormat.THREAD:
        from mktdirector.core.xtext import weighted_length

        return f"{weighted_length(text)}/{spec.max_chars}"
    if spec is not None and spec.text_format == TextFormat.COMMENTARY:
        from mktdirector.core.linkedin_text import linkedin_length

        return f"{linkedin_length(text)}/{spec.max_chars}"
    return f"{len(text)} chars"
