"""Add UTM campaign parameters to every link in a post."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from mktdirector.core.urls import extract_urls, url_spans

__all__ = ["add_utm", "add_utm_to_url", "extract_urls", "has_utm"]


def _encode(value: str) -> str:
    encoded = quote(value, safe="")
    # A trailing "." would be read as sentence punctuation by link detectors (ours, X's,
    # LinkedIn's) and cut off the value, so spell it out.
    if encoded.endswith("."):
        encoded = encoded[:-1] + "%2E"
    return encoded


def has_utm(url: str) -> bool:
    """Return True if *url*'s query string has any ``utm_*`` parameter."""
    query = url.partition("#")[0].partition("?")[2]
    return any(k.lower().startswith("utm_") for k, _ in parse_qsl(query, keep_blank_values=True))


def add_utm_to_url(url: str, params: dict[str, str]) -> str:
    """Append *params* to *url*'s query, keeping its query and fragment; skip tagged URLs."""
    if has_utm(url):
        return url
    base, hash_sign, fragment = url.partition("#")
    path, _, query = base.partition("?")
    added = "&".join(f"{k}={_encode(v)}" for k, v in params.items())
    if query and not query.endswith("&"):
        query += "&"
    return f"{path}?{query}{added}{hash_sign}{fragment}"


def add_utm(text: str, *, source: str, campaign: str, content: str, medium: str = "social") -> str:
    """Tag every http(s) URL in *text* with utm_source/medium/campaign/content.

    URLs that already carry any ``utm_`` parameter are left alone, existing query
    parameters and fragments are kept, and punctuation after a URL stays outside it.
    Applying it twice gives the same text as applying it once.
    """
    params = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": content,
    }
    empty = [k for k, v in params.items() if not v]
    if empty:
        raise ValueError(f"UTM values must not be empty: {', '.join(empty)}")
    out: list[str] = []
    pos = 0
    for start, end in url_spans(text):
        out.append(text[pos:start])
        out.append(add_utm_to_url(text[start:end], params))
        pos = end
    out.append(text[pos:])
    return "".join(out)
