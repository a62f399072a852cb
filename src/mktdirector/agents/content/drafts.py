"""Drafts and their lifecycle.

draft → approved → scheduled → publishing → published | failed | needs-check; or rejected.
Approval records the content hash it approved; editing an approved (or scheduled) draft sends it
back to draft, so what is published is always exactly what a human approved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mktdirector.agents.content.brand import Brand, Finding, has_errors, lint_draft
from mktdirector.core.errors import UsageError
from mktdirector.core.people import current_user
from mktdirector.store import StoreLike
from mktdirector.store.rows import Draft, DraftStatus
from mktdirector.store.stamps import new_id, now_utc

STATUSES = tuple(DraftStatus)
_S = DraftStatus  # short, so the table below reads one status per line
TRANSITIONS: dict[str, frozenset[DraftStatus]] = {
    _S.DRAFT: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.SCHEDULED, _S.PUBLISHING, _S.REJECTED, _S.DRAFT}),
    _S.SCHEDULED: frozenset({_S.PUBLISHING, _S.APPROVED, _S.DRAFT, _S.REJECTED}),
    _S.PUBLISHING: frozenset({_S.PUBLISHED, _S.FAILED, _S.NEEDS_CHECK}),
    # failed -> scheduled: the worker queued a retry (rate limit, network) of a scheduled post
    _S.FAILED: frozenset({_S.PUBLISHING, _S.DRAFT, _S.REJECTED, _S.APPROVED, _S.SCHEDULED}),
    _S.NEEDS_CHECK: frozenset({_S.PUBLISHED, _S.FAILED, _S.PUBLISHING}),
    _S.REJECTED: frozenset({_S.DRAFT}),
    _S.PUBLISHED: frozenset(),
}
EDITABLE = frozenset({_S.DRAFT, _S.APPROVED, _S.SCHEDULED, _S.FAILED, _S.REJECTED})
SEPARATOR = "\n---\n"


def content_hash(platform: str, kind: str, body: Any) -> str:
    import hashlib  # here: OpenSSL's _hashlib loads in ~2-4 ms, and `drafts list` hashes nothing

    canonical = json.dumps([platform, kind, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def text_to_html(text: str) -> str:
    """Plain email text to simple HTML: paragraphs and clickable links."""
    import html

    from mktdirector.core.urls import url_spans

    def para(p: str) -> str:
        out, pos = [], 0
        for start, end in url_spans(p):
            out.append(html.escape(p[pos:start]))
            url = p[start:end]
            out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
            pos = end
        out.append(html.escape(p[pos:]))
        return "<p>" + "".join(out).replace("\n", "<br>") + "</p>"

    paras = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "<html><body>" + "".join(para(p) for p in paras) + "</body></html>"


def tag_links(body: Any, kind: str, platform: str, *, campaign: str, draft_id: str) -> Any:
    """Add UTM parameters (utm_content = the draft id) so traffic and leads trace to the draft."""
    from mktdirector.core.utm import add_utm

    medium = "email" if kind == "email" else "social"
    source = "email" if kind == "email" else platform

    def tag(text: str) -> str:
        return add_utm(text, source=source, medium=medium, campaign=campaign, content=draft_id)

    if kind == "email":
        body = dict(body)
        body["text"] = tag(body.get("text", ""))
        body["html"] = text_to_html(body["text"])
        return body
    return [tag(s) for s in body]


def slugify(text: str, max_len: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "mktd"


@dataclass
class DraftView:
    draft: Draft
    findings: list[Finding]

    @property
    def id(self) -> str:
        return str(self.draft["id"])

    def to_dict(self) -> dict[str, Any]:
        return {**public(self.draft), "findings": [f.to_dict() for f in self.findings]}


def public(draft: Mapping[str, Any]) -> dict[str, Any]:
    """A draft as shown to users and --json (decoded, without raw *_json columns)."""
    return {k: v for k, v in draft.items() if not k.endswith("_json")}


def create_draft(
    store: StoreLike,
    brand: Brand,
    *,
    platform: str,
    kind: str,
    body: Any,
    topic: str | None = None,
    style: str | None = None,
    source: str = "text",
    campaign: str | None = None,
    plan_id: str | None = None,
    plan_step: int | None = None,
    account: str | None = None,
    generation_id: str | None = None,
    utm: bool = True,
    input_key: str | None = None,
) -> DraftView:
    """Tag links, lint, hash and save a new draft (status `draft`)."""
    draft_id = new_id()
    campaign = campaign or (slugify(topic) if topic else "mktd")
    if utm:
        body = tag_links(body, kind, platform, campaign=campaign, draft_id=draft_id)
    findings = lint_draft(body, kind, platform, brand)
    row = store.insert_draft(
        {
            "id": draft_id,
            "platform": platform,
            "kind": kind,
            "topic": topic,
            "style": style,
            "body_json": json.dumps(body, ensure_ascii=False),
            "content_hash": content_hash(platform, kind, body),
            "status": DraftStatus.DRAFT,
            "lint_json": json.dumps([f.to_dict() for f in findings]),
            "source": source,
            "campaign": campaign,
            "plan_id": plan_id,
            "plan_step": plan_step,
            "account": account,
            "generation_id": generation_id,
            "brand_hash": brand.hash,
            "input_key": input_key,
        }
    )
    if generation_id:
        store.link_generation(generation_id, draft_id=draft_id)
    return DraftView(row, findings)


def findings_of(draft: Mapping[str, Any]) -> list[Finding]:
    return [Finding(**f) for f in draft.get("lint") or []]


def body_to_text(draft: Mapping[str, Any]) -> str:
    """The editable text of a draft (threads: segments separated by `---` lines)."""
    body = draft["body"]
    if draft["kind"] == "email":
        return f"Subject: {body.get('subject', '')}\nPreheader: {body.get('preheader', '')}\n\n{body.get('text', '')}"
    return SEPARATOR.join(body)


def text_to_body(kind: str, text: str, platform: str) -> Any:
    if kind == "email":
        head, _, rest = text.partition("\n\n")
        fields = {}
        for line in head.splitlines():
            k, _, v = line.partition(":")
            fields[k.strip().lower()] = v.strip()
        if "subject" not in fields:
            raise UsageError(
                "The email must start with a 'Subject:' line.", hint="mktd drafts edit ID"
            )
        return {
            "subject": fields["subject"],
            "preheader": fields.get("preheader", ""),
            "text": rest.strip(),
            "html": text_to_html(rest),
        }
    if kind == "thread":
        from mktdirector.core.xtext import _MARKER_LINE

        parts = [p.strip() for p in _MARKER_LINE.split(text) if p.strip()]
        return parts
    return [text.strip()]


def edit_draft(store: StoreLike, brand: Brand, draft_id: str, new_text: str) -> DraftView:
    """Replace a draft's text; re-lint; an approved or scheduled draft goes back to draft."""
    d = store.get_draft(draft_id)
    if d["status"] not in EDITABLE:
        raise UsageError(
            f"Draft {d['id']} is {d['status']} and can no longer be edited.",
            hint="Create a new draft instead (mktd social ...)",
        )
    body = text_to_body(d["kind"], new_text, d["platform"])
    if d["kind"] != "email" and not any(s.strip() for s in body):
        raise UsageError(
            "The edited draft is empty; nothing was changed.", hint=f"mktd drafts edit {d['id']}"
        )
    if d["kind"] == "thread":
        # The stored "i/N" markers follow the posts that remain (publishing renumbers too),
        # so `drafts show`, the dashboard and the approved hash show what will go out.
        from mktdirector.agents.social.numbering import renumber

        body = renumber(list(body))
    body = tag_links(
        body, d["kind"], d["platform"], campaign=d["campaign"] or "mktd", draft_id=d["id"]
    )
    new_hash = content_hash(d["platform"], d["kind"], body)
    if new_hash == d["content_hash"]:
        return DraftView(d, findings_of(d))
    findings = lint_draft(body, d["kind"], d["platform"], brand)
    status = (
        DraftStatus.DRAFT
        if d["status"] in {DraftStatus.APPROVED, DraftStatus.SCHEDULED}
        else d["status"]
    )
    row = store.update_draft(
        d["id"],
        d["status"],
        body_json=json.dumps(body, ensure_ascii=False),
        content_hash=new_hash,
        status=status,
        lint_json=json.dumps([f.to_dict() for f in findings]),
        brand_hash=brand.hash,
        approved_hash=None if status == DraftStatus.DRAFT else d["approved_hash"],
        approved_utc=None if status == DraftStatus.DRAFT else d["approved_utc"],
        approved_by=None if status == DraftStatus.DRAFT else d.get("approved_by"),
        edited_by=current_user(),
    )
    return DraftView(row, findings)


