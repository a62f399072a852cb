"""The `mktd` command. Group modules import only typer at module level, so `--help` is fast.

`main()` and the root group map every MktdError to one line of message, one line of hint and
the exit codes of DESIGN.md section 2; tracebacks only with MKTD_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mktdirector import __version__
from mktdirector.core.errors import ExitCode, MktdError


def _debug() -> bool:
    return os.environ.get("MKTD_DEBUG", "") not in ("", "0")


# The arguments of the current invocation (`app(args)` and CliRunner do not set sys.argv).
_argv: list[str] | None = None


def _wants_json() -> bool:
    return "--json" in (sys.argv[1:] if _argv is None else _argv)


def handle(exc: BaseException) -> int:
    """Render an expected error and return its exit code; re-raise bugs."""
    from mktdirector.cli import _output

    if isinstance(exc, MktdError):
        from mktdirector.agents.hints import add_hint

        err: MktdError = add_hint(exc)
    elif _is_sqlite_error(exc):
        from mktdirector.core import paths
        from mktdirector.store.sqlite.db import translate_sqlite_error

        err = translate_sqlite_error(exc, paths.db_path())  # type: ignore[arg-type]
    elif _is_postgres_error(exc):
        from mktdirector.store.postgres.store import translate_pg_error

        err = translate_pg_error(exc)  # type: ignore[arg-type]
    else:
        raise exc
    if _debug():
        import traceback

        from mktdirector.core.redact import redact

        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    _output.error_json(err) if _wants_json() else _output.error(err)
    return int(err.exit_code)


def _is_sqlite_error(exc: BaseException) -> bool:
    mod = sys.modules.get("sqlite3")
    return mod is not None and isinstance(exc, mod.DatabaseError)


def check_args(args: list[str]) -> None:
    """Refuse arguments no command can use, before any command sees them (exit 2).

    Bytes that are not UTF-8 reach Python as lone surrogates (PEP 383): stored, sent or even
    printed they fail deep inside a command. A NUL byte is never text. An argument over
    `core.inputs.ARG_MAX` ends up in a URL or a post no platform takes: long text goes in a file.
    """
    from mktdirector.core.errors import UsageError
    from mktdirector.core.inputs import ARG_MAX

    for n, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(
                f"Argument {n} is not valid UTF-8 text.",
                hint="Pass text as UTF-8 (check the terminal's or script's encoding, LANG)",
            ) from None
        if "\x00" in arg:
            raise UsageError(f"Argument {n} contains a NUL byte.", hint="Remove the NUL byte")
        if len(arg) > ARG_MAX:
            raise UsageError(
                f"Argument {n} is {len(arg):,} characters; mktd takes at most {ARG_MAX:,}.",
                hint="Put long text in a file: --text-file FILE (or - for stdin)",
            )


def _is_postgres_error(exc: BaseException) -> bool:
    mod = sys.modules.get("psycopg")
    return mod is not None and isinstance(exc, mod.Error)


# Typer's own --install-completion/--show-completion flags, added to the root group.
_COMPLETION_FLAGS = ("install_completion", "show_completion")


def _completion_flags_default_false(group: Any) -> None:
    """Give Typer's completion flags the default False instead of None (the same to their
    callbacks, which act on a true value only).

    Typer converts a parameter's value through pydantic unless it is a bool flag already
    holding a bool; a None default made every run parse these two through pydantic (~50 ms),
    Tab completion and `auth status` included (issue 17). `Parameter.default` is Click's public
    attribute; nothing of Typer's private API is touched.
    """
    for param in group.params:
        if param.name in _COMPLETION_FLAGS and param.default is None:
            param.default = False


def _help_defaults_false(command: Any, ctx: Any) -> None:
    """Default `command`'s --help (and its subcommands', for a group) to False, not None."""
    option = command.get_help_option(ctx)
    if option is not None and option.default is None:
        option.default = False
    for sub in getattr(command, "commands", {}).values():
        _help_defaults_false(sub, ctx)


class MktdGroup(TyperGroup):
    """Root group: the one place where expected errors become exit codes."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        global _argv
        _argv = list(args)
        try:
            check_args(_argv)
        except MktdError as e:
            _argv = [a for a in _argv if a == "--json"]  # what handle() reads; the rest is bad
            raise typer.Exit(handle(e)) from None
        _completion_flags_default_false(self)
        return super().make_context(info_name, args, parent=parent, **extra)

    def get_help_option(self, ctx: Any) -> Any:
        # The same None default as the completion flags, on the root's --help/-h: parsed (and
        # so converted) on every run that is not a help request, Tab completion included.
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # Every command's --help too: `mktd status`, whose other options are bool flags, then
        # converts nothing through pydantic. Only the command this run resolved is walked.
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _help_defaults_false(command, ctx)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MktdError as e:
            raise typer.Exit(handle(e)) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        except Exception as e:
            if _is_sqlite_error(e) or _is_postgres_error(e):
                raise typer.Exit(handle(e)) from None
            raise
        finally:
            from mktdirector.cli import _deps

            _deps.finish()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mktd {__version__}")
        raise typer.Exit()


