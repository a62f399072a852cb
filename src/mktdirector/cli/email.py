"""`mktd email draft|send|stats|cancel|list|resolve|audiences` (SendGrid, Mailchimp).

Each command that talks to an email platform takes `--platform` (`--via` on send; default:
config `email.platform`). SendGrid sends to addresses; Mailchimp sends a campaign to an
audience (`--audience ID [--segment TAG] [--test ADDR]`), and its audiences are listed and
imported into with `mktd email audiences list|import`.
"""

from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktdirector.cli._options import MAX_ROWS, AccountOpt, JsonOpt, short_text

if TYPE_CHECKING:
    from mktdirector.integrations.capabilities import CampaignSender, EmailPlatform, EmailSender
    from mktdirector.wiring import Deps

app = typer.Typer(help="Send email drafts through SendGrid or Mailchimp and read their stats.",
                  no_args_is_help=True)  # fmt: skip
audiences_app = typer.Typer(help="An email platform's audiences: list, import a CSV.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(audiences_app, name="audiences")
PlatformOpt = Annotated[
    str | None,
    typer.Option(
        "--platform", help="Email platform, e.g. sendgrid (default: config email.platform)."
    ),
]
ViaOpt = Annotated[
    str | None,
    typer.Option(
        "--via", "--platform", help="sendgrid or mailchimp (default: config email.platform)."
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
    from pathlib import Path

    from mktdirector.agents.email.drafting import EmailDraftRequest
    from mktdirector.agents.email.drafting import draft_email as run
    from mktdirector.cli import _deps
    from mktdirector.cli._files import read_text
    from mktdirector.cli.views import email as view

    deps = _deps.current()
    request = EmailDraftRequest(topic=topic, subject=subject, preheader=preheader, style=style,
                                body_file=Path(body_file) if body_file is not None else None,
                                include_cta=cta, campaign=campaign)  # fmt: skip
    view.draft_saved(
        run(deps.store, deps.brand(), deps.llm, request, read_text=read_text), json_out
    )


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
    audience: Annotated[
        str | None, typer.Option("--audience", help="Mailchimp: the audience (list) id.")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", help="Mailchimp: only members with this tag.")
    ] = None,
    test_to: Annotated[
        list[str], typer.Option("--test", help="Mailchimp: test-send to this address first.")
    ] = [],  # noqa: B006
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the exact request; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
    transactional: Annotated[
        bool,
        typer.Option(
            "--transactional",
            help="A receipt or notice, not marketing: no unsubscribe group needed or added.",
        ),
    ] = False,
    platform: ViaOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Send an approved email draft (or a subject and body file) exactly once."""
    from mktdirector.agents.email import plan as email_plan
    from mktdirector.agents.email import send as email_send
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view
    from mktdirector.core.platforms import email_facts

    deps = _deps.current()
    pid = email_platform(deps, platform)
    if email_facts(pid).sends_to == "audience":
        refuse_flags(pid, to=to, to_csv=to_csv, category=category)
        return send_campaign(deps, pid, draft=draft, subject=subject, body_file=body_file,
                             audience=audience, segment=segment, at=at, test_to=test_to,
                             from_addr=from_addr, dry_run=dry_run, yes=yes, json_out=json_out,
                             account=account)  # fmt: skip
    refuse_flags(pid, audience=audience, segment=segment, test=test_to)
    client = email_sender(deps, pid, account)  # the platform's facts shape the plan: first
    plan = email_plan.plan_send(deps.store, to=to, to_csv=to_csv, draft_id=draft,
                                subject=subject, body_file=body_file, from_addr=from_addr, at=at,
                                category=category, require_approved=not dry_run, platform=pid,
                                transactional=transactional,
                                unsubscribe=email_plan.unsubscribe_settings(deps.config.get, pid))  # fmt: skip
    if dry_run:
        return view.dry_run(email_send.dry_run(client, plan), plan, json_out)
    asked = partial(view.confirm_send, yes=yes)  # after the repeat check, before the send
    view.sent(email_send.send_confirmed(deps.store, client, plan, confirm=asked), json_out)


@app.command("stats")
def stats(
    since: Annotated[
        str | None, typer.Option("--since", help="From YYYY-MM-DD (or 7d, 4w); default 7d.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="One category.", callback=short_text)
    ] = None,
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Requests, deliveries, opens, clicks, bounces and spam reports per day."""
    from mktdirector.agents.email.ops import fetch_stats
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view

    deps = _deps.current()
    pid = email_platform(deps, platform)
    start = parse_since(since, default_days=7)
    client = email_platform_client(deps, pid, account)
    report = fetch_stats(deps.store, client, since=start, category=category)
    view.stats(report, client.label, json_out)


@app.command("cancel")
def cancel(
    batch_id: Annotated[
        str, typer.Argument(help="The batch id of a scheduled send.", callback=short_text)
    ],
    platform: PlatformOpt = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cancel a scheduled send (every email of its batch)."""
    from mktdirector.agents.email.ops import cancel_batch
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view

    deps = _deps.current()
    client = email_platform_client(deps, email_platform(deps, platform), account)
    view.cancelled(cancel_batch(deps.store, client, batch_id), json_out)


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_ROWS, help="How many.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Emails sent (or being checked), newest first."""
    from mktdirector.agents.email.ops import list_emails
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view

    view.email_list(list_emails(_deps.current().store, limit=limit), json_out)


@app.command("resolve")
def resolve(
    email_id: Annotated[str, typer.Argument(help="An email in needs-check.")],
    outcome: Annotated[
        str, typer.Argument(help="sent or not-sent (what the platform's activity shows).")
    ],
    message_id: Annotated[
        str | None, typer.Option("--message-id", help="With sent: the message id seen there.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Settle an email whose send outcome was unknown, after looking at the email platform."""
    from mktdirector.agents.email.send import resolve_email
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view
    from mktdirector.core.errors import UsageError

    if outcome not in ("sent", "not-sent"):
        raise UsageError(
            "The outcome is sent or not-sent.", hint=f"mktd email resolve {email_id} sent"
        )
    sent = outcome == "sent"
    row = resolve_email(_deps.current().store, email_id, sent=sent, message_id=message_id)
    view.resolved(row, sent, json_out)


@audiences_app.command("list")
def audiences_list(platform: PlatformOpt = None, json_out: JsonOpt = False) -> None:
    """The audiences (lists) of the email platform, with their member counts."""
    from mktdirector.agents.email.audiences import list_audiences
    from mktdirector.cli import _deps
    from mktdirector.cli.views import email as view

    deps = _deps.current()
    client = campaign_sender(deps, email_platform(deps, platform or "mailchimp"))
    view.audiences(list_audiences(client), client.label, json_out)


@audiences_app.command("import")
def audiences_import(
    file: Annotated[str, typer.Argument(help="CSV with an email column (names, tags too).")],
    audience: Annotated[str, typer.Option("--audience", help="The audience (list) id.")],
    platform: PlatformOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add or update the CSV's contacts as audience members (500 per call, 10 at once)."""
    from mktdirector.agents.email.audiences import import_audience
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import email as view

    deps = _deps.current()
    client = campaign_sender(deps, email_platform(deps, platform or "mailchimp"))
    with _output.progress(f"Importing into {audience}") as tick:
        summary = import_audience(client, file, audience, on_batch=tick)
    view.imported(summary, client.label, json_out)


def send_campaign(deps: "Deps", pid: str, *, dry_run: bool, yes: bool, json_out: bool,
                  account: str | None = None, **given: Any) -> None:  # fmt: skip
    """`email send` for an audience platform: plan, then dry run or send exactly once."""
    from mktdirector.agents.email import campaign as flow
    from mktdirector.cli.views import email as view

    client = campaign_sender(deps, pid, account)
    given["audience"] = given["audience"] or deps.config.get(f"{pid}.audience")
    draft, at, test_to, from_addr = (given.pop(k) for k in ("draft", "at", "test_to", "from_addr"))
    plan = flow.plan_campaign(deps.store, platform=pid, draft_id=draft, at=at, test_to=test_to,
                              from_addr=from_addr, require_approved=not dry_run, **given)  # fmt: skip
    if dry_run:
        return view.campaign_dry_run(flow.dry_run(client, plan), json_out)
    asked = partial(view.confirm_campaign, yes=yes)
    view.campaign_sent(flow.send_campaign(deps.store, client, plan, confirm=asked), json_out)


def refuse_flags(pid: str, **given: Any) -> None:
    """A UsageError for options the platform's way of sending has no use for."""
    from mktdirector.core.errors import UsageError

    used = [f"--{k.replace('_', '-')}" for k, v in given.items() if v]
    if used:
        raise UsageError(f"{', '.join(used)} do(es) not apply to {pid}.",
                         hint="mailchimp sends to --audience ID [--segment TAG] [--test ADDR]; "
                         "sendgrid to --to ADDR / --to-csv FILE")  # fmt: skip


# helpers ---------------------------------------------------------------------------------------
def email_platform(deps: "Deps", platform: str | None) -> str:
    """The id for `--platform`, else config `email.platform`; exit 2 for a non-email platform."""
    from mktdirector.core.platforms import Capability, resolve_capable

    return resolve_capable(platform or deps.config.get("email.platform"), Capability.EMAIL)


def email_platform_client(deps: "Deps", pid: str, account: str | None = None) -> "EmailPlatform":
    from mktdirector.integrations.capabilities import as_email_platform

    return as_email_platform(deps.integration(pid, account))


def campaign_sender(deps: "Deps", pid: str, account: str | None = None) -> "CampaignSender":
    from mktdirector.core.errors import UsageError
    from mktdirector.core.platforms import email_facts
    from mktdirector.integrations.capabilities import as_campaign_sender

    if email_facts(pid).sends_to != "audience":
        raise UsageError(f"{pid} has no audiences; it sends to addresses.",
                         hint="mktd email audiences list --platform mailchimp")  # fmt: skip
    return as_campaign_sender(deps.integration(pid, account))


def email_sender(deps: "Deps", pid: str, account: str | None = None) -> "EmailSender":
    from mktdirector.integrations.capabilities import as_email_sender

    return as_email_sender(deps.integration(pid, account))
