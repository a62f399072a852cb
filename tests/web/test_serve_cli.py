"""`mktd serve` as a command: the token it shows, the addresses it refuses, what it imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def test_show_token_prints_one_stable_token_and_serves_nothing(cli, memory_keyring):
    first = cli("serve", "--show-token")
    assert first.exit_code == 0, first.stderr
    token = first.stdout.strip()
    assert len(token) >= 32
    assert cli("serve", "--show-token").stdout.strip() == token  # kept in the secret store
    assert memory_keyring.passwords  # stored there, not printed from nowhere


def test_show_token_prefers_mktd_api_token(cli, monkeypatch):
    monkeypatch.setenv("MKTD_API_TOKEN", "an-explicit-token-0123456789")
    assert cli("serve", "--show-token").stdout.strip() == "an-explicit-token-0123456789"


def test_a_short_mktd_api_token_is_a_config_error(cli, monkeypatch):
    monkeypatch.setenv("MKTD_API_TOKEN", "short")
    r = cli("serve", "--show-token")
    assert r.exit_code == 3 and "MKTD_API_TOKEN" in r.stderr and "short" not in r.stdout


def test_a_non_loopback_host_needs_public_and_starts_nothing(cli, monkeypatch):
    started = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: started.append(a))
    r = cli("serve", "--host", "0.0.0.0", "--no-open")
    assert r.exit_code == 2 and "--public" in r.stderr
    assert started == []


def test_public_host_warns_and_serves(cli, monkeypatch):
    started = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: started.append(kw))
    r = cli("serve", "--host", "0.0.0.0", "--public", "--no-open", "--port", "9191")
    assert r.exit_code == 0, r.stderr
    assert started == [
        {"host": "0.0.0.0", "port": 9191, "log_level": "warning", "access_log": False}
    ]
    assert "anyone who can reach it" in r.stderr
    assert "/login?code=" in r.stderr  # the one-time link


@pytest.mark.slow
def test_help_and_other_commands_do_not_import_the_web_stack():
    probe = (
        "import sys, contextlib, io\n"
        "import mktdirector.cli as cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: cli.app(['--help'], prog_name='mktd', standalone_mode=False)\n"
        "    except SystemExit: pass\n"
        "import json; print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    heavy = {"fastapi", "uvicorn", "jinja2", "starlette", "mktdirector.web"}
    assert not {m.split(".")[0] for m in mods} & heavy - {"mktdirector"}
    assert not any(m.startswith("mktdirector.web") for m in mods)
