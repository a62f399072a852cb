"""Credentials: one interface over the OS keyring and an encrypted table, with env overrides.

- A connection is one JSON blob (access/refresh token, expiry, scopes, obtained_at, API key)
  stored under service `mktd`, user `<platform>:<account>`.
- Environment tokens (`LINKEDIN_ACCESS_TOKEN`, `HUBSPOT_API_KEY`, ...) override stored ones.
- No working keyring: the Fernet-encrypted `secrets` table, only with `MKTD_SECRET_KEY`. Never
  plaintext. A keyring call that hangs (a locked desktop keyring) times out after 3 s.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar, cast

from mktdirector.core.errors import ConfigError, CredentialStoreError, MissingCredentialError
from mktdirector.core.platforms import PLATFORMS
from mktdirector.core.redact import register

SERVICE = "mktd"
KEYRING_TIMEOUT = 3.0
T = TypeVar("T")

NO_STORE_HINT = (
    "Install/unlock an OS keyring (e.g. gnome-keyring), or set MKTD_SECRET_KEY to a key from "
    "`mktd init --generate-secret-key` to use the encrypted database store"
)


@dataclass
class Connection:
    platform: str
    account: str = "default"
    access_token: str | None = None
    refresh_token: str | None = None
    api_key: str | None = None
    token_type: str = "Bearer"
    expires_at: float | None = None  # epoch seconds
    scopes: list[str] = field(default_factory=list)
    obtained_at: float | None = None
    user_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    source: str = "store"  # "env", "keyring" or "encrypted"; not persisted

    def secret(self) -> str | None:
        return self.access_token or self.api_key

    def expires_in(self, now: float | None = None) -> float | None:
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("source")
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str, source: str) -> Connection:
        try:
            d = json.loads(raw)
            known = {k: d[k] for k in cls.__dataclass_fields__ if k in d and k != "source"}
            conn = cls(**known, source=source)
        except (ValueError, TypeError) as e:
            raise CredentialStoreError(
                f"A stored credential is unreadable ({type(e).__name__}).",
                hint="Re-authorize that platform with mktd authorize PLATFORM",
            ) from None
        register(conn.access_token, conn.refresh_token, conn.api_key)
        return conn


class AmbiguousAccountError(ConfigError):
    """Several accounts of a platform are connected and nothing says which one to use."""

    kind = "ambiguous_account"


class SecretBackend(Protocol):
    name: str

    def get(self, user: str) -> str | None: ...
    def set(self, user: str, value: str) -> None: ...
    def delete(self, user: str) -> None: ...


class SecretTable(Protocol):
    """What the encrypted backend needs from the database (implemented in store/)."""

    def get_secret(self, key: str) -> bytes | None: ...
    def put_secret(self, key: str, ciphertext: bytes) -> None: ...
    def delete_secret(self, key: str) -> None: ...


class ConnectionIndex(Protocol):
    """Non-secret metadata about stored connections (so status never needs the keyring)."""

    def record_connection(self, conn: Connection, store: str) -> None: ...
    def remove_connection(self, platform: str, account: str) -> None: ...
    def connections(self, platform: str | None = None) -> Sequence[Mapping[str, Any]]: ...


def _with_timeout(fn: Callable[[], T], what: str) -> T:
    # A daemon thread, so a hung keyring daemon cannot keep the process alive at exit.
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(KEYRING_TIMEOUT)
    if t.is_alive():
        raise CredentialStoreError(
            f"The OS keyring did not answer within {KEYRING_TIMEOUT:.0f} s ({what}).",
            hint="Unlock your keyring, or set MKTD_SECRET_STORE=encrypted and MKTD_SECRET_KEY",
        )
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


class KeyringBackend:
    name = "keyring"

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring

    @staticmethod
    def available() -> bool:
        """True when a real keyring backend is configured (not the `fail`/`null` ones)."""
        from mktdirector.core import keyring_choice

        if keyring_choice.known_unavailable():
            return False  # found none last time, same environment: no keyring import
        try:
            from keyring.backends import fail

            kr = keyring_choice.get_keyring()  # the remembered backend, or discovery once
        except Exception:  # noqa: BLE001 - any import/config failure means "not usable"
            return False
        if isinstance(kr, fail.Keyring) or type(kr).__module__.endswith(".null"):
            return False
        return getattr(kr, "priority", 1) > 0

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        from keyring.errors import KeyringError

        try:
            return _with_timeout(fn, what)
        except KeyringError as e:
            raise CredentialStoreError(
                f"The OS keyring refused to {what}: {type(e).__name__}.", hint=NO_STORE_HINT
            ) from None

    def get(self, user: str) -> str | None:
        value = self._call("read", lambda: self._keyring.get_password(SERVICE, user))
        return None if value is None else str(value)

    def set(self, user: str, value: str) -> None:
        self._call("save", lambda: self._keyring.set_password(SERVICE, user, value))

    def delete(self, user: str) -> None:
        from keyring.errors import PasswordDeleteError

        def run() -> None:
            try:
                self._keyring.delete_password(SERVICE, user)
            except PasswordDeleteError:
                pass

        self._call("delete", run)


class EncryptedBackend:
    name = "encrypted"

    def __init__(self, table: SecretTable, key: str) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        try:
            # Several keys (comma-separated, newest first): write with the first, read with any,
            # so hosts keep working while `mktd secrets rotate-key` re-encrypts the rows.
            keys = [Fernet(k.strip().encode()) for k in key.split(",") if k.strip()]
            self.keys = keys
            self._fernet = MultiFernet(keys)
        except (ValueError, TypeError):
            raise ConfigError(
                "MKTD_SECRET_KEY is not a valid Fernet key.",
                hint="Generate one with: mktd init --generate-secret-key",
            ) from None
        self._table = table

    def get(self, user: str) -> str | None:
        from cryptography.fernet import InvalidToken

        blob = self._table.get_secret(user)
        if blob is None:
            return None
        try:
            return self._fernet.decrypt(blob).decode("utf-8")
        except InvalidToken:
            raise CredentialStoreError(
                "A stored secret cannot be decrypted with this MKTD_SECRET_KEY.",
                hint="Use the key the secret was saved with, or re-authorize the platform",
            ) from None

    def set(self, user: str, value: str) -> None:
        self._table.put_secret(user, self._fernet.encrypt(value.encode("utf-8")))

    def delete(self, user: str) -> None:
        self._table.delete_secret(user)


class NoBackend:
    """No keyring and no MKTD_SECRET_KEY: reading finds nothing, saving is refused."""

    name = "none"

    def get(self, user: str) -> str | None:
        return None

    def set(self, user: str, value: str) -> None:
        raise CredentialStoreError(
            "No secret store is available to save credentials.", hint=NO_STORE_HINT
        )

    def delete(self, user: str) -> None:
        return None


def choose_backend(mode: str, table: Callable[[], SecretTable]) -> SecretBackend:
    """`auto`: keyring if it works, else the encrypted table with MKTD_SECRET_KEY, else none."""
    mode = (mode or "auto").lower()
    if mode not in {"auto", "keyring", "encrypted"}:
        raise ConfigError(f"Unknown secrets.store {mode!r}.", hint="Use auto, keyring or encrypted")
    if mode in {"auto", "keyring"} and KeyringBackend.available():
        return KeyringBackend()
    if mode == "keyring":
        raise CredentialStoreError("No working OS keyring backend was found.", hint=NO_STORE_HINT)
    # MKTD_SECRET_KEY, MKTD_SECRET_KEY_FILE or AWS Secrets Manager (core/secret_key.py); read
    # only now, when no keyring serves, so a keyring user never waits on AWS.
    from mktdirector.core import secret_key

    key = secret_key.load() or ""
    if key:
        register(key)
        return EncryptedBackend(table(), key)
    if mode == "encrypted":
        raise CredentialStoreError(
            "secrets.store is 'encrypted' but MKTD_SECRET_KEY is not set.",
            hint="Generate a key with: mktd init --generate-secret-key",
        )
    return NoBackend()


class CredentialStore:
    def __init__(
        self,
        backend: Callable[[], SecretBackend],
        index: Callable[[], ConnectionIndex] | None = None,
        default_account: Callable[[str], str | None] | None = None,
    ) -> None:
        self._backend_factory = backend
        self._backend: SecretBackend | None = None
        self._index = index
        self._default_account = default_account or (lambda p: None)

    @property
    def backend(self) -> SecretBackend:
        if self._backend is None:
            self._backend = self._backend_factory()
        return self._backend

    def from_env(self, platform: str) -> Connection | None:
        info = PLATFORMS[platform]
        for name in info.token_env:
            value = os.environ.get(name, "").strip()
            if value:
                register(value)
                oauth = info.auth_kind == "oauth2"
                return Connection(
                    platform,
                    account="env",
                    source="env",
                    extra={"env": name},
                    access_token=value if oauth else None,
                    api_key=None if oauth else value,
                )
        return None

    def known_accounts(self, platform: str) -> list[str]:
        """The stored accounts of a platform, by name (from the index: no keyring read)."""
        if self._index is None:
            return []
        return sorted({str(c["account"]) for c in self._index().connections(platform)})

    def account_of_user(self, platform: str, user_id: str | None) -> str | None:
        """The stored account already connected as this platform user (first by name)."""
        if self._index is None or not user_id:
            return None
        same = [str(c["account"]) for c in self._index().connections(platform)
                if str(c.get("user_id") or "") == str(user_id)]  # fmt: skip
        return min(same) if same else None

    def resolve_account(self, platform: str, account: str | None) -> str:
        """`--account`, else `<platform>.account` from config, else the only stored account.

        Several stored accounts and no choice is an error naming them (never "default", which
        finds nothing and sent users to `mktd authorize`, adding yet another account).
        """
        label = PLATFORMS[platform].label
        known = self.known_accounts(platform)
        listed = ", ".join(known)
        if account:
            if known and account not in known:
                raise MissingCredentialError(
                    platform,
                    f"No {label} account named {account!r}; connected: {listed}.",
                    hint=f"--account {known[0]}   (or connect it: mktd authorize "
                    f"{platform} --account {account})",
                )
            return account
        configured = self._default_account(platform)
        if configured:
            if known and configured not in known:
                raise ConfigError(
                    f"{platform}.account is {configured!r}, which is not connected; "
                    f"connected {label} accounts: {listed}.",
                    hint=f"mktd config set {platform}.account {known[0]}",
                )
            return str(configured)
        if len(known) == 1:
            return known[0]
        if len(known) > 1:
            raise AmbiguousAccountError(
                f"{label} has {len(known)} connected accounts ({listed}); "
                "mktd cannot guess which one to use.",
                hint=f"add --account {known[0]}, or make one the default: "
                f"mktd config set {platform}.account {known[0]}",
            )
        return "default"

    def get(
        self, platform: str, account: str | None = None, *, env: bool = True
    ) -> Connection | None:
        """The environment's token first (like GH_TOKEN), then the stored connection."""
        if env and not account:
            found = self.from_env(platform)
            if found:
                return found
        return self.stored(platform, self.resolve_account(platform, account))

    def stored(self, platform: str, account: str) -> Connection | None:
        """The connection saved under exactly this account name, if any (no resolution)."""
        raw = self.backend.get(f"{platform}:{account}")
        return Connection.from_json(raw, self.backend.name) if raw else None

    def require(self, platform: str, account: str | None = None) -> Connection:
        conn = self.get(platform, account)
        if conn is None or not conn.secret():
            envs = " or ".join(PLATFORMS[platform].token_env)
            hint = f"mktd authorize {platform}" + (f" (or set {envs})" if envs else "")
            raise MissingCredentialError(platform, hint=hint)
        return conn

    def save(self, conn: Connection) -> None:
        """Save one connection atomically (one backend write), then index its metadata."""
        if conn.source == "env":
            return  # a token from the environment is the user's to manage
        register(conn.access_token, conn.refresh_token, conn.api_key)
        backend = self.backend
        backend.set(f"{conn.platform}:{conn.account}", conn.to_json())
        conn.source = backend.name
        if self._index is not None:
            self._index().record_connection(conn, backend.name)

    def delete(self, platform: str, account: str) -> None:
        self.backend.delete(f"{platform}:{account}")
        if self._index is not None:
            self._index().remove_connection(platform, account)
