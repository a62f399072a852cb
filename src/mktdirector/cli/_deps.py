"""Per-invocation dependencies for the CLI (the wiring itself lives in mktdirector.wiring)."""

from __future__ import annotations

from mktdirector.wiring import Deps, debug_http, load_dotenv_once

__all__ = ["Deps", "current", "debug_http", "finish", "load_dotenv_once", "start"]

_current: Deps | None = None


def start(*, verbose: bool = False) -> None:
    """Called by the root callback once per invocation."""
    global _current
    if _current is not None:
        _current.close()
    _current = Deps(verbose=verbose)


def current() -> Deps:
    global _current
    if _current is None:
        _current = Deps()
    return _current


def finish() -> None:
    global _current
    if _current is not None:
        _current.close()
        _current = None
