"""The secrets audit: a whole flow against the sandbox, then a search for every secret it used.

tests/test_secrets_scan.py pushes one made-up platform through the choke point with respx; this
test runs the real platforms end to end on 127.0.0.1: X authorized through the sandbox's OAuth
server (the loopback callback receives the code), HubSpot and SendGrid keys and the GA4
service-account key saved with `mktd authorize`, an OpenAI key for a fake local LLM, a
publish, a forced refresh (the X refresh token rotates), failures, `--json`, `--verbose`,
`MKTD_DEBUG=1` tracebacks and a report. Then the database, its WAL and shared-memory files, the
logs, every other file in MKTD_HOME, all captured output and the notifications are searched for
each secret: zero hits. It also checks the permissions of MKTD_HOME and its files, and that the
OAuth loopback server refuses a wrong `state` and requests that are not from this computer.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import sqlite3
import stat
import threading
import webbrowser
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from mktdirector.core import redact
from mktdirector.integrations.oauth.flow import OAuthError
from mktdirector.integrations.oauth.loopback import LoopbackServer, host_allowed, is_loopback
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox import env as sbenv
from mktdirector.sandbox.mailchimp import api as mailchimp_room

# Distinctive values: a hit on any of them (or on a long piece of one) is a leak.
HUBSPOT_KEY = "pat-na1-" + secrets.token_hex(16)
SENDGRID_KEY = "SG." + secrets.token_urlsafe(16) + "." + secrets.token_urlsafe(32)
MAILCHIMP_KEY = secrets.token_hex(16) + "-us1"
OPENAI_KEY = "sk-audit-" + secrets.token_urlsafe(32)
SECRET_KEY = Fernet.generate_key().decode()


class FakeLLM(ThreadingHTTPServer):
    """An OpenAI-compatible chat endpoint on 127.0.0.1 that records the keys it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        self.keys: list[str] = []
        super().__init__(("127.0.0.1", 0), _LLMHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _LLMHandler(BaseHTTPRequestHandler):
    server: FakeLLM

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        # test-integration(s) checks the LLM too: GET /models with the key.
        self.server.keys.append(self.headers.get("Authorization", ""))
        reply = json.dumps({"object": "list", "data": [
            {"id": "audit-model", "object": "model", "created": 1_800_000_000, "owned_by": "audit"},
        ]}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.server.keys.append(self.headers.get("Authorization", ""))
        schema = json.dumps(body.get("messages", [{}])[0].get("content", ""))
        if '\\"posts\\"' in schema:  # an X thread: a JSON object with the posts
            content = json.dumps({"posts": ["Secrets stay secret, part one.",
                                            "Secrets stay secret, part two."]})  # fmt: skip
        else:  # a written summary or a LinkedIn post: plain text
            content = "Keep posting: the audit found nothing to report."
        if body.get("stream"):  # the CLI streams what the model writes as it comes
            return self._stream(body.get("model", "audit-model"), content)
        reply = json.dumps({
            "id": "chatcmpl-audit", "object": "chat.completion", "created": 1_800_000_000,
            "model": body.get("model", "audit-model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _stream(self, model: str, content: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        base = {"id": "chatcmpl-audit", "object": "chat.completion.chunk",
                "created": 1_800_000_000, "model": model}  # fmt: skip
        usage = {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70}
        for event in (
            {
                **base,
                "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
            },
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {**base, "choices": [], "usage": usage},
        ):
            self.wfile.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    """The person at the browser: consent on the sandbox's page; remembers what it saw."""

    def __init__(self, sandbox_url: str) -> None:
        self.sandbox_url = sandbox_url
        self.seen: dict[str, str] = {}

    def open(self, url: str) -> bool:
        with httpx.Client(timeout=10) as h:
            page = h.get(url)
            ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
            action = re.search(r'action="([^"]+)"', page.text)
            assert ticket and action, page.text[:300]
            form = {"ticket": ticket.group(1), "decision": "allow"}
            allowed = h.post(self.sandbox_url + action.group(1), data=form)
            location = allowed.headers["location"]
            query = parse_qs(urlsplit(location).query)
            # The authorization code is a secret of the flow as well (the state is not: it is
            # in the URL mktd prints).
            self.seen[f"OAuth code {len(self.seen) + 1}"] = query["code"][0]
            assert h.get(location).status_code == 200  # mktd's loopback page
        return True


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.slow  # every secret-bearing command end to end, ~2.5 s
def test_no_secret_leaves_a_trace(cli, home, tmp_path, fail_keyring, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    outputs: list[str] = []

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            ok: tuple[int, ...] = (0,)) -> Any:  # fmt: skip
        with redact._lock:  # each `mktd` is a new process: nothing registered for redaction yet
            redact._secrets.clear()
        result = cli(*args, env=env, input=input)
        outputs.extend([result.stdout, result.stderr])
        assert result.exit_code in ok, (
            args,
            result.exit_code,
            result.stdout[-800:],
            result.stderr[-800:],
        )
        return result

    debug = {"MKTD_DEBUG": "1", "MKTD_DEBUG_HTTP": "1"}
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb:
        # Accept two distinctive keys as the sandbox's HubSpot and SendGrid keys (its own static
        # ones are printed by `mktd sandbox env`, so a leak of them would prove nothing).
        monkeypatch.setitem(sbenv.STATIC_TOKENS, HUBSPOT_KEY,
                            sbenv.STATIC_TOKENS[sbenv.TOKEN_ENV["HUBSPOT_API_KEY"]])  # fmt: skip
        monkeypatch.setitem(sbenv.STATIC_TOKENS, SENDGRID_KEY,
                            sbenv.STATIC_TOKENS[sbenv.TOKEN_ENV["SENDGRID_API_KEY"]])  # fmt: skip
        monkeypatch.setitem(mailchimp_room.KEYS, MAILCHIMP_KEY, "audit")
        env = sb.env(tokens=False)
        ga_key_file = env.pop("GOOGLE_ANALYTICS_CREDENTIALS_PATH")
        ga_property = env.pop("GOOGLE_ANALYTICS_PROPERTY_ID")
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("MKTD_SECRET_KEY", SECRET_KEY)  # no keyring: the encrypted store
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.url)
        monkeypatch.setenv("MKTD_MODEL", "audit-model")
        browser = Browser(sb.url)
        monkeypatch.setattr(webbrowser, "open", browser.open)

        run("init")
        # A filled-in voice: publishing LLM text without one is refused (issue 11 item 6).
        (home / "brand.toml").write_text('company = "Audit Co"\naudience = "auditors"\n')
        # A reader keeps the WAL alive, so what the commands write stays in it to be searched.
        reader = sqlite3.connect(home / "mktd.db")
        try:
            reader.execute("select count(*) from drafts").fetchone()
            run("authorize", "twitter", "--port", str(_free_port()), "--json")
            run("authorize", "salesforce", "--port", str(_free_port()), "--json")
            run("authorize", "hubspot", "--from-stdin", input=HUBSPOT_KEY + "\n")
            run("authorize", "sendgrid", "--from-stdin", input=SENDGRID_KEY + "\n")
            run("authorize", "mailchimp", "--from-stdin", input=MAILCHIMP_KEY + "\n")
            run("authorize", "google-analytics", "--credentials", ga_key_file,
                "--property-id", ga_property)  # fmt: skip
            first = _stored_x(monkeypatch)
            sf_first = _stored_x(monkeypatch, "salesforce")

            # An LLM-written thread, published; then a 401 that makes the refresh token rotate.
            run("social", "twitter", "--topic", "secrets", "--thread-length", "2", "--publish",
                "--yes", "--json")  # fmt: skip
            sb.set_faults("x.create:401-once")
            run("--verbose", "social", "twitter", "--text", "Refreshed, still secret.",
                "--publish", "--yes", env=debug)  # fmt: skip
            rotated = _stored_x(monkeypatch)
            assert rotated["access"] != first["access"] and rotated["refresh"] != first["refresh"]

            # Salesforce: leads imported, then a session that expired (INVALID_SESSION_ID):
            # refreshed once (its refresh token does not rotate), with the debug settings on.
            leads = tmp_path / "leads.csv"
            leads.write_text("email,lastname,company\nada@example.org,Lovelace,AE\n")
            run("crm", "contacts", "import", str(leads), "--platform", "salesforce", env=debug)
            sb.emu.expire_tokens("salesforce")
            run("--verbose", "crm", "contacts", "get", "ada@example.org", "--platform",
                "salesforce", "--json", env=debug)  # fmt: skip
            sf_refreshed = _stored_x(monkeypatch, "salesforce")
            assert sf_refreshed["access"] != sf_first["access"]
            assert sf_refreshed["refresh"] == sf_first["refresh"]

            # Failures, with the most talkative settings there are.
            sb.set_faults("x.create:500,hubspot.get:401,ga.report:403,sendgrid.send:503,"
                          "salesforce.update:401,mailchimp.send:401")  # fmt: skip
            run("--verbose", "social", "twitter", "--text", "This one fails.", "--publish",
                "--yes", "--json", env=debug, ok=(1,))  # fmt: skip
            failed = run("--verbose", "crm", "contacts", "get", "ada@example.org", env=debug,
                         ok=(4,))  # fmt: skip
            assert "Traceback" in failed.stderr  # MKTD_DEBUG=1 printed it (redacted)
            run("--verbose", "ga", "traffic", "--json", env=debug, ok=(4,))
            sf_failed = run("--verbose", "crm", "contacts", "import", str(leads), "--platform",
                            "salesforce", env=debug, ok=(4,))  # fmt: skip
            assert "Traceback" in sf_failed.stderr
            body = tmp_path / "body.txt"
            body.write_text("Hello, audit.\n")
            run("--verbose", "email", "send", "--subject", "Audit", "--body-file", str(body),
                "--to", "ada@example.org", "--yes", "--json", env=debug, ok=(1,))  # fmt: skip
            mailchimp = ("email", "send", "--via", "mailchimp", "--audience", "sbxaud0001",
                         "--subject", "Audit", "--body-file", str(body), "--yes")  # fmt: skip
            run("--verbose", *mailchimp, "--json", env=debug, ok=(4,))
            sb.set_faults(None)
            run("--verbose", *mailchimp, env=debug)  # the same campaign, resumed and sent
            run("--verbose", "email", "stats", "--platform", "mailchimp", "--json", env=debug)
            run("--verbose", "email", "audiences", "list", env=debug)

            # Everything that reads or reports.
            run("--verbose", "email", "send", "--subject", "Audit 2", "--body-file", str(body),
                "--to", "ada@example.org", "--yes", env=debug)  # fmt: skip
            run("--verbose", "ga", "traffic", "--json", env=debug)
            run("analytics", "fetch", "--json", env=debug)
            run("report", "--format", "json", env=debug)
            run("report", "--summary", env=debug)
            run("alerts", "run", "--json")
            for args in (["test-integrations", "--json"], ["status", "--json"],
                         ["auth", "status", "--json"], ["auth", "status"], ["logs", "--json"],
                         ["logs"], ["notifications", "--json"], ["config", "show", "--json"],
                         ["status"]):  # fmt: skip
                run("--verbose", *args, env=debug)
            notes = [" ".join(map(str, r)) for r in reader.execute("select * from notifications")]
            blobs = {p.relative_to(home).as_posix(): p.read_bytes() for p in _all_files(home)}
        finally:
            reader.close()
    blobs["mktd.db (after checkpoint)"] = (home / "mktd.db").read_bytes()

    # The flow really used every secret, so the search below is not vacuous.
    assert llm.keys and all(k == f"Bearer {OPENAI_KEY}" for k in llm.keys)
    assert notes, "the failures raised notifications"
    assert {"mktd.db", "mktd.db-wal", "mktd.db-shm", "logs/mktd.log"} <= set(blobs)
    assert len(blobs["mktd.db-wal"]) > 0
    pem = json.loads(Path(ga_key_file).read_text())["private_key"]
    body_lines = [x for x in pem.splitlines() if x and "PRIVATE KEY" not in x]
    secrets_used = {
        "X access token": first["access"], "X refresh token": first["refresh"],
        "X rotated access token": rotated["access"],
        "X rotated refresh token": rotated["refresh"],
        "Salesforce access token": sf_first["access"],
        "Salesforce refresh token": sf_first["refresh"],
        "Salesforce refreshed access token": sf_refreshed["access"],
        "Salesforce client secret": sbenv.SALESFORCE_CLIENT_SECRET,
        "HubSpot key": HUBSPOT_KEY, "SendGrid key": SENDGRID_KEY, "OpenAI key": OPENAI_KEY,
        "Mailchimp key": MAILCHIMP_KEY,
        "MKTD_SECRET_KEY": SECRET_KEY, "GA4 private key": "".join(body_lines),
        **browser.seen,
    }  # fmt: skip
    places = {**blobs, **{f"output {i}": o.encode() for i, o in enumerate(outputs)},
              **{f"notification {i}": n.encode() for i, n in enumerate(notes)}}  # fmt: skip
    hits = [(name, where) for name, value in secrets_used.items()
            for where, data in places.items() if _leaks(value, data)]  # fmt: skip
    if "GA4 private key" in secrets_used:  # any single line of the PEM body is a leak too
        hits += [("GA4 private key line", where) for where, data in places.items()
                 if any(line.encode() in data for line in body_lines[1:-1])]  # fmt: skip
    assert hits == []
    # --verbose did print the request lines, with the credentials masked.
    assert any("authorization: ****" in o for o in outputs)

    # Permissions: the home directory is private, and so is everything in it.
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, (path, oct(mode))
        else:
            assert mode == 0o600, (path, oct(mode))
    assert {"mktd.db", "config.toml", "brand.toml", "logs/mktd.log"} <= {
        p.relative_to(home).as_posix() for p in home.rglob("*")
    }


def _stored_x(monkeypatch: pytest.MonkeyPatch, platform: str = "twitter") -> dict[str, str]:
    """The tokens as mktd stored them (read through its own credential store)."""
    from mktdirector.wiring import Deps

    deps = Deps()
    try:
        conn = deps.credentials.get(platform, env=False)
        assert conn is not None and conn.access_token and conn.refresh_token
        assert conn.source == "encrypted"
        return {"access": conn.access_token, "refresh": conn.refresh_token}
    finally:
        deps.close()


def _leaks(secret: str, data: bytes) -> bool:
    """The whole secret, or any 16-character piece of it, appears in `data`."""
    raw = secret.encode()
    if raw in data:
        return True
    return any(raw[i : i + 16] in data for i in range(0, max(len(raw) - 15, 1), 4))


# The OAuth redirect target -------------------------------------------------------------------
def _get(url: str, host: str | None = None) -> httpx.Response:
    headers = {"Host": host} if host else None
    return httpx.get(url, headers=headers, timeout=5)


def test_callback_with_a_wrong_state_is_refused_and_the_flow_fails_clearly() -> None:
    with LoopbackServer(0, "the-right-state", "twitter") as server:
        refused = _get(f"{server.redirect_uri}?code=stolen&state=an-old-state")
        assert refused.status_code == 400 and "state mismatch" in refused.text
        with pytest.raises(OAuthError) as e:
            server.wait(0.3)
    assert "refused (state mismatch)" in e.value.message
    assert e.value.hint == "Run mktd authorize twitter again and use the URL it prints now"
    assert int(e.value.exit_code) == 4


def test_a_wrong_state_does_not_end_the_real_authorization() -> None:
    # A stray or forged redirect arriving first must not cancel the user's own.
    with LoopbackServer(0, "the-right-state", "twitter") as server:
        assert _get(f"{server.redirect_uri}?code=forged&state=nope").status_code == 400
        assert _get(f"{server.redirect_uri}?code=real&state=the-right-state").status_code == 200
        result = server.wait(2)
    assert (result.code, result.state) == ("real", "the-right-state")


@pytest.mark.parametrize("state", [None, "nope"])
def test_an_error_redirect_without_the_right_state_cannot_cancel_the_sign_in(state) -> None:
    # Issue 12 item 2a: any page the user has open could send ?error=access_denied and end the
    # authorization (exit 4). An error must carry the right state like a success does.
    with LoopbackServer(0, "the-right-state", "twitter") as server:
        forged = f"{server.redirect_uri}?error=access_denied" + (f"&state={state}" if state else "")
        assert _get(forged).status_code == 400
        assert _get(f"{server.redirect_uri}?code=real&state=the-right-state").status_code == 200
        result = server.wait(2)
    assert (result.code, result.error) == ("real", None)


def test_a_real_denial_with_the_right_state_still_ends_the_wait() -> None:
    with LoopbackServer(0, "the-right-state", "twitter") as server:
        url = f"{server.redirect_uri}?error=access_denied&state=the-right-state"
        assert _get(url).status_code == 400
        result = server.wait(2)
    assert result.error == "access_denied"


def test_callback_refuses_requests_not_from_this_computer() -> None:
    with LoopbackServer(0, "s", "twitter") as server:
        url = f"{server.redirect_uri}?code=c&state=s"
        # A web page reaching the port by DNS rebinding sends its own host name.
        rebound = _get(url, host=f"attacker.example:{server.port}")
        assert rebound.status_code == 403 and "only answers this computer" in rebound.text
        # A peer that is not a loopback address (the server binds 127.0.0.1, so this can only
        # be shown by handing the handler such a connection directly).
        handler = server._server.RequestHandlerClass
        ours, theirs = socket.socketpair()
        with ours, theirs:
            ours.sendall(f"GET /callback?code=c&state=s HTTP/1.0\r\nHost: 127.0.0.1:"
                         f"{server.port}\r\n\r\n".encode())  # fmt: skip
            handler(theirs, ("192.0.2.7", 40000), server._server)
            theirs.shutdown(socket.SHUT_WR)
            answer = ours.recv(65536).decode()
        assert answer.startswith("HTTP/1.0 403") and "only answers this computer" in answer
        assert server.refused == ["not loopback", "not loopback"]
        with pytest.raises(OAuthError):
            server.wait(0.2)  # neither counted as the authorization
    assert not is_loopback("192.0.2.7") and is_loopback("127.0.0.1") and is_loopback("::1")
    assert host_allowed(f"localhost:{server.port}", server.port)
    assert not host_allowed(f"127.0.0.1.nip.io:{server.port}", server.port)
    assert not host_allowed("127.0.0.1:1", server.port)
