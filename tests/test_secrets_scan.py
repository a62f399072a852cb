"""A token used through the whole stack appears nowhere: database, WAL, logs, output.

The flow: a credential saved in the encrypted store (no keyring, MKTD_SECRET_KEY set), a test
platform registered in the integrations registry whose client makes calls through the choke
point (respx), errors on the way (a 5xx and a network error echoing the token, a 401 whose body
echoes it, a refresh that rotates it, a rate limit), CLI commands with --json, --verbose,
MKTD_DEBUG=1 and MKTD_DEBUG_HTTP=1. Then every file under MKTD_HOME and every captured byte of
output is searched for each secret.
"""

from __future__ import annotations

import functools
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import respx
import typer
from cryptography.fernet import Fernet

from mktdirector import integrations
from mktdirector.core import platforms, redact
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.ratelimit import per_second
from mktdirector.integrations.base import ConnectionCheck, Integration

TOKEN = "tokscan" + secrets.token_hex(12)
REFRESH = "rfscan" + secrets.token_hex(12)
ROTATED = "tokrot" + secrets.token_hex(12)
ROTATED_REFRESH = "rfrot" + secrets.token_hex(12)
KEY = Fernet.generate_key().decode()
SECRETS = {
    "token": TOKEN,
    "refresh": REFRESH,
    "rotated": ROTATED,
    "rotated_refresh": ROTATED_REFRESH,
    "secret_key": KEY,
}
BASE = "https://sandbox.test/api"


def no_sleep(_seconds: float) -> None:
    return None


class SandboxIntegration(Integration):
    name = "sandboxtest"
    label = "Sandbox"
    default_base_url = BASE
    auth_kind = "oauth2"
    rate_limits = (per_second("burst", 100),)

    def __init__(self, **kw: Any) -> None:
        factory = functools.partial(kw.pop("http_factory"), clock=Clock(sleep=no_sleep))
        super().__init__(http_factory=factory, **kw)

    def refresh(self) -> bool:
        """Rotate both tokens, saving them before the new access token is used."""
        assert self.credentials is not None and self.connection is not None
        rotated = Connection(
            self.name,
            self.connection.account,
            access_token=ROTATED,
            refresh_token=ROTATED_REFRESH,
            scopes=["read", "write"],
        )
        self.credentials.save(rotated)
        self.connection = rotated
        return True

    def test_connection(self) -> ConnectionCheck:
        conn = self.require_connection()
        # some APIs take the token in the query string: it must not reach the audit log either
        r = self.http.request("GET", "/me", params={"access_token": conn.secret()})
        data = self.json(r, "id")
        return ConnectionCheck("connected", self.name, user_id=data["id"], detail=data["echo"])


