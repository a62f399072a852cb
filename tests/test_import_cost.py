"""`mktd --help` must stay cheap: shell completion runs it on every Tab (DESIGN.md section 10)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Runs `mktd ARGS` the way the console script does (`main`), or through the full Typer `app`.
PROBE = """
import contextlib, io, json, sys
import mktdirector.cli as cli
mode, args = sys.argv[1], sys.argv[2:]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        if mode == "main":
            sys.argv = ["mktd", *args]
            cli.main()
        else:
            cli.app(args, prog_name="mktd", standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps({"help": out.getvalue(), "modules": sorted(sys.modules)}))
"""

# What the issue forbids at --help time ...
FORBIDDEN = ("openai", "httpx2", "sqlite_utils", "rich.table")
FORBIDDEN_PREFIXES = ("mktdirector.integrations", "mktdirector.llm")
# ... and the other heavy imports measured in RECIPES.md (httpx 156 ms, sqlite_utils 107 ms,
# keyring 85 ms, tenacity 38 ms, cryptography 23 ms) or seen in `python -X importtime`
# (pydantic, which Typer uses to convert parameter values): none is needed to print help.
HEAVY = (
    "rich", "httpx", "keyring", "tenacity", "cryptography", "authlib", "dotenv", "sqlite3",
    "pydantic",
)  # fmt: skip
LAZY_LAYERS = ("mktdirector.store", "mktdirector.agents", "mktdirector.api")


def probe(mode: str, *args: str) -> tuple[str, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, mode, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["help"], set(data["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "args", "root"),
    [
        ("main", ["--help"], True),
        ("app", ["--help"], True),
        # a subcommand's help runs the root callback first (click), and Typer 0.29 converts its
        # option values with pydantic: the list still holds, the stricter one cannot
        ("main", ["config", "--help"], False),
        ("main", ["logs", "--help"], False),
    ],
)
def test_help_imports_nothing_heavy(mode: str, args: list[str], root: bool) -> None:
    help_text, modules = probe(mode, *args)
    assert "Usage: mktd" in help_text
    assert "mktdirector.cli" in modules  # the probe really ran the app
    assert loaded(modules, FORBIDDEN) == []
    assert sorted(m for m in modules if m.startswith(FORBIDDEN_PREFIXES)) == []
    assert loaded(modules, LAZY_LAYERS) == []
    if root:
        assert loaded(modules, HEAVY) == []


@pytest.mark.slow
def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mktdirector", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    from mktdirector import __version__

    assert (proc.returncode, proc.stdout) == (0, f"mktd {__version__}\n")
