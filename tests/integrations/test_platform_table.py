"""The platform table (core/platforms.py) is the one declaration every other place reads."""

from __future__ import annotations

from typing import Any

import pytest

from mktdirector import integrations
from mktdirector.agents.auth.keys import KEY_PLATFORMS
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.core.platforms import (
    PLATFORMS,
    Capability,
    resolve_capable,
    with_capability,
)
from mktdirector.integrations.capabilities import (
    PROTOCOLS,
    CrmClient,
    EmailSender,
    Identifies,
    KeyChecked,
    as_crm_client,
    as_email_sender,
)
from mktdirector.integrations.oauth.app import PROVIDERS

WITH_CLIENT = sorted(pid for pid, spec in PLATFORMS.items() if spec.client)


def members(protocol: type) -> set[str]:
    """The attributes a protocol asks for, its bases' included (not typing's own)."""
    names: set[str] = set()
    for klass in protocol.__mro__:
        if klass.__module__ == "mktdirector.integrations.capabilities":
            names |= {n for n in vars(klass) if not n.startswith("_")}
    return names


def test_every_client_declared_in_the_table_is_the_registry() -> None:
    assert integrations.available() == WITH_CLIENT
    assert WITH_CLIENT == [
        "google-analytics",
        "hubspot",
        "linkedin",
        "mailchimp",
        "salesforce",
        "sendgrid",
        "twitter",
    ]


@pytest.mark.parametrize("pid", WITH_CLIENT)
def test_client_class_takes_label_and_auth_kind_from_its_spec(pid: str) -> None:
    spec = PLATFORMS[pid]
    cls = integrations.get_class(pid)
    assert cls.name == pid
    assert cls.label == spec.name
    assert cls.auth_kind == spec.auth_kind


class UnusedHttp:
    """Stands in for the choke point: these tests only look at the client, never send."""

    max_retries = 3

    def close(self) -> None:
        pass


def client(pid: str) -> Any:
    return integrations.get_class(pid)(http_factory=lambda **kw: UnusedHttp())


@pytest.mark.parametrize("pid", WITH_CLIENT)
def test_client_implements_every_capability_its_spec_declares(pid: str) -> None:
    spec = PLATFORMS[pid]
    instance = client(pid)
    try:
        assert spec.capabilities, f"{pid} declares no capability"
        for capability in spec.capabilities:
            protocol = PROTOCOLS[capability]
            missing = {m for m in members(protocol) if not hasattr(instance, m)}
            assert not missing, f"{pid} lacks {sorted(missing)} for {capability}"
            assert isinstance(instance, protocol)
    finally:
        instance.close()


def test_the_capability_check_notices_a_missing_method() -> None:
    sendgrid = integrations.get_class("sendgrid")
    assert "validate" in members(EmailSender) and hasattr(sendgrid, "validate")
    hubspot = integrations.get_class("hubspot")
    assert {"send", "validate"} <= members(EmailSender) - set(dir(hubspot))
    assert "contact_properties" in members(CrmClient) - set(dir(sendgrid))


def test_as_capability_refuses_a_client_of_the_wrong_kind() -> None:
    class NotACrm:
        name = "sendgrid"

    with pytest.raises(ConfigError, match="does not implement the crm capability"):
        as_crm_client(NotACrm())
    with pytest.raises(ConfigError, match="does not implement the email capability"):
        as_email_sender(NotACrm())


def test_oauth_providers_come_from_the_specs_of_ready_oauth_platforms() -> None:
    assert {"linkedin", "twitter", "salesforce"} <= set(PROVIDERS)
    x = PROVIDERS["twitter"]
    assert x.label == "X" and PLATFORMS["twitter"].label == "X (Twitter)"
    assert x.token_url == "https://api.x.com/2/oauth2/token" and x.pkce_required
    assert x.docs == "docs/integrations/twitter.md"
    assert PROVIDERS["linkedin"].revoke_url is None
    sf = PROVIDERS["salesforce"]
    assert sf.pkce_required and sf.host_env == "SALESFORCE_LOGIN_URL"
    assert sf.token_extras == ("instance_url", "id")


def test_platforms_by_capability_list_ready_ones_first() -> None:
    assert with_capability(Capability.CRM) == ["hubspot", "salesforce"]
    assert with_capability(Capability.EMAIL) == ["mailchimp", "sendgrid"]
    assert with_capability(Capability.SOCIAL) == ["linkedin", "twitter"]
    assert "google-analytics" in with_capability(Capability.ANALYTICS)


@pytest.mark.parametrize(
    ("name", "capability", "expected"),
    [("HubSpot", Capability.CRM, "hubspot"), ("x", Capability.SOCIAL, "twitter")],
)
def test_resolve_capable_takes_ids_and_aliases(
    name: str, capability: Capability, expected: str
) -> None:
    assert resolve_capable(name, capability) == expected


def test_resolve_capable_refuses_a_platform_without_the_capability() -> None:
    with pytest.raises(UsageError) as info:
        resolve_capable("sendgrid", Capability.CRM)
    assert info.value.message == "--platform 'sendgrid' is not a crm platform."
    # Only platforms this version can use (issue 11): a declared-but-unbuilt one is no advice.
    ready = [p for p in with_capability(Capability.CRM) if PLATFORMS[p].ready]
    assert "hubspot" in ready and info.value.hint == f"Use one of: {', '.join(ready)}"
    assert int(info.value.exit_code) == 2


def test_env_names_and_key_facts_are_declared_once() -> None:
    hubspot: Any = PLATFORMS["hubspot"]
    assert hubspot.token_env == ("HUBSPOT_API_KEY",)
    assert hubspot.key_noun == "private app token"
    assert hubspot.base_url_env == "MKTD_HUBSPOT_BASE_URL"
    assert PLATFORMS["google-analytics"].base_url_env == "MKTD_GOOGLE_ANALYTICS_BASE_URL"


@pytest.mark.parametrize("pid", KEY_PLATFORMS)
def test_api_key_clients_check_a_key_before_it_is_saved(pid: str) -> None:
    assert PLATFORMS[pid].auth_kind == "api_key"
    instance = client(pid)
    try:
        assert isinstance(instance, KeyChecked)
    finally:
        instance.close()


@pytest.mark.parametrize("pid", sorted(PROVIDERS))
def test_oauth_clients_say_whose_token_they_hold(pid: str) -> None:
    instance = client(pid)
    try:
        assert isinstance(instance, Identifies)
    finally:
        instance.close()


def test_a_handle_is_shown_the_way_the_platform_writes_it() -> None:
    assert PLATFORMS["twitter"].handle_prefix + "mktd_sandbox" == "@mktd_sandbox"
    assert PLATFORMS["linkedin"].handle_prefix == ""
