"""Service-account JWTs, checked as Google checks them: the RS256 signature against the key in
the sandbox's state dir (`mktd sandbox env` wrote it), `kid`, `iss`, and the time window.

Two uses: the JWT-bearer grant at the token endpoint (api.token), and the *self-signed* JWT
that google-auth sends straight to the API as a bearer token (the google-analytics-data SDK's
default for service accounts: no token exchange). Google accepts the latter when its `aud` is
the API's address or it carries an Analytics `scope`; so does the sandbox (issue 12 item 9).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import AuthFailure, Principal
from mktdirector.sandbox.env import service_account_path

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

SCOPES = {
    "https://www.googleapis.com/auth/analytics.readonly",
    "https://www.googleapis.com/auth/analytics",
}
API_AUDIENCES = {"https://analyticsdata.googleapis.com/", "https://analyticsdata.googleapis.com"}


class JwtRefused(ValueError):
    """Why a JWT is refused, in Google's words; `client` when the issuer is unknown."""

    def __init__(self, message: str, *, client: bool = False) -> None:
        super().__init__(message)
        self.client = client


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify(emu: Emulator, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(claims, service-account info) of a JWT signed with the sandbox's key, else JwtRefused."""
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header, claims = json.loads(b64(head_b64)), json.loads(b64(claims_b64))
    except ValueError:
        raise JwtRefused(
            "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe"
        ) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtRefused("Invalid JWT Signature.")
    if header.get("alg") != "RS256":
        raise JwtRefused("Invalid JWT Signature.")
    info = json.loads(service_account_path(emu._dir()).read_text(encoding="utf-8"))
    if header.get("kid") not in (None, info.get("private_key_id")):
        raise JwtRefused("Invalid JWT Signature.")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise JwtRefused("Invalid JWT Signature.")
    try:
        key.public_key().verify(
            b64(sig_b64), f"{head_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        raise JwtRefused("Invalid JWT Signature.") from None
    if claims.get("iss") != info["client_email"]:
        raise JwtRefused("The OAuth client was not found.", client=True)
    return claims, info


def fresh(emu: Emulator, claims: dict[str, Any]) -> bool:
    """Short-lived (at most an hour) and current, by the client's own (real) clock."""
    now = emu.real_now()
    try:
        iat, exp = float(claims.get("iat", 0)), float(claims.get("exp", 0))
    except (TypeError, ValueError):
        return False
    return iat - 300 <= now <= exp + 300 and exp - iat <= 3600 + 60


def self_signed(emu: Emulator, token: str) -> Principal | AuthFailure | None:
    """The principal of a self-signed service-account JWT; None when `token` is not a JWT."""
    if token.count(".") != 2 or not token.startswith("eyJ"):
        return None
    try:
        claims, info = verify(emu, token)
    except JwtRefused:
        return AuthFailure("invalid")
    if not fresh(emu, claims):
        return AuthFailure("expired")
    scopes = set(str(claims.get("scope") or "").split())
    if claims.get("aud") not in API_AUDIENCES and not scopes & SCOPES:
        return AuthFailure("invalid")
    return Principal("ga", info["client_email"], frozenset(scopes or SCOPES), "app", "jwt")
