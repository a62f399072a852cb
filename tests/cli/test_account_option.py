"""`--account` on every command that calls a platform (issue 11 item 2), and what it does when
two accounts are connected and none is named."""

from __future__ import annotations

import pytest

from mktdirector.core.credentials import Connection

CALLS_A_PLATFORM = [
    ("publish",), ("social", "linkedin"), ("social", "twitter"), ("test-integration",),
    ("analytics", "fetch"), ("auth", "logout"), ("crm", "contacts", "import"),
    ("crm", "contacts", "get"), ("crm", "sync"), ("crm", "attribution"), ("email", "send"),
    ("email", "stats"), ("email", "cancel"), ("ga", "traffic"),
]  # fmt: skip


@pytest.mark.parametrize("command", CALLS_A_PLATFORM, ids=" ".join)
def test_the_command_takes_account(cli, command) -> None:  # type: ignore[no-untyped-def]
    r = cli(*command, "--help")
    assert r.exit_code == 0 and "--account" in r.stdout


def test_crm_with_two_hubspot_accounts_names_them(cli, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.wiring import Deps

    assert cli("init").exit_code == 0
    deps = Deps()
    for name in ("agency", "client-a"):
        deps.credentials.save(Connection("hubspot", account=name, api_key=f"pat-{name}-0123456"))
    deps.close()
    r = cli("crm", "sync")
    assert r.exit_code == 3 and "agency, client-a" in r.stderr and "--account" in r.stderr
    wrong = cli("crm", "sync", "--account", "client-b")
    assert wrong.exit_code == 3 and "agency, client-a" in wrong.stderr
