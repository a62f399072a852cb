"""Secret scrubbing for every text mktd writes."""

from __future__ import annotations

import pytest

from mktdirector.core.redact import MASK, mask, redact, redact_headers, register


def test_registered_values_are_replaced_longest_first() -> None:
    register("abcdef123456", "abcdef123456-longer", None, "")
    assert redact("t=abcdef123456-longer; u=abcdef123456.") == f"t={MASK}; u={MASK}."


def test_short_values_are_not_registered() -> None:
    register("abc")  # would mangle ordinary words
    assert redact("abc abc") == "abc abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.payload.sig", f"Authorization: Bearer {MASK}"),
        ("basic dXNlcjpwYXNzd29yZA==", f"basic {MASK}"),
        ("GET /x?access_token=AAA111&b=2", f"GET /x?access_token={MASK}&b=2"),
        (
            "https://api.hubapi.com/x?hapikey=zzz&limit=1",
            f"https://api.hubapi.com/x?hapikey={MASK}&limit=1",
        ),
        ("refresh_token=r1&client_secret=s2", f"refresh_token={MASK}&client_secret={MASK}"),
        ('{"body": "code=XYZ"}', f'{{"body": "code={MASK}"}}'),
        ("key sk-proj-abcdefghijkl used", f"key {MASK} used"),
        ("SG.abcdefghij.klmnopqrstuv", MASK),
        ("pat-na1-1234abcd-5678", MASK),
        ("nothing secret here", "nothing secret here"),
        ("", ""),
    ],
)
def test_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_mask_keeps_a_short_hint_only() -> None:
    assert mask(None) == "" and mask("") == ""
    assert mask("short") == MASK
    assert mask("sk-0123456789abcdef9f3a") == "sk-…9f3a"


def test_redact_headers() -> None:
    register("tok-registered-1")
    out = redact_headers(
        {
            "Authorization": "Bearer x",
            "Cookie": "a=b",
            "X-Api-Key": "k",
            "api-key": "k",
            "Proxy-Authorization": "p",
            "Set-Cookie": "s",
            "Accept": "application/json",
            "X-Echo": "tok-registered-1",
        }
    )
    assert out == {
        "Authorization": MASK,
        "Cookie": MASK,
        "X-Api-Key": MASK,
        "api-key": MASK,
        "Proxy-Authorization": MASK,
        "Set-Cookie": MASK,
        "Accept": "application/json",
        "X-Echo": MASK,
    }