def approve(store: StoreLike, draft_id: str, *, force: bool = False) -> DraftView:
    """Record a human's approval of exactly this content (its hash)."""
    d = store.get_draft(draft_id)
    findings = findings_of(d)
    if check_approvable(d, findings, force=force):
        return DraftView(d, findings)
    row = store.update_draft(
        d["id"],
        d["status"],
        # Approve exactly what was checked: an edit landing after the read refuses this.
        expected_hash=d["content_hash"],
        status=DraftStatus.APPROVED,
        approved_hash=d["content_hash"],
        approved_utc=now_utc(),
        approved_by=current_user(),
    )
    return DraftView(row, findings)


def check_approvable(d: Draft, findings: list[Finding], *, force: bool) -> bool:
    """True when `d` is already approved as it is; raises when it cannot be approved."""
    if d["status"] == DraftStatus.APPROVED and d["approved_hash"] == d["content_hash"]:
        return True
    if d["status"] not in {DraftStatus.DRAFT, DraftStatus.FAILED}:
        raise UsageError(
            f"Draft {d['id']} is {d['status']}; only drafts can be approved.",
            hint=f"mktd drafts show {d['id']}",
        )
    if has_errors(findings) and not force:
        raise UsageError(
            f"Draft {d['id']} has lint errors; fix them before approving.",
            hint=f"mktd drafts edit {d['id']} (or approve --force)",
        )
    return False


def reject(store: StoreLike, draft_id: str, reason: str) -> DraftView:
    d = store.get_draft(draft_id)
    if DraftStatus.REJECTED not in TRANSITIONS[d["status"]]:
        raise UsageError(
            f"Draft {d['id']} is {d['status']} and cannot be rejected.",
            hint=f"mktd drafts show {d['id']}",
        )
    if not reason.strip():
        raise UsageError(
            "A reason is required.", hint=f"mktd drafts reject {d['id']} --reason '...'"
        )
    row = store.update_draft(
        d["id"], d["status"], status=DraftStatus.REJECTED, rejected_reason=reason.strip()
    )
    return DraftView(row, findings_of(row))


def transition(store: StoreLike, draft_id: str, to: str, **fields: Any) -> Draft:
    """Move a draft along the lifecycle; refuses moves the state machine does not allow."""
    d = store.get_draft(draft_id)
    if to not in TRANSITIONS[d["status"]]:
        raise UsageError(
            f"Draft {d['id']} cannot go from {d['status']} to {to}.",
            hint=f"mktd drafts show {d['id']}",
        )
    return store.update_draft(d["id"], d["status"], status=to, **fields)
