"""`mktd social linkedin|twitter`: draft from a topic (LLM) or your own text, lint, save."""

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._unset_options import UnsetOptionsCommand

if TYPE_CHECKING:
    from mktdirector.agents.social.posting import PostingDeps, PostRequest, Prepared
    from mktdirector.cli.views.posting import LiveText

app = typer.Typer()

STYLE_HELP = "professional | casual | storytelling | contrarian"
TopicOpt = Annotated[
    str | None, typer.Option("--topic", "-t", help="Write about this (needs an LLM).")
]
TextOpt = Annotated[str | None, typer.Option("--text", help="Use this text as the post.")]
TextFileOpt = Annotated[
    Path | None, typer.Option("--text-file", help="Read the post from a file ('-' = stdin).")
]
StyleOpt = Annotated[str, typer.Option("--style", "-s", help=STYLE_HELP)]
CtaOpt = Annotated[bool, typer.Option("--cta/--no-cta", help="End with a call to action.")]
ThreadLengthOpt = Annotated[
    int | None,
    typer.Option("--thread-length", "-n", min=1, max=25, help="Posts in an X thread (topic mode)."),
]
CampaignOpt = Annotated[
    str | None, typer.Option("--campaign", help="utm_campaign for links (default: from the topic).")
]
PublishOpt = Annotated[
    bool, typer.Option("--publish", help="Approve and publish it now (asks unless --yes).")
]
ScheduleOpt = Annotated[
    str | None,
    typer.Option(
        "--schedule",
        metavar="WHEN",
        help='Approve and schedule it: "tomorrow 9:00", "in 2h", next-slot (asks unless --yes).',
    ),
]
ImageOpt = Annotated[
    str | None, typer.Option("--image", help="With --publish/--schedule: attach an image.")
]
NoBrandOpt = Annotated[
    bool,
    typer.Option(
        "--no-brand", help="Publish LLM text although no brand voice is set (with --yes)."
    ),
]
NewOpt = Annotated[
    bool,
    typer.Option("--new", help="Always start a new draft (default: resume the same request's)."),
]


@app.command("social", cls=UnsetOptionsCommand)
def social(
    platform: Annotated[str, typer.Argument(help="linkedin or twitter (x).")],
    topic: TopicOpt = None,
    text: TextOpt = None,
    text_file: TextFileOpt = None,
    style: StyleOpt = "professional",
    cta: CtaOpt = True,
    thread_length: ThreadLengthOpt = None,
    campaign: CampaignOpt = None,
    account: _options.AccountOpt = None,
    publish: PublishOpt = False,
    schedule_when: ScheduleOpt = None,
    yes: Annotated[bool, _options.yes("With --publish/--schedule: don't ask.")] = False,
    image: ImageOpt = None,
    new: NewOpt = False,
    no_brand: NoBrandOpt = False,
    dry_run: Annotated[
        bool, _options.dry_run("Show what would be saved and sent; save and send nothing.")
    ] = False,
    json_out: _options.JsonOpt = False,
) -> None:
    """Draft a post or thread in your brand voice, lint it and save it as a draft."""
    from mktdirector.agents.social import posting
    from mktdirector.cli import _deps
    from mktdirector.cli.views import posting as render

    pid = posting.check_platform(platform)
    _require_one_source(topic, text, text_file)
    deps = _deps.current()
    when = posting.when_for(deps, pid, schedule_when, publish=publish)  # before any LLM call
    request = _request(pid, topic, text, text_file, style, cta, thread_length, campaign, account)
    request = replace(request, no_brand=no_brand)
    live = render.LiveText.for_platform(pid, json_out)
    if dry_run:
        try:
            result = posting.dry_run(deps, request, publish=publish, when=when, on_text=live)
        finally:
            live.finish()  # the streamed text is erased, even when generating failed
        _brand_warning(result.brand_warning)
        return render.dry_run(result, live, json_out)
    try:
        prepared = posting.prepare(deps, request, publish=publish, when=when, new=new, on_text=live)
    finally:
        live.finish()
    _brand_warning(prepared.brand_warning)
    _next_step(deps, prepared, live, yes=yes, image=image, json_out=json_out)


