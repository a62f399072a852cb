"""What `mktd authorize` and `mktd auth status|logout` show and ask in the terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.auth.authorize import AuthorizeResult, LogoutResult, OAuthFlow


def oauth_flow(no_browser: bool, port: int | None) -> OAuthFlow:
    """The browser round trip as the user sees it: the URL, and the paste prompt if asked for."""
    from mktdirector.agents.auth.authorize import OAuthFlow

    def show_url(url: str, redirect: str | None) -> None:
        _output.info("Open this address in a browser and approve mktd:")
        _output.line(url, err=True)
        if redirect is None:
            _output.info("Then copy the address the browser lands on (even an error page) "
                         "and paste it here.")  # fmt: skip
        else:
            _output.info(f"Waiting for the redirect to {redirect} (Ctrl-C to cancel)...")

    def read_redirect() -> str:
        from mktdirector.core.errors import MktdError

        try:
            return str(typer.prompt("Redirected address", err=True))
        except typer.Abort:  # Ctrl-D (end of input) or Ctrl-C: not "Aborted!"
            raise MktdError(
                "Nothing was pasted: not authorized.",
                hint="Run it again and paste the address the browser lands on",
            ) from None

    return OAuthFlow(show_url, read_redirect, open_browser=not no_browser, paste=no_browser,
                     port=port)  # fmt: skip


def authorized(result: AuthorizeResult, json_out: bool) -> None:
    from mktdirector.core.platforms import PLATFORMS

    if json_out:
        return _output.emit_json(result)
    who = PLATFORMS[result.platform].handle_prefix + (result.username or "")
    _output.success(
        f"Authorized {result.platform} as {who} (account {result.account}); "
        f"token saved in the {result.store} store."
    )


def status(rows: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(rows)
    for row in rows:
        _render(row)


def logged_out(result: LogoutResult, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result)
    did = "revoked and deleted" if result.revoked else "deleted"
    _output.success(f"Logged out of {result.platform} ({result.account}): token {did}.")
    if result.detail:
        _output.warn(result.detail)


def _render(row: Mapping[str, Any]) -> None:
    out = _output
    out.line(row["label"], style="bold")
    if row.get("status") == "not logged in":
        out.line(f"  - Not logged in: {row['hint']}")
        return
    mark = {"ok": "✓", "expiring": "!", "expired": "X"}.get(row["status"], "-")
    who = row["account"] or f"token from ${row.get('env_var')}"
    used = " [used without --account]" if row.get("default") else ""
    where = f" ({row['store']})" if row["account"] else ""
    out.line(f"  {mark} {who}{where}"
             + (f", {row['user_id']}" if row.get("user_id") else "") + used)  # fmt: skip
    if row.get("expires_in"):
        tail = ", refreshed automatically" if row["refreshable"] else ""
        out.line(f"  - Expires: {row['expires_in']} ({row['expires_utc']}){tail}")
    if row.get("scopes"):
        out.line(f"  - Scopes: {' '.join(row['scopes'])}")
    out.line(f"  - Last success: {row.get('last_success') or 'never'}")
    if row.get("last_failure"):
        detail = f" ({row['last_failure_detail']})" if row.get("last_failure_detail") else ""
        out.line(f"  - Last failure: {row['last_failure']}{detail}")
    if row.get("warning"):
        out.warn(f"  ! {row['warning']}")
