"""The posting flow: from what the user asked for to a saved draft, published or scheduled.

One use case, one place: `mktd social`, `mktd publish`, `mktd schedule`, the Python API and the
web routes call these functions and only render what they return. The flow never asks anything:
publishing and scheduling take `confirmed`, which a front end sets after asking (or on --yes).

    prepare()                 create a draft, or resume the one the same request made before
    dry_run()                 compose and show the requests; save and send nothing
    approve_for_publishing()  then publish(): approve and send (one human act, one question)
    approve_and_schedule()    approve and queue for the worker (one question)
    ready_to_publish()        then publish(): `mktd publish ID` for an approved draft
    schedule_draft(), preview_publish(), resolve_needs_check(): the other `mktd` entry points
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mktdirector.agents.content import compose, drafts
from mktdirector.agents.content.brand import Brand, voice_problem
from mktdirector.agents.content.drafts import DraftView, findings_of
from mktdirector.agents.social.posting_types import (
    AlreadyPublished,
    BrandVoiceNotSet,
    DryRun,
    Next,
    PostingDeps,
    PostRequest,
    Prepared,
    PublishTicket,
    Scheduled,
)
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import (
    PLATFORMS,
    Capability,
    resolve_platform,
    spoken_list,
    with_capability,
)
from mktdirector.store.rows import Draft, DraftStatus

if TYPE_CHECKING:
    from mktdirector.agents.social import schedule as sched
    from mktdirector.agents.social.publisher import PublishResult

# publishing (the publisher, its targets) and schedule (slots, time parsing) are imported by
# the functions that publish or schedule: `mktd social --text --dry-run` needs neither, and
# they are ~9 ms of its start (issue 17).

# The flow and the types it answers with (posting_types.py), imported by front ends from here.
__all__ = [
    "AlreadyPublished",
    "BrandVoiceNotSet",
    "DryRun",
    "Next",
    "PostRequest",
    "PostingDeps",
    "Prepared",
    "PublishTicket",
    "Scheduled",
    "approve_and_schedule",
    "approve_for_publishing",
    "brand_check",
    "check_platform",
    "check_request",
    "dry_run",
    "prepare",
    "preview_publish",
    "publish",
    "ready_to_publish",
    "resolve_needs_check",
    "schedule_draft",
    "when_for",
]


def brand_check(brand: Brand, request: PostRequest, *, publishing: bool) -> str | None:
    """The warning for text the LLM writes without the user's brand voice (None: all set).

    Publishing or scheduling such text is refused unless the request says `no_brand`: nobody
    should find "Acme Analytics" in their feed. The user's own text is not generated, so it
    needs no voice.
    """
    if request.topic is None:
        return None
    problem = voice_problem(brand)
    if problem and publishing and not request.no_brand:
        raise BrandVoiceNotSet(problem)
    return problem


def check_request(request: PostRequest) -> None:
    """Options that only shape what the LLM writes are refused with the user's own text,
    rather than silently ignored (the user would think their text was split)."""
    if request.topic is None and request.thread_length is not None:
        raise UsageError(
            "--thread-length sets how many posts the LLM writes; your own text is not split.",
            hint="Separate thread posts with --- lines in --text-file, or use --topic",
        )


def check_platform(platform: str) -> str:
    """The platform id (aliases resolved) when it is a social network we post to."""
    social = with_capability(Capability.SOCIAL)
    pid = resolve_platform(platform, among=social)
    if pid not in social:
        raise UsageError(
            f"mktd social publishes to {spoken_list(social)}, not {pid}.",
            hint=f"mktd social {social[0]} --topic '...'",
        )
    return pid


def when_for(
    deps: PostingDeps, platform: str, text: str | None, *, publish: bool
) -> sched.When | None:
    """`--schedule WHEN` (None: not scheduling), resolved before anything is generated or saved."""
    if text is None:
        return None
    from mktdirector.agents.social import schedule as sched

    if publish:
        raise UsageError(
            "Give --publish or --schedule, not both.", hint="mktd social ... --schedule 'in 2h'"
        )
    zone = sched.user_tz(deps.config.get)
    at = sched.resolve_when(
        text, store=deps.store, config=deps.config.get, platform=platform, tz=zone
    )
    return sched.When(at, zone)


def prepare(
    deps: PostingDeps,
    request: PostRequest,
    *,
    publish: bool = False,
    when: sched.When | None = None,
    new: bool = False,
    on_text: Callable[[str], None] | None = None,
) -> Prepared:
    """Create the draft, or resume the one the same request made before.

    The resume rule: a request that goes on to publish or schedule, or that carries its own
    text, continues its earlier draft (after a crash or a lost connection: never post twice);
    a topic alone writes a new one, and `new` always does.
    """
    check_request(request)
    brand = deps.brand()
    # Before resuming too: a draft written without a voice is not published by re-running
    # the same topic with --publish (the gate is on what gets published, not on when).
    warning = brand_check(brand, request, publishing=publish or when is not None)
    if publish or when is not None:
        # Which account it will go out as is settled before anything is written or generated:
        # two connected accounts and no choice stop here, with no draft and no LLM call spent.
        deps.integration(request.platform, request.account)
    resumable = not new and (publish or when is not None or request.topic is None)
    previous = compose.find_previous(deps.store, request.key) if resumable else None
    if previous is not None:
        return replace(_resume(deps, previous, publish=publish, when=when), brand_warning=warning)
    composed = _compose(deps, brand, request, on_text)
    view = compose.save(
        deps.store,
        brand,
        composed,
        topic=request.topic,
        style=request.style if request.topic else None,
        source=request.source,
        campaign=request.campaign,
        account=request.account,
        key=request.key,
    )
    nxt = Next.PUBLISH if publish else (Next.SCHEDULE if when is not None else Next.SHOW)
    return Prepared(view, nxt, when, brand_warning=warning)


def dry_run(
    deps: PostingDeps,
    request: PostRequest,
    *,
    publish: bool = False,
    when: sched.When | None = None,
    on_text: Callable[[str], None] | None = None,
) -> DryRun:
    """Compose without saving; with `publish`, the exact requests (the links UTM-tagged as
    they will really go out, with the id saving would assign shown as DRAFT-ID)."""
    check_request(request)
    brand = deps.brand()
    warning = brand_check(brand, request, publishing=publish or when is not None)
    composed = _compose(deps, brand, request, on_text)
    plan = None
    if publish:
        body = drafts.tag_links(
            composed.body, composed.kind, request.platform, campaign="mktd", draft_id="DRAFT-ID"
        )
        from mktdirector.agents.social import publishing

        client = deps.integration(request.platform, request.account)
        plan = publishing.dry_run_segments(client, body)
    return DryRun(request, composed, plan, when, brand_warning=warning)


def approve_for_publishing(
    deps: PostingDeps, prepared: Prepared, *, confirmed: bool
) -> PublishTicket:
    """`--publish`: approving and publishing are one human act, so one confirmation."""
    did = prepared.view.id
    if not confirmed:
        raise UsageError(
            f"Saved draft {did} but did not publish: that needs a confirmation.",
            hint=f"mktd drafts approve {did} && mktd publish {did} (or --yes)",
        )
    ticket = ready_to_publish(deps, did)  # the account first: never approve what cannot go
    if prepared.needs_approval:
        drafts.approve(deps.store, did)
    return ticket


def ready_to_publish(
    deps: PostingDeps, draft_id: str, *, account: str | None = None
) -> PublishTicket:
    """A social draft and its client; a token that expired for good stops here.

    `account` (`--account`) overrides the draft's; the account the client resolves to is kept
    on the draft, so a retry, a schedule and the worker publish as the same account.
    """
    from mktdirector.agents.social import publishing

    draft = deps.store.get_draft(draft_id)
    publishing.check_publishable(draft)
    client = deps.integration(draft["platform"], account or draft.get("account"))
    publishing.remember_account(deps.store, draft, client.account)
    return PublishTicket(draft["id"], client, publishing.token_warning(client))


def publish(
    deps: PostingDeps, ticket: PublishTicket, *, confirmed: bool, image: str | None = None
) -> PublishResult:
    """Publish exactly once; a rate limit queues it for the worker (RateLimitError, exit 5)."""
    from mktdirector.agents.social import publishing

    if not confirmed:
        raise UsageError(
            "Not published: publishing needs a confirmation.",
            hint=f"Run it in a terminal, or: mktd publish {ticket.draft_id} --yes",
        )
    return publishing.publish_or_queue(deps.store, ticket.client, ticket.draft_id, image=image)


def approve_and_schedule(
    deps: PostingDeps, prepared: Prepared, *, confirmed: bool, image: str | None = None
) -> Scheduled:
    """`--schedule`: approving and scheduling are one human act, so one confirmation."""
    from mktdirector.agents.social import publishing
    from mktdirector.agents.social import schedule as sched

    view, when = prepared.view, prepared.when
    if when is None:
        raise ValueError("approve_and_schedule needs a prepared draft with a time")
    if not confirmed:
        raise UsageError(
            f"Saved draft {view.id} but did not schedule it: that needs a confirmation.",
            hint=f"mktd drafts approve {view.id} && mktd schedule {view.id} --at WHEN (or --yes)",
        )
    publishing.settle_account(deps.store, deps.integration, view.id)  # the worker cannot ask
    drafts.approve(deps.store, view.id)
    job = sched.schedule(deps.store, view.id, when.at, tz=when.tz, image=image)
    return Scheduled(view, deps.store.get_draft(view.id)["status"], job)


def schedule_draft(
    deps: PostingDeps, draft_id: str, at: str, *, tz: str | None = None
) -> sched.QueuedJob:
    """`mktd schedule ID --at WHEN`: an approved draft, queued (or moved) to WHEN."""
    from mktdirector.agents.social import publishing
    from mktdirector.agents.social import schedule as sched

    zone = sched.user_tz(deps.config.get, tz)
    draft = deps.store.get_draft(draft_id)
    sched.check_schedulable(draft)
    publishing.settle_account(deps.store, deps.integration, draft["id"])
    when = sched.resolve_when(
        at,
        store=deps.store,
        config=deps.config.get,
        platform=draft["platform"],
        tz=zone,
        draft_id=draft["id"],
    )
    return sched.schedule(deps.store, draft["id"], when, tz=zone)


def preview_publish(
    deps: PostingDeps, draft_id: str, *, account: str | None = None
) -> dict[str, Any]:
    """`mktd publish ID --dry-run`: the exact requests (secrets masked); sends nothing."""
    from mktdirector.agents.social import publishing

    draft = deps.store.get_draft(draft_id)
    publishing.check_publishable(draft)
    client = deps.integration(draft["platform"], account or draft.get("account"))
    return publishing.dry_run(deps.store, client, draft["id"])


def resolve_needs_check(deps: PostingDeps, draft_id: str, how: str, url: str | None) -> Draft:
    """Settle a `needs-check` draft the user looked up: `posted` (with its URL) or not."""
    from mktdirector.agents.social import publishing

    draft = deps.store.get_draft(draft_id)
    if how not in {"posted", "not-posted"}:
        raise UsageError("--resolve takes posted or not-posted.", hint="--resolve posted --url URL")
    return publishing.resolve_needs_check(
        deps.store, draft["platform"], draft["id"], posted=how == "posted", url=url
    )


def _resume(
    deps: PostingDeps, previous: Draft, *, publish: bool, when: sched.When | None
) -> Prepared:
    view = DraftView(previous, findings_of(previous))
    status = str(previous["status"])
    if status == DraftStatus.PUBLISHED:
        if publish or when is not None:
            urls = [p["url"] for p in deps.store.draft_posts(view.id) if p.get("url")]
            raise AlreadyPublished(view.id, urls[0] if urls else None)
        return Prepared(view, Next.SHOW, when, resumed=status)
    if publish:
        return Prepared(view, Next.PUBLISH, when, resumed=status)
    if when is not None and status in {DraftStatus.DRAFT, DraftStatus.APPROVED}:
        return Prepared(view, Next.SCHEDULE, when, resumed=status)
    return Prepared(view, Next.SHOW, when, resumed=status)


def _compose(
    deps: PostingDeps,
    brand: Brand,
    request: PostRequest,
    on_text: Callable[[str], None] | None,
) -> compose.Composed:
    if request.topic is None:
        return compose.compose_from_text(brand, platform=request.platform, text=request.text or "")
    spec = PLATFORMS.get(request.platform)
    default_length = spec.default_thread_length if spec else None
    return compose.compose_from_topic(
        deps.llm(),
        brand,
        platform=request.platform,
        topic=request.topic,
        style=request.style,
        include_cta=request.include_cta,
        thread_length=request.thread_length or default_length,
        on_text=on_text,
    )
