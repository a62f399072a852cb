"""The guards of `mktd serve`: bearer token, Host allow-list, one-time login, CSRF, CSP, and no
secret in any page or answer."""

from __future__ import annotations

import pytest

from web_token import TOKEN


def test_the_api_without_a_token_is_401_as_a_problem_document(anon):
    r = anon.get("/drafts")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    body = r.json()
    assert (
        body["status"] == 401 and body["kind"] == "unauthorized" and "--show-token" in body["hint"]
    )


@pytest.mark.parametrize(
    "header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer", TOKEN]
)
def test_a_wrong_or_malformed_token_is_401(anon, header):
    assert anon.get("/drafts", headers={"Authorization": header}).status_code == 401


def test_the_right_token_is_let_in(api):
    assert api.get("/drafts").status_code == 200


def test_a_post_without_token_writes_nothing(anon, api):
    r = anon.post("/social/linkedin/posts", json={"text": "Should not be saved"})
    assert r.status_code == 401
    assert api.get("/drafts").json()["items"] == []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8484", "127.0.0.1.evil.example"])
def test_a_foreign_host_header_is_refused_before_anything_runs(api, wiring, host):
    r = api.get("/drafts", headers={"Host": host})
    assert r.status_code == 421
    assert r.json()["kind"] == "host"
    assert wiring.made == 0  # no Deps was built: nothing was read or written
    assert api.get("/login", headers={"Host": host}).status_code == 421


def test_localhost_names_are_allowed(api):
    for host in ("127.0.0.1:8484", "localhost:8484", "localhost"):
        assert api.get("/drafts", headers={"Host": host}).status_code == 200


def test_every_answer_carries_a_strict_csp_without_inline_script(anon, browser):
    for r in (anon.get("/login"), anon.get("/drafts"), browser.get("/")):
        csp = r.headers["content-security-policy"]
        script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
        assert script.strip() == "script-src 'self'"
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_use_no_inline_script_and_no_third_party_origin(browser):
    html = browser.get("/").text
    assert "<script>" not in html and '<script src="http' not in html
    assert 'src="/static/htmx.min.js"' in html
    assert browser.get("/static/htmx.min.js").status_code == 200


def test_the_login_link_works_once_and_sets_a_strict_httponly_cookie(app, anon):
    code = app.state.sessions.new_login_code()
    r = anon.get(f"/login?code={code}")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "mktd_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert anon.get("/").status_code == 200  # the cookie jar now carries the session
    anon.cookies.clear()
    again = anon.get(f"/login?code={code}")
    assert again.status_code == 303 and "expired" in again.headers["location"]
    assert "set-cookie" not in again.headers


def test_a_page_without_a_session_sends_the_browser_to_login(anon):
    r = anon.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_api_token_does_not_open_the_dashboard(api):
    assert api.get("/").status_code == 303  # pages need the session, not the bearer token


def test_a_cross_site_form_post_without_the_csrf_token_is_403_and_keeps_the_session(browser):
    r = browser.post("/logout", data={})
    assert r.status_code == 403
    assert browser.get("/").status_code == 200  # still logged in: the post did nothing
    wrong = browser.post("/logout", data={"csrf": "guessed"})
    assert wrong.status_code == 403


def test_logout_with_the_csrf_token_ends_the_session(browser, csrf_of):
    token = csrf_of(browser.get("/").text)
    r = browser.post("/logout", data={"csrf": token})
    assert r.status_code == 303
    assert browser.get("/").status_code == 303


def test_no_secret_reaches_a_page_or_an_answer(api, browser, monkeypatch):
    secret = "li-secret-token-5566778899"
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", secret)
    api.post("/social/linkedin/posts", json={"text": "Hello world"})
    answers = [
        api.get("/drafts").text, api.get("/status").text, api.get("/notifications").text,
        api.get("/openapi.json").text, browser.get("/").text, browser.get("/login").text,
    ]  # fmt: skip
    for text in answers:
        assert TOKEN not in text and secret not in text


def test_openapi_declares_the_bearer_scheme(anon):
    doc = anon.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert (
        "/social/linkedin/posts" in str(doc["paths"]) or "/social/{platform}/posts" in doc["paths"]
    )


def test_the_api_docs_page_is_local_and_lists_every_operation(anon):
    r = anon.get("/docs")
    assert r.status_code == 200
    assert "POST /social/{platform}/posts" in r.text and "GET /drafts" in r.text
    assert 'src="/static/docs.js"' in r.text and "cdn" not in r.text.lower()
    assert TOKEN not in r.text


def test_a_bug_is_a_500_problem_without_traceback_or_secret(app, api, capsys, monkeypatch):
    monkeypatch.delenv("MKTD_DEBUG", raising=False)

    def boom() -> None:
        raise RuntimeError(f"exploded holding {TOKEN}")

    app.add_api_route("/boom", boom)
    r = api.get("/boom")
    assert r.status_code == 500 and r.json()["kind"] == "bug"
    assert r.headers["content-security-policy"]
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out and TOKEN not in out.err + out.out + r.text
