"""`mktd sandbox serve|env`: a local emulator of every platform, to rehearse without accounts."""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli._options import MAX_PORT, JsonOpt

if TYPE_CHECKING:
    import threading
    from pathlib import Path

    from mktdirector.sandbox import Sandbox

app = typer.Typer(
    help="Run a local sandbox of LinkedIn, X, HubSpot, GA4 and SendGrid (no real accounts).",
    no_args_is_help=True,
)
DEFAULT_PORT = 8790  # not 8765: that is where `mktd authorize` listens for the OAuth callback
StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        envvar="MKTD_SANDBOX_STATE",
        help="Directory for the sandbox's state (default: <mktd home>/sandbox).",
    ),
]


def _state_dir(state: str | None) -> "Path":
    from pathlib import Path

    from mktdirector.core import paths

    path = Path(state).expanduser() if state else paths.home() / "sandbox"
    if path.exists() and not path.is_dir():
        from mktdirector.core.errors import UsageError

        raise UsageError(
            f"--state {path} is a file; the sandbox keeps its state in a directory.",
            hint="Pass a directory (it is created if missing), e.g. --state ./sandbox-state",
        )
    return path


def _say(text: str) -> None:
    # Shell lines must never wrap, whatever the terminal width: print them soft-wrapped.
    from mktdirector.cli import _output

    _output.line(text, soft_wrap=True)


@app.command("serve")
def serve(
    port: Annotated[
        int,
        typer.Option(
            "--port", "-p", min=0, max=MAX_PORT, help="Port on 127.0.0.1 (0: any free one)."
        ),
    ] = DEFAULT_PORT,
    faults: Annotated[
        str | None,
        typer.Option(
            "--faults",
            help="Faults to inject, e.g. 'x.create:timeout-after-create@2' (docs/sandbox.md).",
        ),
    ] = None,
    state: StateOpt = None,
    limit: Annotated[
        list[str] | None,
        typer.Option("--limit", help="Change a rate limit: NAME=CALLS/SECONDS (repeatable)."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=2**32 - 1, help="Seed of the engagement numbers.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not log each request.")] = False,
) -> None:
    """Serve the sandbox on 127.0.0.1 until Ctrl-C; prints the `export` lines to use it."""
    import signal
    import threading

    from mktdirector.cli import _output

    # Installed first, so a SIGTERM that arrives while starting still ends in a clean stop.
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sb = _start(port=port, state=state, faults=faults, seed=seed, limit=limit, quiet=quiet)
    _announce(sb)
    try:
        _wait_for(stop)
    finally:
        sb.stop()
        _output.info("mktd sandbox stopped.")


def _wait_for(stop: "threading.Event") -> None:
    """Until SIGTERM sets `stop` or Ctrl-C; short waits keep Ctrl-C responsive."""
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


def _start(
    *,
    port: int,
    state: str | None,
    faults: str | None,
    seed: int,
    limit: list[str] | None,
    quiet: bool,
) -> "Sandbox":
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError
    from mktdirector.sandbox import Sandbox, SandboxError
    from mktdirector.sandbox.limits import parse_limits

    try:
        return Sandbox(
            port=port,
            state_dir=_state_dir(state),
            faults=faults,
            seed=seed,
            limits=parse_limits(limit),
            log=None if quiet else _output.info,
        ).start()
    except SandboxError as e:
        raise UsageError(str(e), hint="mktd sandbox serve --help") from None


def _announce(sb: "Sandbox") -> None:
    """Where it listens, and the `export` lines that point mktd at it (flushed at once)."""
    import sys

    from mktdirector.cli import _output
    from mktdirector.sandbox.env import shell_lines

    _output.info(f"mktd sandbox listening on {sb.url} (state: {sb.state_dir}); Ctrl-C stops it.")
    _output.info(f"Inspect: {sb.url}/_sandbox/state · point mktd at it with:")
    for text in shell_lines(sb.env()):
        _say(text)
    sys.stdout.flush()  # a parent process reading our stdout gets the lines now


@app.command("env")
def env(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=MAX_PORT, help="The port `serve` listens on.")
    ] = DEFAULT_PORT,
    state: StateOpt = None,
    tokens: Annotated[
        bool,
        typer.Option(
            "--tokens/--no-tokens",
            help="Include ready dev tokens (--no-tokens: rehearse mktd authorize).",
        ),
    ] = True,
    json_out: JsonOpt = False,
) -> None:
    """Print the `export MKTD_*_URL=…` and token lines that point mktd at the sandbox."""
    from mktdirector.cli import _output
    from mktdirector.sandbox import sandbox_env
    from mktdirector.sandbox.env import shell_lines

    state_dir = _state_dir(state)
    try:
        mapping = sandbox_env(f"http://127.0.0.1:{port}", state_dir, tokens=tokens)
    except OSError as e:
        from mktdirector.core.errors import UsageError

        raise UsageError(
            f"Cannot write the sandbox's state in {state_dir}: {e.strerror or e}.",
            hint="Pass a directory you can write to: --state DIR",
        ) from None
    if json_out:
        _output.emit_json(mapping)
        return
    for text in shell_lines(mapping):
        _say(text)
