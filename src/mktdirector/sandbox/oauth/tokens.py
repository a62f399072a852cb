"""Issued tokens, remembered by their hash: shared by the OAuth server and GA4's token endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.state import token_hash

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def store_token(
    emu: Emulator,
    token: str,
    *,
    platform: str,
    kind: str,
    user: str,
    scopes: list[str],
    client_id: str,
    ttl: float | None,
    family: str,
    principal: str = "user",
) -> dict[str, Any]:
    """Remember an issued token by its hash only."""
    h = token_hash(token)
    doc = {
        "id": h,
        "platform": platform,
        "kind": kind,
        "user": user,
        "scopes": scopes,
        "client_id": client_id,
        "issued_at": emu.now(),
        "family": family,
        "principal": principal,
        "expires_at": emu.now() + ttl if ttl else None,
        "revoked": False,
        "rotated": False,
    }
    emu.state.put("token", h, doc, owner=family, key=platform, created=emu.now())
    return doc
