"""`mktd status`, `mktd init` and `mktd alerts`: the operator's screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.ops.alerts import AlertRun


def status(data: dict[str, Any], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(data)
    home = data["home"] + ("" if data["initialized"] else "  (not initialized: mktd init)")
    _output.key_values(
        [
            ("home", home),
            ("database", _database(data["database"])),
            ("secret store", data["secret_store"]),
            ("notifications", data.get("notifications_unread", 0)),
        ]
    )
    _output.table(
        data["platforms"],
        ["label", "credentials", "calls_24h", "errors_24h", "last_ok", "last_error"],
        headers=["platform", "credentials", "calls 24h", "errors 24h", "last ok", "last error"],
    )
    if "monitoring" in data:
        _monitoring(data["monitoring"])


def _database(db: dict[str, Any]) -> str:
    error = db.get("error")
    return db["path"] + (f"  (UNREADABLE: {error})" if error else "")


def secret_key(key: str, json_out: bool) -> None:
    if json_out:
        return _output.emit_json({"secret_key": key})
    _output.line(key)
    _output.info("Keep it secret; set it as MKTD_SECRET_KEY where mktd runs.")


def initialized(result: dict[str, Any], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result)
    for item in result["files"]:
        verb = "created" if item["created"] else "exists "
        _output.line(f"{verb}  {item['path']}")
    _output.success(f"mktd home ready: {result['home']}")


def alerts_raised(result: AlertRun, json_out: bool) -> None:
    """New alerts with what fixes them, and where each was delivered."""
    if json_out:
        return _output.emit_json(result.to_dict())
    if not result.raised:
        _output.info("No new alerts.")
    for a in result.raised:
        _output.warn(f"{a['subject']}  → {a['hint']}")
    _output.alert_deliveries(result.delivered)


def alert_test(results: dict[str, dict[str, Any]], json_out: bool) -> None:
    """Per channel: delivered, failed, or how to set it up; exit with the worst failure."""
    if json_out:
        _output.emit_json(results)
    else:
        _output.alert_deliveries(results)
        for name, r in results.items():
            if r["status"] == "not configured":
                _output.line(f"  {name}: {r['hint']}", style="dim")
    codes = [r["exit_code"] for r in results.values() if r.get("exit_code")]
    if codes:
        raise typer.Exit(max(codes))


def _monitoring(data: dict[str, Any]) -> None:
    """`mktd status` monitoring: a row per platform/account, then queue, worker, alerts."""
    from mktdirector.cli.views import status_layout as view

    if data["accounts"]:
        _output.line("API health (24 h / 7 d)", style="bold")
    for text, style in view.account_lines(data["accounts"]):
        _output.line(text, style=style)
    for text, style in view.summary_lines(data):
        _output.line(text, style=style)
