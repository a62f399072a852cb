"""`mktd` registers only the group a run names, and prints exactly what the whole tree prints.

`cli.app_for(args)` is what `main()` runs: for a known command name it builds a root holding only
the registry rows that add that name (issue 17: building every command of the tree costs ~10 ms
on every run). Every argument list here runs through both that app and the whole `cli.app`;
output, errors and exit codes must be the same.
"""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from mktdirector import cli


def _names(app: typer.Typer) -> list[str]:
    return list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


# Runs that name one known command: only its rows are registered.
ONE_GROUP = [
    ["status"],
    ["status", "--json"],
    ["status", "--help"],
    ["status", "-h"],
    ["status", "--bogus"],
    ["status", "extra"],
    ["drafts"],
    ["drafts", "list"],
    ["drafts", "list", "--json"],
    ["drafts", "list", "--limit", "0"],
    ["drafts", "--help"],
    ["drafts", "lsit"],  # misspelt subcommand: the group's own "No such command" + suggestion
    ["drafts", "show", "999"],
    ["queue", "list"],
    ["queue", "--help"],
    ["auth", "status"],
    ["auth", "status", "--json"],
    ["auth", "--help"],
    ["authorize", "--help"],
    ["-v", "status"],
    ["--verbose", "drafts", "list", "--json"],
    ["crm", "contacts", "--help"],
    ["email", "audiences", "--help"],
    ["social", "--help"],
    ["social", "linkedin", "--text", "Hi there", "--dry-run"],
    ["social", "mastodon", "--text", "Hi"],  # an unknown platform: the command's own error
    ["schedule", "--help"],
    ["topics", "--help"],
    ["plan", "--help"],
    ["test-integration", "--help"],
    ["test-integrations", "--help"],
    ["config", "show"],
    ["config", "get", "nope.key"],
    ["logs", "--help"],
    ["report", "--help"],
    ["secrets", "--help"],
    ["init"],
]

# The inner loop (-m "not slow") runs one of each shape: a command and its --json, -h, a bad
# option, an extra argument, a misspelt subcommand, a missing id, -v first, a dry run, an
# unknown platform, a config key, init and a group's help. The other runs are marked slow
# (three CLI runs each: ~0.1 s apiece), and CI runs them.
INNER_LOOP = {
    "status", "status --json", "status -h", "status --bogus", "status extra", "drafts lsit",
    "drafts show 999", "-v status", "social linkedin --text Hi there --dry-run",
    "social mastodon --text Hi", "config get nope.key", "init", "auth --help",
}  # fmt: skip


def _in_inner_loop_or_slow(argv: list[str]) -> Any:
    return argv if " ".join(argv) in INNER_LOOP else pytest.param(argv, marks=pytest.mark.slow)


# Runs that need the whole tree: root help, version, completion flags, unknown names.
WHOLE_TREE = [
    [],
    ["--help"],
    ["-h"],
    ["--version"],
    ["--show-completion", "bash"],
    ["statsu"],  # unknown: "No such command" suggests from every name
    ["draft", "list"],
    ["-v"],
    ["-vh"],
    ["--", "status"],
    ["--help", "status"],
    ["-v", "--help", "drafts"],
    ["--version", "status"],
    ["--bogus", "status"],
]


def _run(app: typer.Typer, argv: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, argv, prog_name="mktd", color=False)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("argv", [_in_inner_loop_or_slow(a) for a in ONE_GROUP], ids=" ".join)
def test_a_named_command_prints_what_the_whole_tree_prints(
    argv: list[str], brand_voice: Any
) -> None:
    partial = cli.app_for(list(argv))
    named = [a for a in argv if not a.startswith("-")][0]
    assert _names(partial) == [n for row in cli._REGISTRY if named in row[3] for n in row[3]]
    _run(cli.app, argv)  # a first run may write (init): both runs compared then see its state
    got = _run(partial, argv)
    assert got == _run(cli.app, argv)


@pytest.mark.parametrize("argv", WHOLE_TREE, ids=lambda a: " ".join(a) or "(none)")
def test_help_version_completion_and_unknown_names_use_the_whole_tree(argv: list[str]) -> None:
    assert cli.app_for(list(argv)) is cli.app


def test_tab_completion_uses_the_whole_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_MKTD_COMPLETE", "complete_bash")
    assert cli.app_for(["drafts", "list"]) is cli.app


def test_only_the_rows_adding_the_name_are_registered() -> None:
    assert _names(cli.app_for(["status"])) == ["status"]
    assert _names(cli.app_for(["queue", "list"])) == ["queue"]
    assert _names(cli.app_for(["schedule", "1"])) == ["schedule"]
    assert _names(cli.app_for(["-v", "plan", "x"])) == ["topics", "plan"]


def test_the_registry_names_exactly_what_each_row_adds() -> None:
    """Each row's declared names are the commands its Typer adds, and together, in order,
    they are the whole tree: a new group must be one row of `cli._REGISTRY`."""
    every: list[str] = []
    for row in cli._REGISTRY:
        root = cli._new_root()
        cli._register(root, (row,))
        assert tuple(_names(root)) == row[3], row
        every.extend(row[3])
    assert _names(cli.app) == every


def test_the_inner_loop_runs_name_runs_of_the_list() -> None:
    assert {" ".join(argv) for argv in ONE_GROUP} >= INNER_LOOP