def check_cmd(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    from mktdirector.cli import _deps, _output

    result = _deps.current().integration("sandboxtest").test_connection()
    if json_out:
        _output.emit_json(result)
    else:
        _output.line(f"{result.status} {result.user_id} {result.detail}")


def post_cmd(path: str, json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    from mktdirector.cli import _deps

    _deps.current().integration("sandboxtest").http.request("POST", path, json={"t": "hi"})


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from mktdirector.cli import app

    monkeypatch.setitem(
        platforms.PLATFORMS,
        "sandboxtest",
        platforms.PlatformSpec(
            "sandboxtest", "Sandbox", "oauth2", token_env=("SANDBOXTEST_ACCESS_TOKEN",)
        ),
    )
    integrations.register(SandboxIntegration)
    before = list(app.registered_commands)
    app.command("sandbox-check")(check_cmd)
    app.command("sandbox-post")(post_cmd)
    try:
        yield
    finally:
        app.registered_commands[:] = before
        integrations.unregister("sandboxtest")


def fresh_process() -> None:
    """What a new `mktd` process starts with: no secrets known to the redactor yet."""
    with redact._lock:
        redact._secrets.clear()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_token_appears_nowhere(cli, home: Path, fail_keyring, sandbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_SECRET_KEY", KEY)
    outputs: list[str] = []

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        fresh_process()
        result = cli(*args, env=env)
        outputs.extend([result.stdout, result.stderr])
        return result

    assert run("init").exit_code == 0

    # Save the credential the way `mktd authorize` will: through the wiring's credential store.
    from mktdirector.cli import _deps

    deps = _deps.Deps()
    deps.credentials.save(
        Connection(
            "sandboxtest", "main", access_token=TOKEN, refresh_token=REFRESH, scopes=["read"]
        )
    )
    assert deps.credentials.backend.name == "encrypted"
    deps.close()
    _deps.finish()

    # A reader keeps the WAL file alive, so that what the commands write stays in it to scan.
    reader = sqlite3.connect(home / "mktd.db")
    reader.execute("select count(*) from http_calls").fetchone()
    try:
        with respx.mock(base_url=BASE, assert_all_called=True) as api:
            me = api.get("/me").mock(
                side_effect=[
                    httpx.Response(500, json={"message": f"internal error for {TOKEN}"}),
                    httpx.ConnectError(f"cannot reach sandbox.test/api/me?access_token={TOKEN}"),
                    httpx.Response(
                        401,
                        json={"error": "invalid_token", "message": f"token {TOKEN} is not valid"},
                    ),
                    httpx.Response(200, json={"id": "u-1", "echo": f"hello {ROTATED}"}),
                ]
            )
            posts = api.post("/posts").mock(
                return_value=httpx.Response(
                    401, json={"message": f"Bearer {ROTATED} rejected", "detail": ROTATED}
                )
            )
            limited = api.post("/limited").mock(
                return_value=httpx.Response(
                    429, headers={"Retry-After": "99999"}, json={"message": f"slow {ROTATED}"}
                )
            )

            debug = {"MKTD_DEBUG": "1", "MKTD_DEBUG_HTTP": "1"}
            ok = run("--verbose", "sandbox-check", "--json", env=debug)
            assert ok.exit_code == 0, ok.stderr
            assert '"user_id": "u-1"' in ok.stdout
            assert me.call_count == 4

            denied = run("--verbose", "sandbox-post", "/posts", "--json", env=debug)
            assert denied.exit_code == 4
            assert posts.call_count == 2  # refreshed once, then gave up
            assert "mktd authorize sandboxtest" in denied.stderr
            assert "Traceback" in denied.stderr  # MKTD_DEBUG=1 printed it, redacted

            denied_text = run("sandbox-post", "/posts")
            assert denied_text.exit_code == 4
            assert "Error: " in denied_text.stderr

            limited_run = run("--verbose", "sandbox-post", "/limited", "--json", env=debug)
            assert limited_run.exit_code == 5
            assert limited.call_count == 1

        # the token really was used on the wire, so the scan below is not vacuous
        sent = [c.request for c in me.calls] + [c.request for c in posts.calls]
        assert sent[0].headers["Authorization"] == f"Bearer {TOKEN}"
        assert sent[0].url.params["access_token"] == TOKEN
        assert sent[3].headers["Authorization"] == f"Bearer {ROTATED}"

        for args in (
            ["status", "--json"],
            ["--verbose", "logs", "--json"],
            ["logs"],
            ["config", "show", "--json"],
            ["status"],
        ):
            assert run(*args, env={"MKTD_DEBUG": "1"}).exit_code == 0

        # redaction did happen on the way out (the secrets reached the output paths, masked)
        joined = "\n".join(outputs)
        assert "****" in joined
        wal = home / "mktd.db-wal"
        assert wal.exists() and wal.stat().st_size > 0
        scanned = files_under(home)
        names = {p.relative_to(home).as_posix() for p in scanned}
        assert {"mktd.db", "mktd.db-wal", "logs/mktd.log"} <= names
        assert (home / "logs" / "mktd.log").stat().st_size > 0
        blobs = {p.relative_to(home).as_posix(): p.read_bytes() for p in scanned}
    finally:
        reader.close()
    blobs["mktd.db (after checkpoint)"] = (home / "mktd.db").read_bytes()

    # the flow wrote what we expect to the database: audit rows and the encrypted secret
    conn = sqlite3.connect(home / "mktd.db")
    try:
        audit = conn.execute("select path, status, error_kind from http_calls").fetchall()
        stored = conn.execute("select key from secrets").fetchall()
    finally:
        conn.close()
    assert ("/me", 500, "server") in audit and ("/me", None, "network") in audit
    assert ("/posts", 401, "auth") in audit and ("/limited", 429, "rate_limit") in audit
    assert stored == [("sandboxtest:main",)]

    hits = [
        (where, name)
        for name, value in SECRETS.items()
        for where, data in [
            *blobs.items(),
            *((f"output {i}", o.encode()) for i, o in enumerate(outputs)),
        ]
        if value.encode() in data
    ]
    assert hits == []
