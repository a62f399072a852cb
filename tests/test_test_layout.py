"""Any combination of test folders collects in one pytest run.

Folders without an __init__.py are put on sys.path and their modules imported by bare name, so
`pytest tests/web tests/mcp` failed: tests/web/test_security.py imported `conftest`, and got
tests/mcp's (the one pytest had imported last). A test module never imports a conftest, and
the helper modules it may import have names no other folder uses.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

TESTS = Path(__file__).parent


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


# An import statement naming the module `conftest` (a regex: parsing every test module's AST
# cost ~1 s of the inner loop).
IMPORTS_CONFTEST = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", re.MULTILINE)


def test_no_test_module_imports_a_conftest() -> None:
    importing = [
        str(p.relative_to(TESTS)) for p in _modules() if IMPORTS_CONFTEST.search(p.read_text())
    ]
    assert importing == []


def test_modules_imported_by_bare_name_are_named_once() -> None:
    """Outside packages (folders with an __init__.py), a module's file name is its import name."""
    where: defaultdict[str, list[str]] = defaultdict(list)
    for path in _modules():
        if path.name != "conftest.py" and not (path.parent / "__init__.py").exists():
            where[path.stem].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in where.items() if len(paths) > 1} == {}


@pytest.mark.slow
def test_web_and_mcp_collect_together() -> None:
    """The combination that failed, collected in a pytest of its own (~5 s)."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         str(TESTS / "web"), str(TESTS / "mcp")],
        capture_output=True, text=True, timeout=300, cwd=TESTS.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
