"""`mktd serve` records its URL in the home (serve.json, removed on exit), and the MCP's
refusal links the dashboard's draft page through it when `mcp.dashboard_url` is unset; a stale
record whose process is gone is ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mktdirector.core import served


def test_a_record_of_this_process_is_read_back(home: Path) -> None:
    served.record(home, "http://127.0.0.1:8999")
    assert served.running_url(home) == "http://127.0.0.1:8999"
    assert (home / "serve.json").stat().st_mode & 0o077 == 0
    served.forget(home)
    assert not (home / "serve.json").exists() and served.running_url(home) is None


def test_a_stale_record_whose_process_is_gone_is_ignored(home: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    home.mkdir(parents=True, exist_ok=True)
    (home / "serve.json").write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": gone.pid}))
    assert served.running_url(home) is None


@pytest.mark.parametrize("junk", ["", "{not json", '{"url": 5, "pid": "x"}', "[]"])
def test_a_damaged_record_is_ignored(home: Path, junk: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "serve.json").write_text(junk)
    assert served.running_url(home) is None


def test_forget_leaves_another_servers_record(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    other = {"url": "http://127.0.0.1:8485", "pid": os.getppid()}
    (home / "serve.json").write_text(json.dumps(other))
    served.forget(home)  # not ours: a second `mktd serve` exiting must not remove it
    assert json.loads((home / "serve.json").read_text()) == other


def test_the_mcp_refusal_links_the_running_dashboards_draft_page(home: Path) -> None:
    from mktdirector.agents.social.assistant import ApprovalRequired, dashboard_url

    served.record(home, "http://127.0.0.1:8999")

    class Cfg:
        def get(self, key: str) -> Any:
            return None

    url = dashboard_url(Cfg().get, home)
    err = ApprovalRequired({"id": "D1"}, "is draft", url)  # type: ignore[arg-type]
    assert err.dashboard_url == "http://127.0.0.1:8999/ui/drafts/D1"
    assert "http://127.0.0.1:8999/ui/drafts/D1" in (err.hint or "")
    served.forget(home)
    assert dashboard_url(Cfg().get, home) is None


def test_a_configured_dashboard_url_wins_over_the_record(home: Path) -> None:
    from mktdirector.agents.social.assistant import dashboard_url

    served.record(home, "http://127.0.0.1:8999")
    assert dashboard_url({"mcp.dashboard_url": "https://mktd.example/"}.get, home) == (
        "https://mktd.example"
    )


def test_serve_records_its_url_while_it_runs_and_removes_it_on_exit(
    cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.append(served.running_url(home)))
    r = cli("serve", "--no-open", "--port", "9193")
    assert r.exit_code == 0, r.stderr
    assert seen == ["http://127.0.0.1:9193"]
    assert not (home / "serve.json").exists()


def test_serve_removes_its_record_when_the_server_fails(
    cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(app: Any, **kw: Any) -> None:
        raise OSError("address already in use")

    monkeypatch.setattr("uvicorn.run", boom)
    with pytest.raises(OSError):
        cli("serve", "--no-open", "--port", "9194")
    assert not (home / "serve.json").exists()


@pytest.mark.slow
def test_a_real_serve_process_records_and_forgets_its_url(home: Path, tmp_path: Path) -> None:
    import signal
    import time

    from tests.web.test_schemathesis import free_port, start_serve

    port = free_port()
    proc = start_serve(home, port, tmp_path / "serve.log")
    try:
        assert served.running_url(home) == f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    deadline = time.monotonic() + 5
    while (home / "serve.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (home / "serve.json").exists()
    assert served.running_url(home) is None