def _next_step(
    deps: "PostingDeps",
    prepared: "Prepared",
    live: "LiveText",
    *,
    yes: bool,
    image: str | None,
    json_out: bool,
) -> None:
    """Show the draft; with --publish/--schedule ask once, then approve and publish/schedule."""
    from mktdirector.agents.social.posting import Next
    from mktdirector.cli.views import posting as render

    live.finish()
    render.resumed(prepared)
    if prepared.next is Next.SHOW:
        return render.draft(prepared, json_out)
    render.draft_before_asking(prepared, json_out)
    if prepared.next is Next.SCHEDULE:
        return _approve_and_schedule(deps, prepared, yes=yes, image=image, json_out=json_out)
    _approve_and_publish(deps, prepared, yes=yes, image=image, json_out=json_out)


def _approve_and_schedule(
    deps: "PostingDeps", prepared: "Prepared", *, yes: bool, image: str | None, json_out: bool
) -> None:
    from mktdirector.agents.social import posting
    from mktdirector.cli import _output
    from mktdirector.cli.views import posting as render

    assert prepared.when is not None  # Next.SCHEDULE is only set with a time
    question = f"Approve draft {prepared.view.id} and schedule it for {prepared.when.label}?"
    ok = _output.confirm(question, assume_yes=yes, declined="Not scheduled.")
    render.scheduled(
        posting.approve_and_schedule(deps, prepared, confirmed=ok, image=image), json_out
    )


def _approve_and_publish(
    deps: "PostingDeps", prepared: "Prepared", *, yes: bool, image: str | None, json_out: bool
) -> None:
    from mktdirector.agents.social import posting
    from mktdirector.cli import _output
    from mktdirector.cli.views import posting as render

    did = prepared.view.id
    question = (
        f"Approve and publish draft {did}?" if prepared.needs_approval else f"Publish draft {did}?"
    )
    ok = _output.confirm(question, assume_yes=yes, declined="Not published.")
    ticket = posting.approve_for_publishing(deps, prepared, confirmed=ok)
    render.token_warning(ticket)  # before sending: an expiring token is worth knowing first
    result = posting.publish(deps, ticket, confirmed=True, image=image)  # asked once, above
    render.published(result, ticket.label, json_out)


def _brand_warning(problem: str | None) -> None:
    """Loud, on stderr (so --json stays parseable): the text is not in the user's voice."""
    from mktdirector.cli import _output

    if problem:
        _output.line(f"WARNING: {problem}", err=True, style="bold yellow")
        _output.line("Set your brand voice: mktd brand edit", err=True, style="yellow")


def _require_one_source(topic: str | None, text: str | None, text_file: Path | None) -> None:
    from mktdirector.core.errors import UsageError

    if sum(x is not None for x in (topic, text, text_file)) != 1:
        raise UsageError(
            "Give exactly one of --topic, --text or --text-file.",
            hint='mktd social linkedin --topic "AI ROI"',
        )


def _request(
    pid: str,
    topic: str | None,
    text: str | None,
    text_file: Path | None,
    style: str,
    cta: bool,
    thread_length: int | None,
    campaign: str | None,
    account: str | None,
) -> "PostRequest":
    from mktdirector.agents.social.posting import PostRequest
    from mktdirector.cli._files import read_text

    if topic is None and text is None:
        assert text_file is not None  # _require_one_source saw exactly one source
        text = read_text(text_file)
    return PostRequest(
        pid, topic=topic, text=text, from_file=text_file is not None, style=style,
        include_cta=cta, thread_length=thread_length, campaign=campaign, account=account,
    )  # fmt: skip
