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
# When a pattern can match at all (issue 17 item 4: masking a 27 MB `report --json` cost
# ~0.1 s in these tests alone). The output is what the old tests (each literal in the
# lowercased text) gave; the tests are cheaper (a compiled literal scans ~2x faster than `in`,
# one memchr for an absent character faster still):
# - "bearer"/"basic" in the lowercased text, as before (the (?i) regex alone would also match
#   "basıc" or "baſic", which were never masked: a change of output);
# - the other literals on the text itself. The old tests looked in the lowercased text too, but
#   those patterns are case-sensitive (the key=value one needs "="): whenever the literal is
#   missing from the text the pattern cannot match, so skipping it changes nothing. A
#   substitution never creates a literal (it writes "****" and keeps what it matched), so the
#   text as each pattern sees it is tested, not the text before the first substitution.
_BEARER_OR_BASIC = re.compile("b(?:earer|asic)")
_K_DASH, _SG, _PAT = re.compile("k-"), re.compile(r"SG\."), re.compile("pat-")


def _may_match(i: int, text: str) -> bool:
    """Whether pattern `i` of _PATTERNS is tried on `text` (the rules above)."""
    if i == 0:
        return _BEARER_OR_BASIC.search(text.lower()) is not None
    if i == 1:
        return "=" in text
    if i == 2:  # "k" is rarer than "s": a text without "k-" has no "sk-"
        return _K_DASH.search(text) is not None and "sk-" in text
    if i == 3:  # a report often has no capital S at all: one memchr
        return "S" in text and _SG.search(text) is not None
    return _PAT.search(text) is not None


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
    for i, (pat, repl) in enumerate(_PATTERNS):
        if _may_match(i, text):
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
