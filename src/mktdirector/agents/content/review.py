"""Reviewing drafts: find them, read one with how it was made, approve (a human act) or not.

Front ends ask; the flow takes the answer as `confirmed` and never prompts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand, Finding
from mktdirector.agents.content.drafts import STATUSES, DraftView
from mktdirector.core.errors import UsageError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, Generation


@dataclass(frozen=True)
class DraftDetail:
    """A draft, its lint findings and the generations that wrote it (with provenance)."""

    draft: Draft
    findings: list[Finding]
    generations: list[Generation] = field(default_factory=list)

    def to_dict(self, *, provenance: bool) -> dict[str, Any]:
        out = {**drafts.public(self.draft), "findings": [f.to_dict() for f in self.findings]}
        if provenance:
            out["provenance"] = self.generations
        return out


def find(
    store: StoreLike, *, status: str | None = None, platform: str | None = None, limit: int = 50
) -> list[Draft]:
    """Drafts newest first, by status and platform (an alias like `x` works; so does email)."""
    if status and status not in STATUSES:
        raise UsageError(f"Unknown status {status!r}.", hint=f"Use one of: {', '.join(STATUSES)}")
    pid = platform if platform in (None, "email") else _content_platform(platform)
    return store.list_drafts(status=status, platform=pid, limit=limit)


def _content_platform(platform: str) -> str:
    # Imported only when a platform is named: the content agent pulls in the LLM client and httpx
    # (~50 ms), which a plain `mktd drafts list` never uses (issue 17).
    from mktdirector.agents.content.agent import content_channels
    from mktdirector.core.platforms import resolve_platform

    return resolve_platform(platform, among=content_channels())


def detail(store: StoreLike, draft_id: str, *, provenance: bool = False) -> DraftDetail:
    draft = store.get_draft(draft_id)
    gens = store.generations_for_draft(draft["id"]) if provenance else []
    return DraftDetail(draft, drafts.findings_of(draft), gens)


def approvable(store: StoreLike, draft_id: str, *, force: bool = False) -> Draft:
    """The draft, if it can be approved as it is (checked before anyone is asked)."""
    draft = store.get_draft(draft_id)
    drafts.check_approvable(draft, drafts.findings_of(draft), force=force)
    return draft


def approve(store: StoreLike, draft_id: str, *, confirmed: bool, force: bool = False) -> DraftView:
    """Approve exactly this content, once a human said yes (`confirmed`)."""
    draft = store.get_draft(draft_id)
    if not confirmed:
        raise UsageError(
            "Not approved: approval needs a confirmation.",
            hint=f"Run it in a terminal, or: mktd drafts approve {draft['id']} --yes",
        )
    return drafts.approve(store, draft["id"], force=force)


def lint(
    store: StoreLike,
    brand: Brand,
    *,
    draft_id: str | None = None,
    text: str | None = None,
    platform: str = "linkedin",
) -> list[Finding]:
    """The brand and platform findings of a saved draft, or of a text as `platform` would get it
    (an email text's first line is its subject)."""
    from mktdirector.agents.content.agent import body_from_text, content_channels
    from mktdirector.agents.content.brand import lint_draft
    from mktdirector.core.platforms import resolve_platform

    if draft_id is not None:
        d = store.get_draft(draft_id)
        return lint_draft(d["body"], d["kind"], d["platform"], brand)
    text = text or ""
    if platform == "email":
        subject = text.strip().splitlines()[0] if text.strip() else ""
        return lint_draft({"subject": subject, "text": text}, "email", "email", brand)
    pid = resolve_platform(platform, among=content_channels())
    kind, segments = body_from_text(pid, text)
    return lint_draft(segments, kind, pid, brand)
