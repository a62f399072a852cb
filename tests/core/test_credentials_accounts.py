"""Several accounts on one platform (issue 11 item 2): the default account, an explicit one,
and a clear error naming the accounts when the choice is ambiguous; never "No credentials"."""

from __future__ import annotations

import pytest
from test_credentials import connection, make_store

from mktdirector.core import credentials as C
from mktdirector.core.errors import ConfigError, MissingCredentialError


@pytest.fixture
def two(store, memory_keyring):  # type: ignore[no-untyped-def]
    creds = make_store(store)
    creds.save(connection(account="work", access_token="tok-work-0123456789"))
    creds.save(connection(account="home", access_token="tok-home-0123456789"))
    return creds


def test_two_accounts_without_a_choice_is_an_error_naming_both(two, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LINKEDIN_ACCESS_TOKEN", raising=False)
    with pytest.raises(C.AmbiguousAccountError) as info:
        two.get("linkedin")
    err = info.value
    assert isinstance(err, ConfigError) and int(err.exit_code) == 3
    assert "home" in err.message and "work" in err.message
    assert "--account" in (err.hint or "") and "config set linkedin.account" in (err.hint or "")
    assert "authorize" not in (err.hint or "")  # following the hint must not add a third


def test_explicit_and_default_accounts_pick_their_own_token(store, two, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LINKEDIN_ACCESS_TOKEN", raising=False)
    assert two.get("linkedin", "home").access_token == "tok-home-0123456789"
    configured = make_store(store, default_account=lambda p: "work")
    assert configured.get("linkedin").access_token == "tok-work-0123456789"


def test_an_unknown_account_name_lists_the_connected_ones(store, two) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MissingCredentialError) as info:
        two.get("linkedin", "wrok")
    assert "wrok" in info.value.message and "home, work" in info.value.message
    configured = make_store(store, default_account=lambda p: "gone")
    with pytest.raises(ConfigError) as info2:
        configured.get("linkedin")
    assert "linkedin.account" in info2.value.message and "home, work" in info2.value.message


def test_a_new_account_name_can_still_be_stored_and_read_raw(two) -> None:  # type: ignore[no-untyped-def]
    assert two.stored("linkedin", "third") is None  # authorize looks before saving
    assert two.known_accounts("linkedin") == ["home", "work"]
