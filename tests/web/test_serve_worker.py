"""`mktd serve --worker`: one process runs the dashboard, the API and the due-job loop, so a
post scheduled through the API goes out without a separate `mktd worker`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from test_schemathesis import TOKEN, free_port

from mktdirector.sandbox import Sandbox

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.slow
def test_a_scheduled_post_is_published_by_the_worker_inside_serve(home: Path, tmp_path: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb:
        env = {**os.environ, **sb.env(), "MKTD_HOME": str(home), "MKTD_API_TOKEN": TOKEN}
        with (tmp_path / "serve.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mktdirector", "serve", "--no-open", "--port", str(port),
                 "--worker", "--interval", "1"],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(f"{base}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                    time.sleep(0.1)
            r = httpx.post(f"{base}/social/x/posts", headers=AUTH,
                           json={"text": "Out by the in-process worker", "schedule_at": "now"})  # fmt: skip
            assert r.status_code == 201 and r.json()["status"] == "scheduled", r.text
            did = r.json()["draft_id"]
            deadline = time.monotonic() + 30
            while httpx.get(f"{base}/drafts/{did}", headers=AUTH).json()["status"] != "published":
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        assert proc.returncode in (0, -15), (tmp_path / "serve.log").read_text()
        texts = [p.get("text", "") for p in sb.state()["posts"]["x"]]
        assert texts.count("Out by the in-process worker") == 1
