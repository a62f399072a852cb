"""`mktd authorize hubspot` end to end: validated before saving, key age in auth status."""

from __future__ import annotations

import json
import time
from contextlib import closing

import httpx
import respx

KEY = "pat-na1-SECRETSECRET-1234"


def test_authorize_hubspot_from_stdin_validates_then_saves(cli, monkeypatch, memory_keyring):
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", "http://hs.test")
    with respx.mock() as router:
        route = router.get("http://hs.test/account-info/v3/details").mock(
            return_value=httpx.Response(
                200, json={"portalId": 123, "accountType": "STANDARD", "timeZone": "US/Eastern"}
            )
        )
        r = cli("authorize", "hubspot", "--from-stdin", "--json", input=KEY + "\n")
    assert r.exit_code == 0, r.stderr
    assert route.call_count == 1
    assert route.calls[0].request.headers["authorization"] == f"Bearer {KEY}"
    saved = [
        v
        for (svc, user), v in memory_keyring.passwords.items()
        if svc == "mktd" and user.startswith("hubspot:")
    ]
    assert len(saved) == 1 and json.loads(saved[0])["api_key"] == KEY
    assert KEY not in r.stdout + r.stderr
    status = json.loads(cli("auth", "status", "--json").stdout)
    row = next(x for x in status if x["platform"] == "hubspot")
    assert row["status"] == "ok" and row.get("warning") is None


def test_invalid_key_is_not_saved(cli, monkeypatch, store):
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", "http://hs.test")
    with respx.mock() as router:
        router.get("http://hs.test/account-info/v3/details").mock(
            return_value=httpx.Response(
                401,
                json={"status": "error", "message": "bad", "category": "INVALID_AUTHENTICATION"},
            )
        )
        r = cli("authorize", "hubspot", "--from-stdin", input="pat-na1-wrong-key-0000\n")
    assert r.exit_code == 4, r.stderr
    assert store.connections("hubspot") == []


def test_old_key_is_flagged_for_rotation(cli, store):
    from mktdirector.core.credentials import Connection
    from mktdirector.wiring import Deps

    old = time.time() - 100 * 86400
    with closing(Deps()) as deps:  # closed: the credential index is a store connection
        deps.credentials.save(
            Connection("sendgrid", "main", api_key="SG.old-key-000000", obtained_at=old)
        )
    status = json.loads(cli("auth", "status", "--json").stdout)
    row = next(x for x in status if x["platform"] == "sendgrid")
    assert "rotate" in row["warning"]
