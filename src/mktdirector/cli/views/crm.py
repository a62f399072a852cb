"""How `mktd crm` shows its results: imports, a contact, syncs, and contacts by source."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mktdirector.cli import _output
from mktdirector.core.errors import MktdError

if TYPE_CHECKING:
    from mktdirector.agents.crm.workflows import ImportResult, SyncResult

MAX_BAD_SHOWN = 20  # a terminal's worth; --json lists them all
ATTRIBUTION_COLUMNS = ["contacts", "source", "campaign", "draft", "post"]


def imported(result: ImportResult, json_out: bool) -> None:
    """The bad rows by line, a summary, and how to fix or resume."""
    if json_out:
        return _output.emit_json(result)
    bad = sorted(result.bad, key=lambda b: b.line)
    for b in bad[:MAX_BAD_SHOWN]:
        _output.warn(f"line {b.line}: {b.reason}")
    if len(bad) > MAX_BAD_SHOWN:
        _output.warn(f"... and {len(bad) - MAX_BAD_SHOWN} more bad rows (--json lists them all).")
    _duplicates(result)
    skipped = f", {result.skipped:,} skipped with --skip" if result.skipped else ""
    summary = (f"Imported {result.imported:,} contact(s) ({result.created:,} new, "
               f"{result.updated:,} updated) in {result.requests:,} request(s); "
               f"{len(bad):,} bad row(s){skipped}.")  # fmt: skip
    (_output.warn if bad else _output.success)(summary)
    if result.hint:
        _output.info(result.hint)
    if result.stopped:  # printed like an error (message, then hint), but the good rows are in
        _output.error(MktdError(result.stopped.message, hint=result.stopped.hint))


def _duplicates(result: ImportResult) -> None:
    """Rows merged because they repeat an email: how many, which lines, who wins."""
    dups = result.duplicates
    if not dups:
        return
    _output.warn(
        f"{result.merged_rows:,} row(s) repeat an email of an earlier row: {len(dups):,} "
        "contact(s) got the values of several rows (later rows win):"
    )
    for d in dups[:MAX_BAD_SHOWN]:
        _output.warn(f"  {d.email}: lines {', '.join(str(n) for n in d.lines)}")
    if len(dups) > MAX_BAD_SHOWN:
        _output.warn(f"  ... and {len(dups) - MAX_BAD_SHOWN} more (--json lists them all).")


def contact(data: Mapping[str, Any], json_out: bool) -> None:
    """Who the contact is, where they came from, and the mktd draft and post behind them."""
    if json_out:
        return _output.emit_json(data)
    a, p, d = data["attribution"], data["properties"], data["draft"] or {}
    name = " ".join(filter(None, [p.get("firstname"), p.get("lastname")])) or None
    _output.key_values([
        ("id", data["id"]), ("email", p.get("email")), ("name", name), ("company", p.get("company")),
        ("created", p.get("createdate")), ("original source", _source(a)),
        ("latest source", a.get("latest_source")), ("campaign", a.get("campaign")),
        ("utm_content", a.get("draft_id")), ("mktd draft", d.get("id")),
        ("post", ", ".join(d.get("urls") or []) or None),
    ])  # fmt: skip


def synced(result: SyncResult, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result)
    _output.success(
        f"Synced {result.contacts:,} contact(s); {result.linked:,} came from a mktd post."
    )
    if result.note:
        _output.warn(result.note)


def synced_first(result: SyncResult, label: str) -> None:
    """One line before the attribution table, when `--sync` pulled contacts first."""
    _output.info(f"Synced {result.contacts:,} contact(s) from {label}.")


def attribution(rows: list[dict[str, Any]], json_out: bool) -> None:
    """Contacts by source; each draft by the end of its id, each post by its first URL."""
    if json_out:
        return _output.emit_json(rows)
    if not rows:
        return _output.info("No contacts synced yet: mktd crm sync (or add --sync).")
    for r in rows:
        r["post"] = _first_url(r["post_urls"])
        r["draft"] = _short(r["draft_id"]) or r["utm_content"]
    _output.table(rows, ATTRIBUTION_COLUMNS, title="Contacts by source")


def _source(a: Mapping[str, Any]) -> str | None:
    drill = [a.get("original_source_data_1"), a.get("original_source_data_2")]
    extra = " / ".join(filter(None, drill))
    return f"{a.get('original_source')} ({extra})" if extra else a.get("original_source")


def _short(draft_id: str | None) -> str | None:
    # Drafts can be named by the end of their id (like git's short hashes).
    return draft_id[-8:] if draft_id else None


def _first_url(urls: list[str]) -> str | None:
    if not urls:
        return None
    return urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "")
