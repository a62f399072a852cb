"""From a topic or a text to a saved, linted draft (the drafting half of `mktd social`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mktdirector.agents.content import agent as content
from mktdirector.agents.content.brand import Brand, Finding, lint_draft
from mktdirector.agents.content.drafts import DraftView, create_draft
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import TextFormat, spoken_list, text_format
from mktdirector.store import StoreLike
from mktdirector.store.rows import Draft, DraftStatus

if TYPE_CHECKING:  # `mktd social --text --dry-run` neither generates nor plans (issue 17)
    from mktdirector.agents.content.generation import Generated
    from mktdirector.agents.content.orchestrator import Plan
    from mktdirector.llm import LLM


@dataclass
class Composed:
    platform: str
    kind: str
    body: Any
    findings: list[Finding]
    generation: Generated | None = None


def compose_from_topic(
    llm: LLM,
    brand: Brand,
    *,
    platform: str,
    topic: str,
    style: str = "professional",
    include_cta: bool = True,
    thread_length: int | None = None,
    kind: str | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Composed:
    written_as = text_format(platform)
    if written_as == TextFormat.COMMENTARY:
        body, gen = content.linkedin_post(
            llm, brand, topic=topic, style=style, include_cta=include_cta, on_text=on_text
        )
        return Composed(platform, "post", body, lint_draft(body, "post", platform, brand), gen)
    if written_as == TextFormat.THREAD:
        body, gen = content.x_thread(
            llm,
            brand,
            topic=topic,
            thread_length=thread_length or 1,
            style=style,
            include_cta=include_cta,
            on_text=on_text,
        )
        k = "thread" if len(body) > 1 else "post"
        return Composed(platform, k, body, lint_draft(body, k, platform, brand), gen)
    if platform == "email" or kind == "email":
        ebody, gen = content.marketing_email(
            llm, brand, topic=topic, style=style, include_cta=include_cta
        )
        return Composed("email", "email", ebody, lint_draft(ebody, "email", "email", brand), gen)
    hint = f"Use {spoken_list(content.content_channels())}"
    raise UsageError(f"Cannot write content for {platform}.", hint=hint)


def compose_from_text(brand: Brand, *, platform: str, text: str) -> Composed:
    kind, body = content.body_from_text(platform, text)
    return Composed(platform, kind, body, lint_draft(body, kind, platform, brand))


def compose_email_from_text(brand: Brand, *, subject: str, preheader: str, text: str) -> Composed:
    from mktdirector.agents.content.drafts import text_to_html

    if not subject.strip() or not text.strip():
        raise UsageError("The email needs a subject and a body.", hint="--subject S --body-file F")
    body = {"subject": subject.strip(), "preheader": preheader.strip(), "text": text.strip(),
            "html": text_to_html(text)}  # fmt: skip
    return Composed("email", "email", body, lint_draft(body, "email", "email", brand))


UNFINISHED = (
    DraftStatus.DRAFT, DraftStatus.APPROVED, DraftStatus.SCHEDULED, DraftStatus.PUBLISHING,
    DraftStatus.FAILED, DraftStatus.NEEDS_CHECK,
)  # fmt: skip


def input_key(
    platform: str,
    *,
    topic: str | None,
    text: str | None,
    style: str | None,
    thread_length: int | None,
    include_cta: bool,
    account: str | None,
) -> str:
    """What a `mktd social` run was asked for; the same command gives the same key."""
    import hashlib
    import json

    ask = [platform, topic, text.strip() if text else None, style if topic else None,
           thread_length if topic else None, include_cta if topic else None, account]  # fmt: skip
    return hashlib.sha256(json.dumps(ask).encode()).hexdigest()[:32]


def find_previous(store: StoreLike, key: str) -> Draft | None:
    """The newest draft made by the same request that is unfinished or published, if any."""
    if not store.exists():
        return None
    return store.find_draft_by_input_key(key, [*UNFINISHED, DraftStatus.PUBLISHED])


def save(
    store: StoreLike,
    brand: Brand,
    composed: Composed,
    *,
    topic: str | None,
    style: str | None,
    source: str,
    campaign: str | None = None,
    account: str | None = None,
    plan_id: str | None = None,
    plan_step: int | None = None,
    key: str | None = None,
) -> DraftView:
    from mktdirector.agents.content.generation import log_generation

    gid = log_generation(store, composed.generation, brand) if composed.generation else None
    return create_draft(
        store,
        brand,
        input_key=key,
        platform=composed.platform,
        kind=composed.kind,
        body=composed.body,
        topic=topic,
        style=style,
        source=source,
        campaign=campaign,
        account=account,
        plan_id=plan_id,
        plan_step=plan_step,
        generation_id=gid,
    )


def drafts_from_plan(
    llm: LLM,
    brand: Brand,
    store: StoreLike,
    plan: Plan,
    *,
    style: str = "professional",
    thread_length: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> list[DraftView]:
    """One draft per plan step (skipping steps that already have one, so re-runs resume)."""
    existing = store.plan_steps_drafted(plan.id)
    views = []
    for i, step in enumerate(plan.steps):
        if i in existing:
            continue
        platform = step.channel
        composed = compose_from_topic(
            llm,
            brand,
            platform=platform,
            topic=f"{step.topic} — {step.angle}",
            style=style,
            thread_length=thread_length if step.kind == "thread" else 1,
            kind=step.kind,
        )
        views.append(
            save(
                store,
                brand,
                composed,
                topic=step.topic,
                style=style,
                source="plan",
                campaign=plan.slug,
                plan_id=plan.id,
                plan_step=i,
            )
        )
        if progress:
            progress(i + 1, len(plan.steps))
    return views
