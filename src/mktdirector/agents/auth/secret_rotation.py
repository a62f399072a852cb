"""`mktd secrets rotate-key`: re-encrypt every stored secret under the newest key.

The key source (MKTD_SECRET_KEY, its _FILE or its AWS secret) holds `NEW,OLD` during a
rotation: every host then writes with NEW and reads with either, so nothing stops. This flow
re-encrypts each row that NEW cannot read yet, one row at a time and only if the row did not
change meanwhile (a token refreshed by another host is never overwritten), so a rotation killed
half-way is simply run again. Afterwards the source can hold NEW alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mktdirector.core.errors import ConfigError, CredentialStoreError
from mktdirector.store.protocols import SecretRows


@dataclass
class Rotation:
    total: int = 0
    rotated: int = 0
    already: int = 0  # under the new key before this run (a resumed rotation)
    changed: int = 0  # rewritten by another process meanwhile: already under the new key
    unreadable: list[str] = field(default_factory=list)  # names only, never values


def rotate_secret_key(table: SecretRows, key_text: str | None) -> Rotation:
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet

    try:
        keys = [Fernet(k.strip().encode()) for k in (key_text or "").split(",") if k.strip()]
    except (ValueError, TypeError):
        raise ConfigError(
            "The secret key source holds a key that is not a valid Fernet key.",
            hint="Generate one with: mktd init --generate-secret-key",
        ) from None
    if len(keys) < 2:
        raise ConfigError(
            "Rotating needs the new key and the old one: the key source holds one key.",
            hint="Set MKTD_SECRET_KEY (or its file, or AWS secret) to NEW,OLD on every host, "
            "then run mktd secrets rotate-key",
        )
    newest, every = keys[0], MultiFernet(keys)
    out = Rotation()
    for name in table.secret_keys():
        blob = table.get_secret(name)
        if blob is None:
            continue  # deleted meanwhile (a logout)
        out.total += 1
        try:
            newest.decrypt(blob)
            out.already += 1
            continue
        except InvalidToken:
            pass
        try:
            fresh = every.rotate(blob)
        except InvalidToken:
            out.unreadable.append(name)
            continue
        if table.replace_secret(name, blob, fresh):
            out.rotated += 1
        else:
            out.changed += 1
    if out.unreadable:
        raise CredentialStoreError(
            f"{len(out.unreadable)} stored secret(s) cannot be read with any of the keys given "
            f"({', '.join(out.unreadable)}); the others were rotated ({out.rotated}).",
            hint="Add the key they were saved with to the list, or re-authorize those platforms",
        )
    return out
