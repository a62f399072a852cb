"""`mktd authorize P` (top level) and `mktd auth status|logout`."""

from typing import Annotated

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
    from mktdirector.core.platforms import PLATFORMS, ready_platforms, resolve_platform

    usable = [p for p in ready_platforms() if PLATFORMS[p].oauth or p in API_KEY_PLATFORMS]
    if resolve_platform(platform, among=usable) in API_KEY_PLATFORMS:
        return authorize_key_command(platform, from_stdin, credentials_file, property_id,
                                     json_out, account=account)  # fmt: skip
    from mktdirector.agents.auth.authorize import authorize as run
    from mktdirector.cli import _deps
    from mktdirector.cli.views import auth as view

    deps = _deps.current()
    result = run(
        platform, credentials=deps.credentials, config=deps.config.get, http_factory=deps.http,
        flow=view.oauth_flow(no_browser, port), events=deps.store.record_auth_event,
        account=account,
    )  # fmt: skip
    view.authorized(result, json_out)


@app.command("status")
def status(json_out: JsonOpt = False) -> None:
    """Token health per platform and account: store, expiry, scopes, last success and failure."""
    from mktdirector.agents.auth.status import auth_status
    from mktdirector.cli import _deps
    from mktdirector.cli.views import auth as view

    deps = _deps.current()
    view.status(auth_status(store=deps.store, credentials=deps.credentials), json_out)


@app.command("logout")
def logout(
    platform: Annotated[str, typer.Argument(help="linkedin or twitter (x).")],
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke the stored token where the platform allows it, then delete it from this machine."""
    from mktdirector.agents.auth.authorize import logout as run
    from mktdirector.cli import _deps
    from mktdirector.cli.views import auth as view

    deps = _deps.current()
    result = run(platform, credentials=deps.credentials, config=deps.config.get,
                 events=deps.store.record_auth_event, account=account,
                 http_factory=deps.http)  # fmt: skip
    view.logged_out(result, json_out)
