"""Nothing of the MCP server is imported by other commands, nor by `mktd mcp --help`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import contextlib, io, json, sys
import mktdirector.cli as cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        sys.argv = ["mktd", *sys.argv[1:]]
        cli.main()
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""
MCP_MODULES = ("mcp", "mcp_types", "mktdirector.mcp", "uvicorn", "starlette", "sse_starlette")


@pytest.mark.slow  # a fresh interpreter per command
@pytest.mark.parametrize(
    "args", [["--help"], ["mcp", "--help"], ["drafts", "list", "--json"], ["logs", "-s", "mcp"]]
)
def test_other_commands_do_not_import_the_mcp_server(args: list[str], home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60,
        check=True, env={**os.environ, "MKTD_HOME": str(home)},
    )  # fmt: skip
    modules = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "mktdirector.cli" in modules  # the probe really ran the app
    heavy = [m for m in modules if any(m == n or m.startswith(n + ".") for n in MCP_MODULES)]
    assert heavy == [], args
