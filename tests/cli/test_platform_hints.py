"""Issue 11 rough edge: a hint built from the platform table lists only the platforms the
command can use (a social command's hint lists social networks, a CRM one CRM platforms...)."""

from __future__ import annotations

import re

import pytest

from mktdirector.core.platforms import PLATFORMS, Capability, with_capability

SOCIAL = set(with_capability(Capability.SOCIAL))
READY = {p for p, s in PLATFORMS.items() if s.ready}


def hinted(stderr: str) -> set[str]:
    """The platform ids a hint offers ("Use one of: a, b" / "Use a or b")."""
    text = " ".join(stderr.split())
    m = re.search(r"Use (?:one of: )?([a-z, -]+?)(?: or ([a-z-]+))?(?:\s*$|\.|\))", text)
    assert m, stderr
    names = {n.strip() for n in m.group(1).split(",") if n.strip()}
    if m.group(2):
        names.add(m.group(2))
    return names


CASES = [
    (["social", "myspace", "--text", "hi"], SOCIAL),
    (["drafts", "list", "--platform", "myspace"], SOCIAL | {"email"}),
    (["brand", "lint", "-", "--platform", "myspace"], SOCIAL | {"email"}),
    (["analytics", "fetch", "--platform", "myspace"], {"linkedin", "twitter"}),
    (
        ["test-integration", "myspace"],
        {
            "google-analytics",
            "hubspot",
            "linkedin",
            "sendgrid",
            "twitter",
            "openai",
            "salesforce",
            "mailchimp",
        },
    ),  # fmt: skip
    (
        ["authorize", "myspace"],
        {
            "linkedin",
            "twitter",
            "hubspot",
            "sendgrid",
            "google-analytics",
            "salesforce",
            "mailchimp",
        },
    ),  # fmt: skip
    (["crm", "contacts", "get", "a@b.co", "--platform", "sendgrid"], {"hubspot", "salesforce"}),
    (["email", "stats", "--platform", "hubspot"], {"sendgrid", "mailchimp"}),
]


@pytest.mark.parametrize(
    ("argv", "allowed"), CASES, ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else ""
)
def test_every_hinted_platform_is_one_the_command_can_use(cli, argv, allowed):
    r = cli(*argv, input="hi")
    assert r.exit_code == 2, (r.exit_code, r.stderr)
    offered = hinted(r.stderr)
    assert offered and offered <= allowed, offered - allowed
    assert offered <= READY | {"email"}  # never a platform this version cannot use
