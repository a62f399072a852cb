""" "Connect X" in the dashboard against the sandbox's authorization server: the same flow as
`mktd authorize twitter`, finished by this server's /oauth/twitter/callback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from mktdirector.sandbox import Sandbox

CALLBACK = "http://127.0.0.1:8484/oauth/twitter/callback"


@pytest.fixture
def sandbox(tmp_path, monkeypatch) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb:
        for k, v in sb.env(tokens=False).items():
            monkeypatch.setenv(k, v)
        yield sb


def authorize_link(html: str) -> str:
    import html as h

    return h.unescape(re.search(r'href="([^"]+)" id="continue-oauth"', html).group(1))


def consent(authorize_url: str) -> str:
    """Click Allow on the sandbox's consent page; the redirect it answers with."""
    with httpx.Client(timeout=10) as c:
        page = c.get(authorize_url)
        assert page.status_code == 200, page.text
        ticket = re.search(r'name="ticket" value="([^"]+)"', page.text).group(1)
        action = urlsplit(authorize_url)._replace(query="").geturl()
        r = c.post(action, data={"ticket": ticket, "decision": "allow"})
    assert r.status_code in (302, 303), r.text
    return r.headers["location"]


@pytest.mark.slow  # runs the sandbox's HTTP server
def test_connect_x_through_the_consent_page_saves_the_token(
    sandbox, browser, csrf_of, monkeypatch, memory_keyring, api
):
    monkeypatch.setenv("TWITTER_REDIRECT_URI", CALLBACK)
    token = csrf_of(browser.get("/ui/connections").text)
    r = browser.post("/ui/connections/twitter/connect", data={"csrf": token})
    assert r.status_code == 200, r.text
    url = authorize_link(r.text)
    assert url.startswith(f"{sandbox.url}/oauth/x/authorize?") and "code_challenge" in url
    back = consent(url)
    assert back.startswith(CALLBACK)
    done = browser.get(urlsplit(back)._replace(scheme="", netloc="").geturl())
    assert done.status_code == 200 and "connected" in done.text, done.text
    assert any("twitter" in user for _, user in memory_keyring.passwords)
    page = browser.get("/ui/connections").text
    assert "mktd_sandbox" in page
    for secret in memory_keyring.passwords.values():
        assert secret not in page and secret not in done.text


@pytest.mark.slow
def test_a_callback_with_another_state_is_ignored_and_the_sign_in_still_finishes(
    sandbox, browser, csrf_of, monkeypatch, anon
):
    monkeypatch.setenv("TWITTER_REDIRECT_URI", CALLBACK)
    token = csrf_of(browser.get("/ui/connections").text)
    url = authorize_link(browser.post("/ui/connections/twitter/connect", data={"csrf": token}).text)
    stray = anon.get("/oauth/twitter/callback?error=access_denied&state=forged")
    assert stray.status_code == 400
    back = consent(url)
    done = browser.get(urlsplit(back)._replace(scheme="", netloc="").geturl())
    assert done.status_code == 200 and "connected" in done.text


def test_connect_without_a_redirect_uri_here_says_how(browser, csrf_of, monkeypatch):
    monkeypatch.setenv("LINKEDIN_REDIRECT_URI", "https://example.com/oauth/callback")
    token = csrf_of(browser.get("/ui/connections").text)
    r = browser.post("/ui/connections/linkedin/connect", data={"csrf": token})
    assert r.status_code == 422 and "LINKEDIN_REDIRECT_URI" in r.text
    assert "/oauth/linkedin/callback" in r.text


def test_a_callback_nobody_waits_for_is_400(anon):
    assert anon.get("/oauth/linkedin/callback?code=x&state=y").status_code == 400


def test_connect_without_a_client_id_is_a_config_refusal(browser, csrf_of, monkeypatch):
    monkeypatch.setenv("TWITTER_REDIRECT_URI", CALLBACK)
    token = csrf_of(browser.get("/ui/connections").text)
    r = browser.post("/ui/connections/twitter/connect", data={"csrf": token})
    assert r.status_code == 409 and "TWITTER_CLIENT_ID" in r.text
