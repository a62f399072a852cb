"""`mktd email draft|send|stats|cancel|list|resolve` (SendGrid).

Each command that talks to an email platform takes `--platform` (default: config
`email.platform`).
"""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.integrations.capabilities import EmailSender
    from mktdirector.wiring import Deps

app = typer.Typer(help="Send email drafts through SendGrid and read their stats.",
                  no_args_is_help=True)  # fmt: skip
PlatformOpt = Annotated[
    str | None,
    typer.Option(
        "--platform", help="Email platform, e.g. sendgrid (default: config email.platform)."
    ),
]


@app.command("draft")
def draft_email(
    topic: Annotated[
        str | None, typer.Option("--topic", "-t", help="Write about this (LLM).")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Your own subject...")] = None,
    body_file: Annotated[
        str | None, typer.Option("--body-file", help="...and your own plain-text body.")
    ] = None,
    preheader: Annotated[str, typer.Option("--preheader", help="With --subject.")] = "",
    style: Annotated[
        str, typer.Option("--style", "-s", help="professional | casual | ...")
    ] = "professional",
    cta: Annotated[bool, typer.Option("--cta/--no-cta", help="End with a call to action.")] = True,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="utm_campaign for links.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Draft a marketing email (subject, preheader, text and HTML) in your brand voice."""
    from mktdirector.agents.content import compose
    from mktdirector.cli import _deps, _output
    from mktdirector.cli._files import read_text as _read_text
    from mktdirector.core.errors import UsageError

    deps = _deps.current()
    brand = deps.brand()
    if (topic is None) == (subject is None):
        raise UsageError("Give --topic, or --subject with --body-file.",
                         hint='mktd email draft --topic "Course launch"')  # fmt: skip
    if topic is not None:
        composed = compose.compose_from_topic(deps.llm(), brand, platform="email", topic=topic,
                                              style=style, include_cta=cta)  # fmt: skip
    else:
        if body_file is None:
            raise UsageError("--subject needs --body-file.", hint="--body-file email.txt")
        from pathlib import Path

        composed = compose.compose_email_from_text(
            brand, subject=subject or "", preheader=preheader, text=_read_text(Path(body_file))
        )
    view = compose.save(deps.store, brand, composed, topic=topic or subject, style=style,
                        source="llm" if topic else "file", campaign=campaign)  # fmt: skip
    if json_out:
        return _output.emit_json(view.to_dict())
    _output.draft(view.draft, view.findings)
    _output.info(f"Saved email draft {view.id}. Next: mktd drafts approve {view.id}, then "
                 f"mktd email send --draft {view.id} --to ...")  # fmt: skip


@app.command("send")
def send(
    to: Annotated[
        list[str], typer.Option("--to", help="Recipient (repeatable; commas work).")
    ] = [],  # noqa: B006
    draft: Annotated[str | None, typer.Option("--draft", help="An approved email draft.")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Subject (with --body-file).")
    ] = None,
    body_file: Annotated[
        str | None, typer.Option("--body-file", help="Body: .html as HTML, else plain text.")
    ] = None,
    to_csv: Annotated[
        str | None, typer.Option("--to-csv", help="CSV with an email column: more recipients.")
    ] = None,
    from_addr: Annotated[
        str | None, typer.Option("--from", help="Sender (default: SENDGRID_FROM_EMAIL).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Schedule: ISO time, 'in 2h', 'tomorrow 9:00' (<= 72 h)."),
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="SendGrid category.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the exact request; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Send an approved email draft (or a subject and body file) exactly once."""
    from mktdirector.agents.email import send as email_send
    from mktdirector.agents.email.plan import plan_send
    from mktdirector.cli import _deps
    from mktdirector.store.rows import EmailStatus

    deps = _deps.current()
    pid = email_platform(deps, platform)
    plan = plan_send(deps.store, to=to, to_csv=to_csv, draft_id=draft, subject=subject,
                     body_file=body_file, from_addr=from_addr, at=at, category=category,
                     require_approved=not dry_run)  # fmt: skip
    client = email_sender(deps, pid)
    if dry_run:
        return _dry_run(email_send.dry_run(client, plan), plan, json_out)
    client.require_connection()
    email_send.check_unsent(deps.store, client, plan)  # refuse a repeat before asking anything
    _confirm(plan, yes)
    outcome = email_send.send_email(deps.store, client, plan)
    _render_send(outcome, json_out)
    if outcome.status == EmailStatus.NEEDS_CHECK:
        raise typer.Exit(1)


@app.command("stats")
def stats(
    since: Annotated[
        str | None, typer.Option("--since", help="From YYYY-MM-DD (or 7d, 4w); default 7d.")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="One category.")] = None,
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Requests, deliveries, opens, clicks, bounces and spam reports per day."""
    from mktdirector.agents.email.ops import fetch_stats
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    pid = email_platform(deps, platform)
    start = parse_since(since, default_days=7)
    client = email_sender(deps, pid)
    report = fetch_stats(deps.store, client, since=start, category=category)
    if json_out:
        _output.emit_json(report)
        return
    cols = ["date", "requests", "delivered", "opens", "unique_opens", "clicks", "bounces",
            "spam_reports"]  # fmt: skip
    rows = [*report.rows, {"date": "total", **report.totals}]
    title = f"{client.label} stats since {report.since}" + (
        f", category {category}" if category else ""
    )
    _output.table(rows, cols, title=title)


@app.command("cancel")
def cancel(
    batch_id: Annotated[str, typer.Argument(help="The batch id of a scheduled send.")],
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cancel a scheduled send (every email of its batch)."""
    from mktdirector.agents.email.ops import cancel_batch
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    client = email_sender(deps, email_platform(deps, platform))
    result = cancel_batch(deps.store, client, batch_id)
    if json_out:
        _output.emit_json(result)
        return
    _output.success(f"Cancelled batch {result.batch_id} ({len(result.emails)} email(s) here).")
    if result.warning:
        _output.warn(result.warning)


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Emails sent (or being checked), newest first."""
    from mktdirector.agents.email.ops import list_emails
    from mktdirector.cli import _deps, _output
    from mktdirector.store.rows import EmailStatus

    rows = list_emails(_deps.current().store, limit=limit)
    if json_out:
        _output.emit_json(rows)
        return
    shown: list[dict[str, Any]] = [dict(r) for r in rows]  # with the table's own `when` column
    for s in shown:
        s["when"] = (s.get("send_at_utc") or s.get("sent_utc") or s["created_utc"])[:19]
    cols = ["id", "status", "recipients", "subject", "message_id", "when"]
    _output.table(shown, cols, headers=["id", "status", "to", "subject", "message id", "when"])
    scheduled = [r for r in rows if r["status"] == EmailStatus.SCHEDULED and r.get("batch_id")]
    for r in scheduled:
        _output.info(f"{r['id']}: scheduled in batch {r['batch_id']} (mktd email cancel BATCH)")


@app.command("resolve")
def resolve(
    email_id: Annotated[str, typer.Argument(help="An email in needs-check.")],
    outcome: Annotated[
        str, typer.Argument(help="sent or not-sent (what SendGrid Activity shows).")
    ],
    message_id: Annotated[
        str | None, typer.Option("--message-id", help="With sent: the message id seen there.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Settle an email whose send outcome was unknown, after looking in SendGrid."""
    from mktdirector.agents.email.send import resolve_email
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError

    if outcome not in ("sent", "not-sent"):
        raise UsageError(
            "The outcome is sent or not-sent.", hint=f"mktd email resolve {email_id} sent"
        )
    row = resolve_email(
        _deps.current().store, email_id, sent=outcome == "sent", message_id=message_id
    )
    if json_out:
        _output.emit_json(row)
        return
    then = "" if outcome == "sent" else " Send it again with the same command."
    _output.success(f"Noted: email {row['id']} is {row['status']}.{then}")


# helpers ---------------------------------------------------------------------------------------
def email_platform(deps: "Deps", platform: str | None) -> str:
    """The id for `--platform`, else config `email.platform`; exit 2 for a non-email platform."""
    from mktdirector.core.platforms import Capability, resolve_capable

    return resolve_capable(platform or deps.config.get("email.platform"), Capability.EMAIL)


def email_sender(deps: "Deps", pid: str) -> "EmailSender":
    from mktdirector.integrations.capabilities import as_email_sender

    return as_email_sender(deps.integration(pid))


def _confirm(plan: Any, yes: bool) -> None:
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError

    when = f"at {plan.send_at:%Y-%m-%d %H:%M %Z}" if plan.send_at else "now"
    first = plan.recipients[0] + (
        f" and {len(plan.recipients) - 1} more" if len(plan.recipients) > 1 else ""
    )
    _output.info(f"Email {plan.content.subject!r} from {plan.from_email} to {first}, {when}.")
    for b in plan.skipped:
        _output.warn(f"recipients CSV line {b.line}: {b.reason} (skipped)")
    if not _output.confirm("Send it?", assume_yes=yes):
        raise UsageError("Not sent: sending needs a confirmation.",
                         hint="Run it in a terminal, or add --yes")  # fmt: skip


def _dry_run(plan_out: dict[str, Any], plan: Any, json_out: bool) -> None:
    from mktdirector.cli import _output

    if json_out:
        _output.emit_json(plan_out)
        return
    _output.requests(plan_out)
    for b in plan.skipped:
        _output.warn(f"recipients CSV line {b.line}: {b.reason} (would be skipped)")
    if not plan_out["approved"]:
        _output.warn(f"The draft is not approved: mktd drafts approve {plan.content.draft_id}")


def _render_send(outcome: Any, json_out: bool) -> None:
    from mktdirector.cli import _output
    from mktdirector.store.rows import EmailStatus

    if json_out:
        _output.emit_json(outcome)
    elif outcome.status == EmailStatus.NEEDS_CHECK:
        _output.warn(outcome.message)
    else:
        ids = ", ".join(outcome.message_ids) or "(SendGrid gave no message id)"
        when = (
            f" for {outcome.send_at_utc} (batch {outcome.batch_id})" if outcome.send_at_utc else ""
        )
        earlier = sum(1 for g in outcome.groups if g.earlier)
        resumed = f"; {earlier} group(s) had gone out earlier" if earlier else ""
        _output.success(f"{outcome.status.capitalize()} to {outcome.recipients} recipient(s){when}; "
                        f"message id {ids}{resumed}.")  # fmt: skip
