"""`mktd social linkedin|twitter`: draft from a topic (LLM) or your own text, lint, save."""

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer()

STYLE_HELP = "professional | casual | storytelling | contrarian"


@app.command("social")
def social(
    platform: Annotated[str, typer.Argument(help="linkedin or twitter (x).")],
    topic: Annotated[
        str | None, typer.Option("--topic", "-t", help="Write about this (needs an LLM).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Use this text as the post.")] = None,
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="Read the post from a file ('-' = stdin).")
    ] = None,
    style: Annotated[str, typer.Option("--style", "-s", help=STYLE_HELP)] = "professional",
    cta: Annotated[bool, typer.Option("--cta/--no-cta", help="End with a call to action.")] = True,
    thread_length: Annotated[
        int | None,
        typer.Option(
            "--thread-length", "-n", min=1, max=25, help="Posts in an X thread (topic mode)."
        ),
    ] = None,
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", help="utm_campaign for links (default: from the topic)."),
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Which connected account.")
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Approve and publish it now (asks unless --yes).")
    ] = False,
    schedule_when: Annotated[
        str | None,
        typer.Option(
            "--schedule",
            metavar="WHEN",
            help='Approve and schedule it: "tomorrow 9:00", "in 2h", next-slot (asks unless --yes).',
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --publish/--schedule: don't ask.")
    ] = False,
    image: Annotated[
        str | None, typer.Option("--image", help="With --publish/--schedule: attach an image.")
    ] = None,
    new: Annotated[
        bool,
        typer.Option(
            "--new", help="Always start a new draft (default: resume the same request's)."
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be saved and sent; save and send nothing."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False,
) -> None:
    """Draft a post or thread in your brand voice, lint it and save it as a draft."""
    from mktdirector.agents.content import compose
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError
    from mktdirector.core.platforms import resolve_platform

    pid = resolve_platform(platform)
    if pid not in {"linkedin", "twitter"}:
        raise UsageError(
            f"mktd social publishes to linkedin or twitter, not {pid}.",
            hint="mktd social linkedin --topic '...'",
        )
    given = [x for x in (topic, text, text_file) if x is not None]
    if len(given) != 1:
        raise UsageError(
            "Give exactly one of --topic, --text or --text-file.",
            hint='mktd social linkedin --topic "AI ROI"',
        )
    deps = _deps.current()
    when = None
    if schedule_when is not None:  # checked before anything is generated or saved
        from mktdirector.cli.queue import when_for

        when = when_for(deps, pid, schedule_when, publish=publish)
    body_text = None if topic is not None else (text if text is not None else _read_text(text_file))  # type: ignore[arg-type]
    key = compose.input_key(pid, topic=topic, text=body_text, style=style,
                            thread_length=thread_length, include_cta=cta, account=account)  # fmt: skip
    # The same command again (after a crash, a lost connection): resume, never post twice.
    resumable = not dry_run and not new and (publish or when is not None or topic is None)
    previous = compose.find_previous(deps.store, key) if resumable else None
    if previous is not None:
        return _resume(deps, previous, publish=publish, when=when, yes=yes, image=image,
                       json_out=json_out)  # fmt: skip
    brand = deps.brand()
    composed = _compose(deps, brand, pid, topic=topic, text=body_text, style=style, cta=cta,
                        thread_length=thread_length, json_out=json_out)  # fmt: skip
    if dry_run:
        _show_dry_run(
            deps, pid, composed, topic=topic, publish=publish, account=account, json_out=json_out
        )
        if when is not None and not json_out:
            _output.info(f"Would be approved and scheduled for {when.label}.")
        return
    source = "llm" if topic is not None else ("text" if text is not None else "file")
    view = compose.save(deps.store, brand, composed, topic=topic,
                        style=style if topic else None, source=source, campaign=campaign,
                        account=account, key=key)  # fmt: skip
    _next_step(deps, view, publish=publish, when=when, yes=yes, image=image, json_out=json_out)


def _compose(deps, brand, pid, *, topic, text, style, cta, thread_length, json_out):  # type: ignore[no-untyped-def]
    from mktdirector.agents.content import compose
    from mktdirector.cli import _output

    if topic is None:
        return compose.compose_from_text(brand, platform=pid, text=text)
    stream = (
        _output.stream_chunk if pid == "linkedin" and _output.is_tty() and not json_out else None
    )
    composed = compose.compose_from_topic(
        deps.llm(), brand, platform=pid, topic=topic, style=style, include_cta=cta,
        thread_length=thread_length or (5 if pid == "twitter" else None), on_text=stream,
    )  # fmt: skip
    if stream:
        _output.stream_chunk("\n\n")
    return composed


def _next_step(deps, view, *, publish, when, yes, image, json_out) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.cli import _output

    if publish:
        return _approve_and_publish(deps, view, yes=yes, image=image, json_out=json_out)
    if when is not None:
        from mktdirector.cli.queue import approve_and_schedule

        return approve_and_schedule(deps, view, when, yes=yes, image=image, json_out=json_out)
    if json_out:
        return _output.emit_json(view.to_dict())
    _output.draft(view.draft, view.findings)
    _output.info(f"Saved draft {view.id}. Next: mktd drafts approve {view.id}")


def _resume(deps, previous, *, publish, when, yes, image, json_out) -> None:  # type: ignore[no-untyped-def]
    """A draft made by this very command exists: continue it instead of making another."""
    from mktdirector.agents.content.drafts import DraftView, findings_of
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError
    from mktdirector.store.rows import DraftStatus

    view = DraftView(previous, findings_of(previous))
    status = previous["status"]
    if status == DraftStatus.PUBLISHED:
        if publish or when is not None:
            urls = [p["url"] for p in deps.store.draft_posts(view.id) if p.get("url")]
            raise UsageError(
                f"This was already published (draft {view.id}: {urls[0] if urls else 'no URL'}).",
                hint="Add --new to publish it again as a new post",
            )
        _output.info(f"Same as draft {view.id}, already published; nothing saved.")
        return (
            _output.emit_json(view.to_dict())
            if json_out
            else _output.draft(view.draft, view.findings)
        )
    _output.info(f"Resuming draft {view.id} ({status}) from an earlier run; --new starts over.")
    if (
        status == DraftStatus.DRAFT
        or publish
        or (when is not None and status == DraftStatus.APPROVED)
    ):
        return _next_step(deps, view, publish=publish, when=when, yes=yes, image=image,
                          json_out=json_out)  # fmt: skip
    if json_out:
        return _output.emit_json(view.to_dict())
    _output.draft(view.draft, view.findings)


def _show_dry_run(deps, pid, composed, *, topic, publish, account, json_out) -> None:  # type: ignore[no-untyped-def]
    """Nothing saved, nothing sent: the draft, its findings and (with --publish) the requests."""
    from mktdirector.cli import _output

    data = {
        "id": None,
        "platform": pid,
        "kind": composed.kind,
        "body": composed.body,
        "status": "dry run",
        "topic": topic,
        "saved": False,
    }
    if publish:
        from mktdirector.agents.content.drafts import tag_links
        from mktdirector.agents.social.publishing import dry_run_segments

        # The links as they will really go out: UTM-tagged with the draft id saving assigns.
        body = tag_links(composed.body, composed.kind, pid, campaign="mktd", draft_id="DRAFT-ID")
        data["publish"] = dry_run_segments(deps.integration(pid, account), body)
    if json_out:
        _output.emit_json({**data, "findings": [f.to_dict() for f in composed.findings]})
        return
    _output.draft(data, composed.findings, title="Dry run (nothing saved or sent)")
    if publish:
        _output.requests(data["publish"])


def _approve_and_publish(deps, view, *, yes: bool, image: str | None, json_out: bool) -> None:  # type: ignore[no-untyped-def]
    """`--publish`: show the draft, ask once (approval and publishing are one human act)."""
    from mktdirector.agents.content import drafts
    from mktdirector.cli import _output
    from mktdirector.cli.publish import run
    from mktdirector.core.errors import UsageError
    from mktdirector.store.rows import DraftStatus

    if not json_out:
        _output.draft(view.draft, view.findings)
    fresh = (
        view.draft["status"] == DraftStatus.DRAFT
    )  # else: approved earlier, resuming its publication
    question = f"Approve and publish draft {view.id}?" if fresh else f"Publish draft {view.id}?"
    if not _output.confirm(question, assume_yes=yes):
        raise UsageError(
            f"Saved draft {view.id} but did not publish: that needs a confirmation.",
            hint=f"mktd drafts approve {view.id} && mktd publish {view.id} (or --yes)",
        )
    if fresh:
        drafts.approve(deps.store, view.id)
    run(deps, view.id, yes=True, dry_run=False, image=image, json_out=json_out)


def _read_text(path: Path) -> str:
    import sys

    from mktdirector.core.errors import UsageError

    if str(path) == "-":
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"No such file: {path}.", hint="Check the path given to --text-file"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text.", hint="Save the file as UTF-8") from None
    except OSError as e:
        raise UsageError(
            f"Cannot read {path}: {e.strerror}.", hint="Check the path and permissions"
        ) from None
