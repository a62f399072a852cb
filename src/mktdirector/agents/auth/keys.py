"""Connecting the API-key platforms: HubSpot and SendGrid keys, the GA4 service-account key.

The key is checked with the platform's cheapest call *before* it is saved, so a typo never
lands in the keyring: HubSpot `GET /account-info/v3/details`, SendGrid `GET /v3/scopes` (and
which permissions mktd would miss), GA4 a one-row report on the property. The saved connection
records `obtained_at`, which `key_age_warning` compares with the 90-day rotation the brief asks
for. Keys in the environment (HUBSPOT_API_KEY, ...) keep working without any of this.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mktdirector.core import errors as E
from mktdirector.core.credentials import NO_STORE_HINT, Connection, CredentialStore
from mktdirector.core.platforms import PLATFORMS, resolve_platform
from mktdirector.core.redact import register

KEY_MAX_AGE_DAYS = 90
# The platforms whose client takes a pasted API key (the service-account one has its own path).
KEY_PLATFORMS = tuple(
    pid for pid, spec in PLATFORMS.items() if spec.auth_kind == "api_key" and spec.client
)
EventSink = Callable[[str, str | None, str, bool, str], None]
ConfigGetter = Callable[[str], Any]


@dataclass
class KeyAuthResult:
    """What `mktd authorize P` saved for an API-key or service-account platform, and what to know."""

    platform: str
    account: str
    store: str  # keyring | encrypted
    identity: str  # HubSpot portal id, GA service-account email ("" for SendGrid keys)
    detail: str
    obtained_utc: str | None
    missing_scopes: dict[str, list[str]] = field(default_factory=dict)  # feature -> scopes
    warnings: list[str] = field(default_factory=list)
    quota: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def authorize_api_key(
    platform: str,
    secret: str,
    *,
    credentials: CredentialStore,
    config: ConfigGetter,
    http_factory: Callable[..., Any],
    events: EventSink | None = None,
    account: str | None = None,
    now: float | None = None,
) -> KeyAuthResult:
    """Validate a HubSpot or SendGrid key with one cheap call, then save it (never before)."""
    pid = resolve_platform(platform)
    if pid not in KEY_PLATFORMS:
        raise E.UsageError(
            f"{PLATFORMS[pid].label} does not use an API key.",
            hint=f"mktd authorize {pid}"
            + (" --credentials FILE" if PLATFORMS[pid].auth_kind == "service_account" else ""),
        )
    secret = (secret or "").strip()
    if not secret:
        raise E.UsageError(
            f"No {PLATFORMS[pid].label} key was given.", hint=f"mktd authorize {pid}"
        )
    register(secret)  # from here on it is masked in every text mktd writes
    _require_store(credentials, pid)
    acct = account or "default"
    now = time.time() if now is None else now
    # The client names where a refused key came from; this one came from the user.
    probe = Connection(pid, account=acct, api_key=secret, extra={"env": "The value you entered"})
    try:
        client = _client(pid, probe, config, http_factory)
        try:
            identity, detail, extra, missing = _validate(pid, client)
        finally:
            client.close()
        conn = Connection(pid, account=acct, api_key=secret, user_id=identity or None, extra=extra)
        conn.scopes = list(extra.pop("scopes", []))  # shown by `mktd auth status`
        conn.obtained_at = _obtained_at(credentials, conn, now)
        credentials.save(conn)
    except E.MktdError as e:
        _event(events, pid, acct, False, e.message)
        raise
    _event(events, pid, acct, True, detail)
    warnings = [f"the key cannot {f} (needs {', '.join(s)})" for f, s in missing.items()]
    return KeyAuthResult(
        platform=pid,
        account=acct,
        store=conn.source,
        identity=identity,
        detail=detail,
        obtained_utc=_iso(conn.obtained_at),
        missing_scopes={f: list(s) for f, s in missing.items()},
        warnings=warnings + _env_note(credentials, pid),
    )


def authorize_service_account(
    source: str | Path,
    *,
    credentials: CredentialStore,
    config: ConfigGetter,
    http_factory: Callable[..., Any],
    property_id: str | None = None,
    events: EventSink | None = None,
    account: str | None = None,
    now: float | None = None,
) -> KeyAuthResult:
    """Read a GA4 service-account key (a path, or the JSON text), prove it can read the
    property with a one-row report, then save it with the property id."""
    from mktdirector.integrations.google_analytics.client import GoogleAnalyticsClient as GA
    from mktdirector.integrations.google_analytics.models import DateRange

    pid = "google-analytics"
    acct = account or "default"
    _require_store(credentials, pid)
    now = time.time() if now is None else now
    try:
        conn = _service_account_connection(GA, source, acct)
        client = GA(http_factory=http_factory, connection=conn, config=config)
        try:
            prop = client.property_id(property_id)
            report = client.run_report(prop, [DateRange("yesterday", "yesterday")], limit=1)
        finally:
            client.close()
        conn.extra["property_id"] = prop
        conn.obtained_at = _obtained_at(credentials, conn, now)
        credentials.save(conn)
    except E.MktdError as e:
        _event(events, pid, acct, False, e.message)
        raise
    detail = f"property {prop} readable as {conn.user_id}"
    _event(events, pid, acct, True, detail)
    return KeyAuthResult(
        platform=pid,
        account=acct,
        store=conn.source,
        identity=str(conn.user_id),
        detail=detail,
        obtained_utc=_iso(conn.obtained_at),
        warnings=_env_note(credentials, pid),
        quota=report.quota.to_dict() if report.quota else None,
    )


def key_age_warning(
    connection: Connection | Mapping[str, Any] | None, now: float | None = None
) -> str | None:
    """ "... rotate it" when an API or service-account key is older than 90 days, else None.

    Takes a Connection or a row of the connection index (`platform`, `account`,
    `obtained_utc`), so `mktd auth status` can warn without reading the keyring.
    """
    if connection is None:
        return None
    acct: Any
    if isinstance(connection, Connection):
        pid, acct, obtained = connection.platform, connection.account, connection.obtained_at
    else:
        pid, acct = str(connection.get("platform")), connection.get("account")
        obtained = _epoch(connection.get("obtained_utc"))
    info = PLATFORMS.get(pid)
    if obtained is None or info is None or info.auth_kind not in ("api_key", "service_account"):
        return None
    days = int(((time.time() if now is None else now) - obtained) // 86400)
    if days <= KEY_MAX_AGE_DAYS:
        return None
    where = info.key_made_at or f"{info.label}'s settings"
    return (
        f"The {info.label} key ({acct}) was saved {days} days ago (over {KEY_MAX_AGE_DAYS}); "
        f"rotate it: make a new one ({where}), then run `mktd authorize {pid}`."
    )


# helpers ----------------------------------------------------------------------------------------
def _client(pid: str, conn: Connection, config: ConfigGetter, factory: Callable[..., Any]) -> Any:
    from mktdirector.integrations import get_class

    return get_class(pid)(http_factory=factory, connection=conn, config=config)


def _validate(
    pid: str, client: object
) -> tuple[str, str, dict[str, Any], dict[str, tuple[str, ...]]]:
    """(identity, detail, extra to store, missing scopes by feature) from the cheap call."""
    from mktdirector.integrations.capabilities import KeyChecked

    if not isinstance(client, KeyChecked):
        raise E.ConfigError(f"The {pid} client cannot check an API key.")
    check = client.check_key()
    return check.identity, check.detail, dict(check.extra), dict(check.missing)


def _service_account_connection(ga: Any, source: str | Path, account: str) -> Connection:
    text = str(source).strip()
    if text.startswith("{"):
        info = ga.load_service_account(text)  # JSON given on stdin
        return Connection(
            "google-analytics",
            account=account,
            api_key=text,
            user_id=info["client_email"],
            extra={"project_id": info.get("project_id"), "key_id": info.get("private_key_id")},
        )
    return ga.connection_from_file(Path(text).expanduser(), account)  # type: ignore[no-any-return]


def _obtained_at(credentials: CredentialStore, conn: Connection, now: float) -> float:
    """Keep the first save time when the same key is saved again: the key did not get younger."""
    try:
        old = credentials.stored(conn.platform, conn.account)
    except E.MktdError:
        old = None
    if old is not None and old.api_key == conn.api_key and old.obtained_at:
        return old.obtained_at
    return now


def _require_store(credentials: CredentialStore, pid: str) -> None:
    if credentials.backend.name == "none":
        env = " or ".join(PLATFORMS[pid].token_env)
        raise E.CredentialStoreError(
            "No secret store is available to save the key.",
            hint=f"{NO_STORE_HINT}; or set {env} in the environment instead",
        )


def _env_note(credentials: CredentialStore, pid: str) -> list[str]:
    env = credentials.from_env(pid)
    if env is None:
        return []
    name = env.extra.get("env")
    return [f"{name} is set and is used instead of the saved key until you unset it"]


def _event(events: EventSink | None, pid: str, account: str, ok: bool, detail: str) -> None:
    if events is not None:
        events(pid, account, "authorize", ok, detail)


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _epoch(iso: Any) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
