"""Issue 11 rough edges: a broken `brand edit` keeps the user's edit; no editor on a pipe."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

BROKEN = 'company = "Northwind\ntone = [\n'  # an unterminated string: not TOML
FIXED = 'company = "Northwind Bikes"\ntone = ["plain"]\n'


def editor(tmp_path: Path, name: str, body: str) -> str:
    """A fake $EDITOR: a Python script that records what it was given and writes `body`."""
    script = tmp_path / f"{name}.py"
    seen = tmp_path / f"{name}.seen"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(seen)!r}).write_text(p.read_text())\n"
        f"p.write_text({body!r})\n"
    )
    return f"{sys.executable} {script}"


def test_a_broken_brand_edit_is_kept_aside_and_reopened_next_time(cli, home, tmp_path, monkeypatch):
    assert cli("init").exit_code == 0
    brand = home / "brand.toml"
    before = brand.read_text()
    monkeypatch.setenv("EDITOR", editor(tmp_path, "breaks", BROKEN))
    r = cli("brand", "edit")
    assert r.exit_code == 3 and "Traceback" not in r.stderr
    aside = home / "brand.toml.rejected"
    assert str(aside) in r.stderr.replace("\n", "")
    assert aside.read_text() == BROKEN and brand.read_text() == before  # nothing half-written
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    monkeypatch.setenv("EDITOR", editor(tmp_path, "fixes", FIXED))
    r = cli("brand", "edit")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "fixes.seen").read_text() == BROKEN  # the user's edit came back
    assert brand.read_text() == FIXED and not aside.exists()


def test_drafts_edit_without_editor_or_terminal_refuses_instead_of_starting_vi(cli, monkeypatch):
    r = cli("social", "linkedin", "--text", "Hello", "--json")
    assert r.exit_code == 0, r.stderr
    did = json.loads(r.stdout)["id"]
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    r = cli("drafts", "edit", did)
    assert r.exit_code == 2 and "EDITOR" in r.stderr and "Traceback" not in r.stderr
