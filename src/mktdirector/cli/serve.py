"""`mktd serve`: the dashboard and the HTTP API in one local process (FastAPI on uvicorn).

Everything web is imported inside the command, so no other command pays for it.
"""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import signal
    import threading

    from mktdirector.agents.worker.loop import StopFlag
    from mktdirector.wiring import Deps

app = typer.Typer()
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option("--port", "-p", min=1024, max=65535, help="Default 8484.")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Allow a --host other than this machine's loopback.")
    ] = False,
    no_open: Annotated[bool, typer.Option("--no-open", help="Don't open a browser.")] = False,
    show_token: Annotated[
        bool, typer.Option("--show-token", help="Print the API's bearer token and exit.")
    ] = False,
    worker: Annotated[
        bool, typer.Option("--worker", help="Also run the worker's due-job loop in this process.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, metavar="S", help="With --worker: seconds.")
    ] = 60.0,
) -> None:
    """Serve the dashboard at / and the JSON API (POST /social/linkedin/posts, /drafts, …) with
    its OpenAPI document at /openapi.json. Binds 127.0.0.1; the API needs the bearer token, the
    dashboard a one-time login link (printed here)."""
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    token = _token(deps)
    if show_token:
        return _output.text(token)
    _check_host(host, public)
    port = port or int(deps.config.get("serve.port"))
    run(deps, token, host=host, port=port, open_browser=not no_open, worker=worker,
        interval=interval)  # fmt: skip


def _token(deps: "Deps") -> str:
    from mktdirector.agents.ops.api_token import WeakTokenError, api_token
    from mktdirector.core.errors import ConfigError

    try:
        return api_token(deps.credentials.backend)
    except WeakTokenError as e:
        raise ConfigError(str(e), hint="unset MKTD_API_TOKEN to use the generated one") from None


def _check_host(host: str, public: bool) -> None:
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError

    if host in LOOPBACK:
        return
    if not public:
        raise UsageError(
            f"--host {host} would let other machines reach your social accounts' keys.",
            hint=f"mktd serve --host {host} --public (only behind a firewall or TLS proxy)",
        )
    _output.warn(
        f"Serving on {host}: anyone who can reach it may try the token. Use TLS in front of it."
    )


def run(
    deps: "Deps", token: str, *, host: str, port: int, open_browser: bool, worker: bool,
    interval: float,
) -> None:  # fmt: skip
    import signal
    import threading

    import uvicorn

    from mktdirector.cli import _output
    from mktdirector.core import served
    from mktdirector.web.app import ServeOptions, create_app

    extra = tuple((deps.config.get("serve.allowed_hosts") or "").split(","))
    options = ServeOptions(token=token, host=host, port=port, extra_hosts=extra)
    web = create_app(options, lambda: type(deps)(verbose=deps.verbose))
    link = f"{options.base_url}/login?code={web.state.sessions.new_login_code()}"
    _output.info(f"mktd serve: {options.base_url}  (API: {options.base_url}/docs)")
    _output.info(f"Log in to the dashboard (one-time link): {link}")
    stop, thread = _start_worker(deps, interval) if worker else (None, None)
    if open_browser:
        threading.Timer(0.8, _open, args=(link,)).start()
    # Other doors (the MCP's refusals) link the dashboard through this record.
    served.record(deps.home, options.base_url)
    before = _catch_sigterm()
    terminated = False
    try:
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
    except _Terminated:
        terminated = True
    finally:
        served.forget(deps.home)
        if before is not None:
            signal.signal(signal.SIGTERM, before)
        if stop is not None and thread is not None:
            stop.set()
            thread.join(timeout=interval + 5)
    if terminated:  # end as SIGTERM does, now that the record is gone
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)


class _Terminated(BaseException):
    """SIGTERM, after uvicorn's graceful shutdown re-raised it."""


def _catch_sigterm() -> "signal._HANDLER | None":
    """After a graceful shutdown uvicorn re-raises the SIGTERM it caught with the handler it
    found; the default one would end the process before our `finally` removes serve.json, so
    turn it into an exception first. Returns the handler to restore (None off the main thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def leave(signum: int, frame: object) -> None:
        raise _Terminated

    return signal.signal(signal.SIGTERM, leave)


def _open(url: str) -> None:
    import contextlib
    import webbrowser

    with contextlib.suppress(Exception):
        webbrowser.open(url)


def _start_worker(deps: "Deps", interval: float) -> tuple["StopFlag", "threading.Thread"]:
    """The worker's loop in a thread of this process, with its own wiring (its own connection)."""
    import threading

    from mktdirector.agents.worker.loop import StopFlag
    from mktdirector.cli import worker as worker_cmd

    stop = StopFlag()
    own = type(deps)(verbose=deps.verbose)

    def loop() -> None:
        try:
            worker_cmd._loop(own, stop, once=False, interval=interval, json_out=False)
        finally:
            own.close()

    thread = threading.Thread(target=loop, name="mktd-worker", daemon=True)
    thread.start()
    return stop, thread
