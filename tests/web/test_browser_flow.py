"""The whole dashboard flow in a real browser: Playwright driving Debian's chromium (no browser
download) against a real `mktd serve` process, the sandbox's platforms and a local
OpenAI-compatible endpoint. Log in with the one-time link, generate a LinkedIn post, edit it,
approve, publish, find it on the calendar and its numbers on the posts page, connect X through
the sandbox's consent page. Screenshots of each page go to tests/web/artifacts/.

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing (`.ci/run`
installs both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fake_llm_server import FakeLLMServer
from test_schemathesis import free_port, start_serve

from mktdirector.sandbox import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
TOKEN = "schemathesis-token-0123456789abcdef"  # start_serve's MKTD_API_TOKEN
REPLY = (
    "Most AI projects stall after the pilot. The fix is boring: pick one workflow, measure it "
    "weekly, and stop what does not move the number. Which workflow would you pick first?"
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture
def stack(tmp_path: Path, home: Path) -> Iterator[dict[str, Any]]:
    """The sandbox, the fake LLM and `mktd serve` (a real process) wired together."""
    port = free_port()
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb, FakeLLMServer(REPLY) as llm:
        env = {
            **sb.env(tokens=True),
            "OPENAI_BASE_URL": llm.url, "OPENAI_API_KEY": "sk-fake-0123456789",
            "MKTD_SECRET_KEY": Fernet.generate_key().decode(), "MKTD_SECRET_STORE": "encrypted",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "TWITTER_REDIRECT_URI": f"http://127.0.0.1:{port}/oauth/twitter/callback",
        }  # fmt: skip
        for name in ("TWITTER_ACCESS_TOKEN",):  # X must be connected through its consent page
            env.pop(name, None)
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            proc = start_serve(home, port, tmp_path / "serve.log")
            try:
                yield {"port": port, "sandbox": sb, "llm": llm, "env": {**os.environ}, "proc": proc}
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@pytest.fixture
def page() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            pg = browser.new_page(viewport={"width": 1200, "height": 900})
            pg.set_default_timeout(20_000)
            yield pg
        finally:
            browser.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_whole_flow_in_chromium(stack, page):
    base = f"http://127.0.0.1:{stack['port']}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    link = httpx.post(f"{base}/login-links", headers=auth).json()["url"]

    page.goto(link)  # log in with the one-time link
    assert page.url == f"{base}/"
    page.goto(f"{base}/ui/generate")
    page.fill("#topic", "AI ROI for small teams")
    page.select_option("#platform", "linkedin")
    shot(page, "01-generate")
    page.click("#generate")
    page.wait_for_url(f"{base}/ui/drafts/*")  # htmx polled the task, then opened the draft
    assert "Most AI projects stall after the pilot." in page.inner_text("main")
    shot(page, "02-draft")

    page.fill("#text", REPLY + " #AI")  # edit: live length and lint while typing
    page.wait_for_function("document.querySelector('#check').innerText.includes('/3000')")
    page.click("form[action$='/edit'] button[type=submit]")
    page.wait_for_url("**done=saved")
    page.click("#approve")
    page.wait_for_url("**done=approved")
    assert page.inner_text("#status") == "approved"
    assert "What publishing sends" in page.inner_text("main")
    shot(page, "03-approved")
    page.click("#publish")
    page.wait_for_url("**done=published")
    assert page.inner_text("#status") == "published"
    draft_id = page.url.split("/ui/drafts/")[1].split("?")[0]
    shot(page, "04-published")

    page.goto(f"{base}/ui/calendar")
    assert "published" in page.inner_text("table.calendar")
    shot(page, "05-calendar")

    for hours in (6, 18):  # two fetches, hours apart: the numbers grow, the sparklines draw
        stack["sandbox"].advance(hours * 3600)
        fetch = subprocess.run(
            [sys.executable, "-m", "mktdirector", "analytics", "fetch"], env=stack["env"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert fetch.returncode == 0, fetch.stderr
    page.goto(f"{base}/ui/posts")
    cells = page.locator(f"#posts tr:has(a[href='/ui/drafts/{draft_id}']) td").all_inner_texts()
    headers = page.locator("#posts tr th").all_inner_texts()  # find the column by its name
    impressions = cells[headers.index("impressions")]
    assert impressions.isdigit() and int(impressions) > 0, cells  # its numbers are there
    row = f"#posts tr:has(a[href='/ui/drafts/{draft_id}'])"
    assert page.locator(f"{row} td.spark svg polyline").count() == 2
    shot(page, "06-posts")

    page.goto(f"{base}/ui/connections")
    page.click("#connect-twitter")
    page.click("#continue-oauth")  # the sandbox's consent page
    page.wait_for_selector("#allow")
    shot(page, "07-consent")
    page.click("#allow")
    page.wait_for_selector("#connected")
    page.click("#continue")
    assert "mktd_sandbox" in page.inner_text("#connections")
    shot(page, "08-connections")

    page.goto(f"{base}/ui/status")
    assert "POST" in page.inner_text("#calls")
    shot(page, "09-status")
    page.goto(f"{base}/docs")  # the API's own docs page: try GET /drafts with the token
    page.fill("#token", TOKEN)
    page.click("#list_drafts_drafts_get button[type=submit]")
    page.wait_for_selector("#list_drafts_drafts_get pre.answer:not([hidden])")
    assert page.inner_text("#list_drafts_drafts_get pre.answer").startswith("200")
    shot(page, "11-api-docs")
    page.goto(f"{base}/")
    shot(page, "10-inbox")
    html = page.content()
    for secret in ("sbx-linkedin-token-0000000000000001", TOKEN, "sk-fake-0123456789"):
        assert secret not in html
