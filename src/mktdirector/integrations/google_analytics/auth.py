"""Service-account credentials for GA4: reading the JSON key, and the token exchange transport.

google-auth signs the JWT (RS256; iss = client_email, scope, aud, iat, exp) and parses the
token answer; `ChokePointTransport` makes it send the exchange through mktd's HttpClient so
the call is rate limited, audited and classified like any other.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from mktdirector.core import errors as E
from mktdirector.core.http import HttpClient
from mktdirector.core.redact import register

GA_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
KEY_STEPS = (
    "In Google Cloud: IAM & Admin → Service accounts → (account) → Keys → Add key → JSON; then "
    "`mktd authorize google-analytics --credentials FILE` or set GOOGLE_ANALYTICS_CREDENTIALS_PATH"
)


def read_key_file(path: Path) -> str:
    """A key file is a few KB: at most 1 MiB is read (never all of /dev/zero)."""
    from mktdirector.core import inputs

    with path.open("rb") as f:
        data = f.read(inputs.TEXT_FILE_MAX + 1)
    if len(data) > inputs.TEXT_FILE_MAX:
        raise OSError(errno.EFBIG, "larger than 1 MiB: not a service-account key")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise OSError(errno.EILSEQ, "not UTF-8 text") from None


def load_service_account(value: str) -> dict[str, Any]:
    """Parse service-account JSON given as its text or as a path to the file."""
    text = value.strip()
    where = "the stored service-account key"
    if not text.startswith("{"):
        path = Path(text).expanduser()
        where = str(path)
        try:
            text = read_key_file(path)
        except OSError as e:
            raise E.ConfigError(
                f"Cannot read the service-account file {path}: {e.strerror or e}.",
                hint=f"Point GOOGLE_ANALYTICS_CREDENTIALS_PATH at the JSON key. {KEY_STEPS}",
            ) from None
    try:
        info = json.loads(text)
    except ValueError:
        raise E.ConfigError(f"{where} is not valid JSON.", hint=KEY_STEPS) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else None
        raise E.ConfigError(
            f"{where} is not a service-account key (type {kind!r}); an OAuth client or "
            "user credential file cannot be used here.",
            hint=KEY_STEPS,
        )
    missing = [k for k in ("client_email", "private_key") if not info.get(k)]
    if missing:
        raise E.ConfigError(f"{where} lacks {', '.join(missing)}.", hint=KEY_STEPS)
    register(info["private_key"], info.get("private_key_id"))
    return info


class ChokePointTransport:
    """google-auth's transport interface (`google.auth.transport.Request`) over HttpClient."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _TokenResponse:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # The signed assertion can be exchanged for a token for an hour: keep it out of every
        # text mktd writes (debug lines, --dry-run output, errors).
        for value in parse_qs((body or b"").decode("utf-8", "replace")).get("assertion", []):
            register(value)
        # The exchange has no side effect, so the choke point may retry it; errors (400
        # invalid_grant, 401 invalid_client) surface as our errors, never as google-auth's.
        response = self._http.request(
            method, path, content=body, headers=dict(headers or {}), idempotent=True
        )
        try:
            ok = isinstance(response.json(), dict) and "access_token" in response.json()
        except ValueError:
            ok = False
        if not ok:
            raise E.ApiResponseError(
                "The Google token endpoint answered without an access_token.",
                platform="google-analytics",
                hint="Check MKTD_GOOGLE_ANALYTICS_TOKEN_URL if it is set; otherwise retry later",
            )
        return _TokenResponse(response)


class _TokenResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = dict(response.headers)
        self.data = response.content