def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print redacted HTTP request lines to stderr.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """mktd: plan, draft, approve, publish and measure marketing from the terminal."""
    args = sys.argv[1:] if _argv is None else _argv
    if "--help" in args or "-h" in args:
        return  # help is printed before any command runs: no wiring, logging or notices
    _start(args, verbose=verbose)


def _start(args: list[str], *, verbose: bool) -> None:
    """Once per invocation: the wiring, the log file (when the home exists), the unread notice."""
    from mktdirector.cli import _deps, _logging, _output
    from mktdirector.core.paths import log_path

    _deps.start(verbose=verbose)
    deps = _deps.current()
    log_file = log_path(deps.home) if deps.home.is_dir() else None
    _output.reset()
    _logging.setup_logging(log_file, verbose=deps.verbose)
    if not _wants_json():
        from mktdirector.cli.notifications import unread_notice

        unread_notice(deps.home, args)


# Every group and top-level command, in `mktd --help` order: (module under mktdirector.cli, its
# Typer attribute, the group name or None for commands added at the top level, the names it adds).
_REGISTRY: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("init", "app", None, ("init",)),
    ("auth", "authorize_app", None, ("authorize",)),  # mktd authorize P
    ("auth", "app", "auth", ("auth",)),
    ("social", "app", None, ("social",)),
    ("strategy", "app", None, ("topics", "plan")),
    ("publish", "app", None, ("publish",)),
    ("queue", "app", None, ("schedule",)),  # mktd schedule ID --at WHEN
    ("queue", "queue_app", "queue", ("queue",)),
    ("worker", "app", None, ("worker",)),
    ("drafts", "app", "drafts", ("drafts",)),
    ("posts", "app", "posts", ("posts",)),
    ("analytics", "app", "analytics", ("analytics",)),
    ("brand", "app", "brand", ("brand",)),
    ("checks", "app", None, ("test-integration", "test-integrations")),
    ("status", "app", None, ("status",)),
    ("logs", "app", None, ("logs",)),
    ("config", "app", "config", ("config",)),
    ("db", "app", "db", ("db",)),  # mktd db check|recover|copy
    ("crm", "app", "crm", ("crm",)),
    ("ga", "app", "ga", ("ga",)),
    ("email", "app", "email", ("email",)),
    ("report", "app", None, ("report",)),  # mktd report
    ("alerts", "app", "alerts", ("alerts",)),
    ("notifications", "app", "notifications", ("notifications",)),
    ("sandbox", "app", "sandbox", ("sandbox",)),
    ("mcp", "app", None, ("mcp",)),  # mktd mcp [--http]
    ("serve", "app", None, ("serve",)),  # mktd serve
    ("secrets", "app", "secrets", ("secrets",)),
)

# Root options that come before a command name and take no value (`--help`, `--version` and the
# completion flags are left out on purpose: they need the whole tree).
_ROOT_FLAGS = ("--verbose", "-v")


