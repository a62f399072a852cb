"""Add UTM campaign parameters to every link in a post."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from mktdirector.core.urls import extract_urls, url_spans

__all__ = ["add_utm", "add_utm_to_url", "extract_urls", "has_utm"]


def _encode(value: str) -> str:
    encoded = quote(value, safe="")
    # A link ending in ".", "-", "_" or "~" may be read by link finders (X's, LinkedIn's) as
    # ending before that character, cutting the value; spelled out, it decodes the same.
    if encoded and encoded[-1] in "._-~":
        encoded = encoded[:-1] + f"%{ord(encoded[-1]):02X}"
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
        out.append(_tag_in_place(text, start, end, params))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _tag_in_place(text: str, start: int, end: int, params: dict[str, str]) -> str:
    """The link text[start:end], tagged — or untouched when tagging would move its edges.

    A link glued to the next one ("a.com/.?b.com") or ending in characters that only count as
    part of it before the query ("a.com/(#)") would, once tagged, be read by X (and LinkedIn)
    as a different link. Rather than publish a broken or merged link, such a link stays as the
    user wrote it. Only the words around the link are re-read, so tagging stays linear.
    """
    url = text[start:end]
    tagged = add_utm_to_url(url, params)
    if tagged == url:
        return url
    left = max(text.rfind(c, 0, start) for c in " \n\t") + 1
    right = min((i for i in (text.find(c, end) for c in " \n\t") if i != -1), default=len(text))
    before = url_spans(text[left:right])
    after = url_spans(text[left:start] + tagged + text[end:right])
    shift = len(tagged) - len(url)
    expected = [
        (s, e + shift)
        if s == start - left
        else ((s, e) if e <= start - left else (s + shift, e + shift))
        for s, e in before
    ]
    return tagged if after == expected else url
