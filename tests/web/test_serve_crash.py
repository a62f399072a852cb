"""Exactly-once through the new door: `mktd serve` is killed (SIGKILL) while the platform has
created the post but not yet answered; after a restart, publishing the draft again through the
API never posts twice. X is read back and reconciled to the post that exists; LinkedIn member
posts cannot be read back, so the draft becomes needs-check (202) and nothing is resent."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_schemathesis import TOKEN, free_port, start_serve

from mktdirector.sandbox import Sandbox

AUTH = {"Authorization": f"Bearer {TOKEN}"}
pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb:
        old = {k: os.environ.get(k) for k in sb.env()}
        os.environ.update(sb.env())
        try:
            yield sb
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


def approved(base: str, platform: str, text: str) -> str:
    r = httpx.post(f"{base}/social/{platform}/posts", json={"text": text}, headers=AUTH)
    assert r.status_code == 201, r.text
    did = r.json()["draft_id"]
    etag = httpx.get(f"{base}/drafts/{did}", headers=AUTH).headers["etag"]
    assert httpx.post(f"{base}/drafts/{did}/approve", headers={**AUTH, "If-Match": etag}).is_success
    return did


def posts_with(sb: Sandbox, platform: str, text: str) -> list[dict[str, Any]]:
    found = []
    for p in sb.state()["posts"][platform]:
        body = p.get("text") or p.get("commentary") or ""
        if text in body:
            found.append(p)
    return found


def kill_mid_publish(sb: Sandbox, proc: Any, base: str, did: str, platform: str, text: str) -> None:
    """Publish through the API and SIGKILL the server once the post exists on the platform
    but before mktd could record its id (the sandbox holds the answer for 3 s)."""
    sb.set_faults(f"{platform}.create:delay-after=3")
    errors: list[BaseException] = []

    def call() -> None:
        try:
            httpx.post(f"{base}/drafts/{did}/publish", headers=AUTH, timeout=30)
        except httpx.TransportError as e:  # the server died under the request: expected
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    deadline = time.monotonic() + 20
    while not posts_with(sb, platform, text):
        assert time.monotonic() < deadline, "the create never reached the sandbox"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    t.join(timeout=30)
    assert errors, "the publish answered before the kill: nothing was tested"
    sb.set_faults(None)


@pytest.mark.parametrize(
    ("platform", "settled", "status_code"),
    [("x", "published", 200), ("linkedin", "needs-check", 202)],
)
def test_killed_serve_never_publishes_twice(
    sandbox, home, tmp_path, platform, settled, status_code
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    text = f"Exactly once through the web door ({platform}) {time.time_ns()}"
    proc = start_serve(home, port, tmp_path / "serve1.log")
    try:
        did = approved(base, "twitter" if platform == "x" else platform, text)
        kill_mid_publish(sandbox, proc, base, did, platform, text)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert len(posts_with(sandbox, platform, text)) == 1

    proc = start_serve(home, port, tmp_path / "serve2.log")
    try:
        r = httpx.post(f"{base}/drafts/{did}/publish", headers=AUTH, timeout=60)
        if r.status_code == 409:  # the killed server's publishing lease is still held: wait
            time.sleep(1)
            r = httpx.post(f"{base}/drafts/{did}/publish", headers=AUTH, timeout=60)
        assert r.status_code == status_code, r.text
        assert r.json()["status"] == settled
        again = httpx.post(f"{base}/drafts/{did}/publish", headers=AUTH, timeout=60)
        assert again.status_code in (202, 409), again.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert len(posts_with(sandbox, platform, text)) == 1  # never posted twice
    if settled == "published":
        remote = posts_with(sandbox, platform, text)[0]["id"]
        assert r.json()["id"] == remote  # reconciled to the post that exists