def _new_root() -> typer.Typer:
    root = typer.Typer(
        name="mktd",
        cls=MktdGroup,
        help="mktd: an AI marketing director in your terminal.",
        no_args_is_help=True,
        rich_markup_mode=None,  # plain help: rich-rendered help costs ~2x startup on every Tab
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root.callback()(_root)
    return root


def _register(
    root: typer.Typer, rows: tuple[tuple[str, str, str | None, tuple[str, ...]], ...]
) -> None:
    for module, attr, name, _names in rows:
        # __import__, not importlib.import_module: the latter bypasses `-X importtime`'s
        # report of the module itself, which the startup tests and benchmarks read.
        sub = getattr(__import__(f"mktdirector.cli.{module}", fromlist=[attr]), attr)
        if name is None:
            root.add_typer(sub)
        else:
            root.add_typer(sub, name=name)


def _full_app() -> typer.Typer:
    root = _new_root()
    _register(root, _REGISTRY)
    return root


def command_named(args: list[str]) -> str | None:
    """The known command `args` run, when the whole tree is not needed to run it.

    None for root help (and no arguments), `--version`, the completion flags, an unknown name
    (its "No such command" error suggests names from the whole tree) and Tab completion.
    """
    if os.environ.get("_MKTD_COMPLETE"):
        return None
    for arg in args:
        if arg in _ROOT_FLAGS:
            continue
        if arg.startswith("-"):
            return None
        return arg if any(arg in names for *_, names in _REGISTRY) else None
    return None


def app_for(args: list[str]) -> typer.Typer:
    """The `mktd` app to run `args` with: only the group their command names, else all.

    Typer builds a Click command from every registered function's signature on each run
    (~10 ms for the whole tree) and the 28 group modules cost their imports: a run that
    names one known command registers only the rows that add that name (issue 17). Help,
    errors and completion print what the whole app prints (tests/cli/test_command_tree.py).
    """
    name = command_named(args)
    if name is None:
        return _whole_app()
    root = _new_root()
    _register(root, tuple(row for row in _REGISTRY if name in row[3]))
    return root


def _whole_app() -> typer.Typer:
    """The whole tree, built once per process and kept as the module's `app`."""
    whole = globals().get("app")
    if whole is None:
        whole = globals()["app"] = _full_app()
    return whole  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    # `from mktdirector.cli import app` builds the whole tree on first use (PEP 562).
    if name == "app":
        return _whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    _skip_final_collection()
    try:
        app_for(sys.argv[1:])(prog_name="mktd")
    except MktdError as e:  # raised outside a command (e.g. while parsing)
        sys.exit(handle(e))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - the last resort: a bug, said in one line
        sys.exit(_internal_error(e))
    sys.exit(ExitCode.OK)


def _skip_final_collection() -> None:
    """At exit, let the OS reclaim the module graph instead of a last full GC over it (~20 ms).

    The command has closed what it opened by then (Deps.close() in the root group's invoke;
    the logging handlers are flushed and closed by logging's own atexit handler, which runs
    after this one); std streams are still flushed by the interpreter. `gc.freeze` only moves
    the live objects out of the collector's view: refcounting still frees what is released.
    """
    import atexit
    import gc

    atexit.register(gc.freeze)


def _internal_error(exc: Exception) -> int:
    """A bug reached the top: one line and a way to report it; the traceback with MKTD_DEBUG=1.

    Every expected failure is an MktdError with its own message; this is what is left, and
    the property test (tests/test_property_cli.py) fails on it, so it is never the fix.
    """
    from mktdirector.core.redact import redact

    if _debug():
        import traceback

        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    what = "out of memory" if isinstance(exc, MemoryError) else type(exc).__name__
    sys.stderr.write(
        redact(f"Error: mktd failed unexpectedly ({what}).\n")
        + "Hint: rerun with MKTD_DEBUG=1 for details, and report it as a bug\n"
    )
    return int(ExitCode.ERROR)


__all__ = ["app", "app_for", "main"]
