"""Token health on publish: a LinkedIn token that expires soon warns; an expired one stops."""

from __future__ import annotations

import time

import pytest

from mktdirector.agents.social.publishing import token_warning
from mktdirector.core.credentials import Connection
from mktdirector.core.errors import MissingCredentialError
from mktdirector.wiring import Deps


def linkedin(days_left: float):
    conn = Connection(
        "linkedin",
        "me",
        access_token="li-token-abcdef123",
        expires_at=time.time() + days_left * 86400,
        user_id="urn:li:person:x",
    )
    return Deps().integration("linkedin", connection=conn)


def test_expiring_within_7_days_warns():
    warning = token_warning(linkedin(3.5))
    assert warning and "mktd authorize linkedin" in warning and "3 days" in warning


def test_far_from_expiry_is_quiet():
    assert token_warning(linkedin(40)) is None


def test_expired_stops_with_the_reauthorize_command():
    with pytest.raises(MissingCredentialError) as info:
        token_warning(linkedin(-1))
    assert info.value.hint == "mktd authorize linkedin"
