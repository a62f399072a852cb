"""`mktd authorize P` (top level) and `mktd auth status|logout`."""

from typing import Annotated, Any

import typer

from mktdirector.cli._options import JsonOpt

authorize_app = typer.Typer()
app = typer.Typer(help="Token health and sign-out per platform and account.", no_args_is_help=True)

AccountOpt = Annotated[
    str | None,
    typer.Option("--account", help="Account name to store or use (default: the username)."),
]


@authorize_app.command("authorize")
def authorize(
    platform: Annotated[
        str, typer.Argument(help="linkedin, twitter (x), hubspot, sendgrid, google-analytics.")
    ],
    account: AccountOpt = None,
    no_browser: Annotated[
        bool,
        typer.Option(
            "--no-browser",
            help="Do not open a browser: print the URL, then paste the address you land on.",
        ),
    ] = False,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Loopback port for the redirect; register http://127.0.0.1:PORT/callback.",
        ),
    ] = None,
    from_stdin: Annotated[
        bool, typer.Option("--from-stdin", help="API-key platforms: read the key from stdin.")
    ] = False,
    credentials_file: Annotated[
        str | None,
        typer.Option("--credentials", help="google-analytics: the service-account JSON file."),
    ] = None,
    property_id: Annotated[
        str | None, typer.Option("--property-id", help="google-analytics: the GA4 property.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Connect an account (OAuth 2.0 in the browser, or a validated API key); saved securely."""
    from mktdirector.cli.auth_keys import API_KEY_PLATFORMS, authorize_key_command
    from mktdirector.core.platforms import resolve_platform

    if resolve_platform(platform) in API_KEY_PLATFORMS:
        return authorize_key_command(platform, from_stdin, credentials_file, property_id,
                                     json_out, account=account)  # fmt: skip
    from mktdirector.agents.auth.authorize import OAuthFlow
    from mktdirector.agents.auth.authorize import authorize as run
    from mktdirector.cli import _deps, _output

    def show_url(url: str, redirect: str | None) -> None:
        _output.info("Open this address in a browser and approve mktd:")
        _output.line(url, err=True)
        if redirect is None:
            _output.info("Then copy the address the browser lands on (even an error page) "
                         "and paste it here.")  # fmt: skip
        else:
            _output.info(f"Waiting for the redirect to {redirect} (Ctrl-C to cancel)...")

    def read_redirect() -> str:
        return str(typer.prompt("Redirected address", err=True))

    deps = _deps.current()
    flow = OAuthFlow(show_url, read_redirect, open_browser=not no_browser, paste=no_browser,
                     port=port)  # fmt: skip
    result = run(
        platform, credentials=deps.credentials, config=deps.config.get, http_factory=deps.http,
        flow=flow, events=deps.store.record_auth_event, account=account,
    )  # fmt: skip
    if json_out:
        _output.emit_json(result)
        return
    from mktdirector.core.platforms import PLATFORMS

    who = PLATFORMS[result.platform].handle_prefix + (result.username or "")
    _output.success(
        f"Authorized {result.platform} as {who} (account {result.account}); "
        f"token saved in the {result.store} store."
    )


@app.command("status")
def status(json_out: JsonOpt = False) -> None:
    """Token health per platform and account: store, expiry, scopes, last success and failure."""
    from mktdirector.agents.auth.authorize import auth_status
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    rows = auth_status(store=deps.store, credentials=deps.credentials)
    if json_out:
        _output.emit_json(rows)
        return
    for row in rows:
        _render(row, _output)


def _render(row: dict[str, Any], out: Any) -> None:
    out.line(row["label"], style="bold")
    if row.get("status") == "not logged in":
        out.line(f"  - Not logged in: {row['hint']}")
        return
    mark = {"ok": "✓", "expiring": "!", "expired": "X"}.get(row["status"], "-")
    out.line(f"  {mark} {row['account']} ({row['store']})"
             + (f", {row['user_id']}" if row.get("user_id") else ""))  # fmt: skip
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


@app.command("logout")
def logout(
    platform: Annotated[str, typer.Argument(help="linkedin or twitter (x).")],
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke the stored token where the platform allows it, then delete it from this machine."""
    from mktdirector.agents.auth.authorize import logout as run
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    result = run(platform, credentials=deps.credentials, config=deps.config.get,
                 events=deps.store.record_auth_event, account=account,
                 http_factory=deps.http)  # fmt: skip
    if json_out:
        _output.emit_json(result)
        return
    did = "revoked and deleted" if result.revoked else "deleted"
    _output.success(f"Logged out of {result.platform} ({result.account}): token {did}.")
    if result.detail:
        _output.warn(result.detail)
