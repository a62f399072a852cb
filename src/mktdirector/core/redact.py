"""Keep secrets out of every text mktd writes: logs, audit rows, errors, --json, debug lines.

Every secret value that mktd loads is registered here; `redact()` replaces any registered value
and anything that looks like a credential (Bearer tokens, key=value pairs in URLs) with a mask.
"""

from __future__ import annotations

import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()

MASK = "****"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + MASK),
    (
        re.compile(
            r"(?i)\b((?:access_token|refresh_token|api_key|apikey|hapikey|client_secret"
            r"|code_verifier|code|token|key|password|secret)=)[^&\s\"']+"
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\bSG\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\bpat-[a-z0-9]{2,4}-[A-Za-z0-9-]{8,}"), MASK),
)
# A literal each pattern cannot match without (lowercase): a pattern whose literal is absent is
# skipped, so a 15 MB report without credentials costs one lowercase copy, not five regex passes.
_NEEDS: tuple[tuple[str, ...], ...] = (("bearer", "basic"), ("=",), ("sk-",), ("sg.",), ("pat-",))


def register(*values: str | None) -> None:
    """Remember secret values so that any later output is scrubbed of them."""
    with _lock:
        for v in values:
            if v and len(v) >= 6:
                _secrets.add(v)


def mask(value: str | None) -> str:
    """A short, safe hint of a secret: `sk-…9f3a` style, or `****` for short values."""
    if not value:
        return ""
    if len(value) < 16:
        return MASK
    return f"{value[:3]}…{value[-4:]}"


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for s in known:
        if s in text:
            text = text.replace(s, MASK)
    low = text.lower()
    for (pat, repl), needs in zip(_PATTERNS, _NEEDS, strict=True):
        if any(n in low for n in needs):
            text = pat.sub(repl, text)
    return text


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    sensitive = {
        "authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "proxy-authorization",
    }
    return {k: (MASK if k.lower() in sensitive else redact(v)) for k, v in headers.items()}
