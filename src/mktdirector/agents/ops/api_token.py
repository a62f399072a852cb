"""The one bearer token that `mktd serve` and `mktd mcp --http` accept.

`MKTD_API_TOKEN` wins; otherwise a token is generated once and kept in the secret store, so the
dashboard, the API and the MCP endpoint agree on it across restarts (`mktd serve --show-token`).
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping

from mktdirector.core.credentials import SecretBackend

ENV_VAR = "MKTD_API_TOKEN"
SECRET_NAME = "mktd:api-token"  # the secret store's key for the generated token
_MIN_LENGTH = 16  # a shorter explicit token is a typo or a placeholder, not a secret


class WeakTokenError(ValueError):
    """MKTD_API_TOKEN is set but too short to guard a company's accounts."""


def api_token(backend: SecretBackend, environ: Mapping[str, str] | None = None) -> str:
    """The token to require: the environment's, else the stored one, else a new stored one."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_VAR, "").strip()
    if explicit:
        if len(explicit) < _MIN_LENGTH:
            raise WeakTokenError(
                f"{ENV_VAR} is shorter than {_MIN_LENGTH} characters; "
                "use a long random value (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return explicit
    stored = backend.get(SECRET_NAME)
    if stored:
        return stored
    token = secrets.token_urlsafe(32)
    backend.set(SECRET_NAME, token)
    return token


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_matches(presented: str | None, expected: str) -> bool:
    """Compared in constant time, so the answer's timing does not leak the token."""
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())
