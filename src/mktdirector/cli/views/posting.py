"""How the posting flow's results look: drafts, dry runs, published posts, scheduled jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

from mktdirector.cli import _draft_output, _output
from mktdirector.core.platforms import TextFormat, text_format
from mktdirector.store.rows import DraftStatus

if TYPE_CHECKING:
    from mktdirector.agents.social.posting import DryRun, Prepared, PublishTicket, Scheduled
    from mktdirector.agents.social.publisher import PublishResult
    from mktdirector.agents.social.schedule import QueuedJob


class LiveText:
    """A single post (LinkedIn's commentary) streams to a terminal as the LLM writes it; a thread
    (X) comes as JSON, so there is nothing readable to stream.

    The streamed text is a transient rich Live view: `finish()` erases it, so the final panel
    is the only copy left on screen (it used to stay above the panel: the post twice). Pipes
    get no stream at all, only the final output.
    """

    def __init__(self, enabled: bool, console: Any = None) -> None:
        self.enabled = enabled
        self.started = False
        self._console = console
        self._parts: list[str] = []
        self._live: Any = None

    @classmethod
    def for_platform(cls, platform: str, json_out: bool) -> LiveText:
        streams = text_format(platform) == TextFormat.COMMENTARY
        return cls(streams and _output.is_tty() and not json_out)

    def __call__(self, chunk: str) -> None:
        if not self.enabled:
            return
        from rich.text import Text

        if self._live is None:
            from rich.console import Console
            from rich.live import Live

            # Its own console: the shared stderr one does not wrap (soft_wrap), and a Live
            # view can only erase the lines it knows it drew.
            console = self._console or Console(stderr=True, highlight=False)
            self._live = Live(console=console, transient=True, auto_refresh=False)
            self._live.start()
        self.started = True
        self._parts.append(chunk)
        self._live.update(Text("".join(self._parts)), refresh=True)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def finish(self) -> None:
        """Erase the streamed text: what comes next (the draft panel) replaces it."""
        if self._live is not None:
            self._live.stop()
            self._live = None


def resumed(prepared: Prepared) -> None:
    """Say that an earlier run's draft is used (the same command again never posts twice)."""
    if prepared.resumed is None:
        return
    did = prepared.view.id
    if prepared.already_published:
        _output.info(f"Same as draft {did}, already published; nothing saved.")
    else:
        _output.info(
            f"Resuming draft {did} ({prepared.resumed}) from an earlier run; --new starts over."
        )


def draft(prepared: Prepared, json_out: bool) -> None:
    """A saved (or resumed) draft; an unapproved one with the command that approves it."""
    view = prepared.view
    if json_out:
        return _output.emit_json(view.to_dict())
    _draft_output.draft(view.draft, view.findings)
    if view.draft["status"] == DraftStatus.DRAFT and not prepared.already_published:
        _output.info(f"Saved draft {view.id}. Next: mktd drafts approve {view.id}")


def draft_before_asking(prepared: Prepared, json_out: bool) -> None:
    if not json_out:
        _draft_output.draft(prepared.view.draft, prepared.view.findings)


def dry_run(result: DryRun, live: LiveText, json_out: bool) -> None:
    """Nothing saved, nothing sent: the draft, its findings and (with --publish) the requests."""
    live.finish()
    if json_out:
        return _output.emit_json(result.to_dict())
    _draft_output.draft(
        result.draft, result.composed.findings, title="Dry run (nothing saved or sent)"
    )
    if result.requests is not None:
        _output.requests(result.requests)
    if result.when is not None:
        _output.info(f"Would be approved and scheduled for {result.when.label}.")


def token_warning(ticket: PublishTicket) -> None:
    if ticket.warning:
        _output.warn(ticket.warning)


def published(result: PublishResult, label: str, json_out: bool) -> None:
    """The post's URLs (one line per thread segment); exit 1 unless it is published."""
    if json_out:
        _output.emit_json(result.to_dict())
    elif result.status == DraftStatus.PUBLISHED:
        for p in result.posts:
            _output.line(f"{p['segment'] + 1}/{len(result.posts)}  {p['url']}")
        _output.success(f"Published {result.draft_id} to {label}.")
    else:
        _output.warn(result.message)
    if result.status != DraftStatus.PUBLISHED:
        raise typer.Exit(1)


def publish_preview(plan: dict[str, Any], json_out: bool) -> None:
    """`mktd publish --dry-run`: the requests, and a reminder when it is not approved yet."""
    if json_out:
        return _output.emit_json(plan)
    _output.requests(plan)
    if not plan["approved"]:
        _output.warn(f"The draft is not approved: mktd drafts approve {plan['draft_id']}")


def resolved(row: Mapping[str, Any], json_out: bool) -> None:
    if json_out:
        _output.emit_json({"id": row["id"], "status": row["status"]})
    elif row["status"] == DraftStatus.FAILED:
        _output.info(f"Noted. Resume with: mktd publish {row['id']}")
    else:
        _output.success(f"Noted: {row['id']} is published.")


def scheduled(result: Scheduled, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result.to_dict())
    _output.success(f"Scheduled {result.view.id} for {result.job.when} on {result.job.platform}.")


def job_scheduled(job: QueuedJob, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(job.to_dict())
    _output.success(f"Scheduled {job.draft_id} for {job.when} on {job.platform}.")
    _output.info("The worker publishes it then: mktd worker --install systemd|cron|launchd")
