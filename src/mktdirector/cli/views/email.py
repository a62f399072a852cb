"""How `mktd email` shows its results: drafts, the send question, dry runs, sends, stats, lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from mktdirector.cli import _draft_output, _output
from mktdirector.core.errors import UsageError
from mktdirector.store.rows import EmailStatus

if TYPE_CHECKING:
    from mktdirector.agents.content.drafts import DraftView
    from mktdirector.agents.email.campaign import CampaignOutcome, CampaignPlan
    from mktdirector.agents.email.ops import CancelResult, StatsReport
    from mktdirector.agents.email.plan import SendPlan
    from mktdirector.agents.email.send import SendOutcome
    from mktdirector.store.rows import Email

STATS_COLUMNS = ["date", "requests", "delivered", "opens", "unique_opens", "clicks", "bounces",
                 "spam_reports", "unsubscribes"]  # fmt: skip
LIST_COLUMNS = ["id", "status", "recipients", "subject", "message_id", "when"]
LIST_HEADERS = ["id", "status", "to", "subject", "message id", "when"]


def draft_saved(view: DraftView, json_out: bool) -> None:
    """The new draft, its findings and the two commands that send it."""
    if json_out:
        return _output.emit_json(view.to_dict())
    _draft_output.draft(view.draft, view.findings)
    _output.info(f"Saved email draft {view.id}. Next: mktd drafts approve {view.id}, then "
                 f"mktd email send --draft {view.id} --to ... (or: --via mailchimp --audience ID)")  # fmt: skip


def confirm_send(plan: SendPlan, yes: bool) -> None:
    """Say what goes to whom and when, then ask; no answer (or no) sends nothing."""
    when = f"at {plan.send_at:%Y-%m-%d %H:%M %Z}" if plan.send_at else "now"
    first = plan.recipients[0] + (
        f" and {len(plan.recipients) - 1} more" if len(plan.recipients) > 1 else ""
    )
    _output.info(f"Email {plan.content.subject!r} from {plan.from_email} to {first}, {when}.")
    for b in plan.skipped:
        _output.warn(f"recipients CSV line {b.line}: {b.reason} (skipped)")
    if not _output.confirm("Send it?", assume_yes=yes, declined="Not sent."):
        raise UsageError("Not sent: sending needs a confirmation.",
                         hint="Run it in a terminal, or add --yes")  # fmt: skip


def dry_run(plan_out: dict[str, Any], plan: SendPlan, json_out: bool) -> None:
    """The requests a send would make, and what would stop it (skipped rows, no approval)."""
    if json_out:
        return _output.emit_json(plan_out)
    _output.requests(plan_out)
    for b in plan.skipped:
        _output.warn(f"recipients CSV line {b.line}: {b.reason} (would be skipped)")
    if not plan_out["approved"]:
        _output.warn(f"The draft is not approved: mktd drafts approve {plan.content.draft_id}")


def sent(outcome: SendOutcome, json_out: bool) -> None:
    """Sent or scheduled with the message ids; exit 1 when the outcome needs a human check."""
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
    if outcome.status == EmailStatus.NEEDS_CHECK:
        raise typer.Exit(1)


def stats(report: StatsReport, label: str, json_out: bool) -> None:
    """One row per day and a total row."""
    if json_out:
        return _output.emit_json(report)
    rows = [*report.rows, {"date": "total", **report.totals}]
    title = f"{label} stats since {report.since}" + (
        f", category {report.category}" if report.category else ""
    )
    _output.table(rows, STATS_COLUMNS, title=title)


def cancelled(result: CancelResult, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result)
    _output.success(f"Cancelled batch {result.batch_id} ({len(result.emails)} email(s) here).")
    if result.warning:
        _output.warn(result.warning)


def email_list(rows: Sequence[Email], json_out: bool) -> None:
    """The table, then how to cancel each scheduled batch."""
    if json_out:
        return _output.emit_json(rows)
    shown: list[dict[str, Any]] = [dict(r) for r in rows]  # with the table's own `when` column
    for s in shown:
        s["when"] = (s.get("send_at_utc") or s.get("sent_utc") or s["created_utc"])[:19]
    _output.table(shown, LIST_COLUMNS, headers=LIST_HEADERS)
    scheduled = [r for r in rows if r["status"] == EmailStatus.SCHEDULED and r.get("batch_id")]
    for r in scheduled:
        _output.info(f"{r['id']}: scheduled in batch {r['batch_id']} "
                     f"(mktd email cancel {r['batch_id']} --platform {r['platform']})")  # fmt: skip


def resolved(row: Email, sent: bool, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(row)
    then = "" if sent else " Send it again with the same command."
    _output.success(f"Noted: email {row['id']} is {row['status']}.{then}")


# audience platforms (Mailchimp) ------------------------------------------------------------------
def confirm_campaign(plan: CampaignPlan, audience: Any, yes: bool) -> None:
    """Say which audience (and tag) gets what, and when; then ask."""
    when = f"at {plan.send_at:%Y-%m-%d %H:%M %Z}" if plan.send_at else "now"
    seg = f", members tagged {plan.segment!r}" if plan.segment else ""
    test = f" (test first to {', '.join(plan.test_to)})" if plan.test_to else ""
    _output.info(f"Campaign {plan.content.subject!r} to audience {audience.name or audience.id} "
                 f"({audience.members} subscribed{seg}), {when}{test}.")  # fmt: skip
    if not _output.confirm("Send it?", assume_yes=yes):
        raise UsageError("Not sent: sending needs a confirmation.",
                         hint="Run it in a terminal, or add --yes")  # fmt: skip


def campaign_dry_run(plan_out: dict[str, Any], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(plan_out)
    _output.requests(plan_out)
    _output.info(f"Then: {', '.join(plan_out['then'])} {plan_out['campaign_id']}.")
    if not plan_out["approved"]:
        _output.warn("The draft is not approved: mktd drafts approve ID")


def campaign_sent(outcome: CampaignOutcome, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(outcome)
    when = f" for {outcome.send_at_utc}" if outcome.status == EmailStatus.SCHEDULED else ""
    seg = f" (tag {outcome.segment})" if outcome.segment else ""
    again = "; an earlier run had started it" if outcome.resumed else ""
    tested = f"; test sent to {', '.join(outcome.tested)}" if outcome.tested else ""
    _output.success(f"{outcome.status.capitalize()} campaign {outcome.campaign_id} to audience "
                    f"{outcome.audience}{seg}{when}: {outcome.recipients} member(s), email "
                    f"{outcome.email_id}{tested}{again}.")  # fmt: skip
    if outcome.status == EmailStatus.SCHEDULED:
        _output.info(f"To stop it: mktd email cancel {outcome.campaign_id} --platform mailchimp")


def audiences(rows: list[dict[str, Any]], label: str, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(rows)
    _output.table(rows, ["id", "name", "members", "from_email"],
                  headers=["id", "name", "subscribed", "from"], title=f"{label} audiences")  # fmt: skip


def imported(summary: Any, label: str, json_out: bool) -> None:
    """Counts, then each refused member and skipped CSV row; exit 1 when some were refused."""
    if json_out:
        _output.emit_json(summary)
    else:
        _output.success(f"{label} audience {summary.audience}: {summary.created} added, "
                        f"{summary.updated} updated, {len(summary.errors)} refused, "
                        f"{len(summary.skipped)} CSV row(s) skipped, {summary.duplicates} repeated "
                        f"address(es) merged ({summary.batches} call(s)).")  # fmt: skip
        for e in summary.errors:
            _output.warn(f"{e.email}: {e.message} ({e.code})")
        for b in summary.skipped:
            _output.warn(f"CSV line {b['line']}: {b['reason']} (skipped)")
    if summary.errors or summary.skipped:
        raise typer.Exit(1)
