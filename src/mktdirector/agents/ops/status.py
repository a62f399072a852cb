"""What `mktd status` reports: home, database, secret store, per-platform credentials, and
(once the database exists) the monitoring figures of agents/ops/monitoring.py under `monitoring`."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mktdirector.core import paths
from mktdirector.core.credentials import CredentialStore, KeyringBackend
from mktdirector.core.errors import MktdError
from mktdirector.core.platforms import PLATFORMS
from mktdirector.store import StoreLike


def secret_store_name(mode: str) -> str:
    """Which store saving would use, without touching the keyring (so status never hangs)."""
    mode = (mode or "auto").lower()
    if mode in {"auto", "keyring"}:
        from mktdirector.core.keyring_choice import describe_without_loading

        # The backend remembered at the last secret read/write: no keyring import (~60 ms).
        remembered = describe_without_loading()
        if remembered:
            return f"keyring ({remembered})"
    if mode in {"auto", "keyring"} and KeyringBackend.available():
        import keyring

        return f"keyring ({type(keyring.get_keyring()).__module__.rsplit('.', 1)[-1]})"
    from mktdirector.core.secret_key import configured_source

    source = configured_source()  # MKTD_SECRET_KEY, its _FILE or _AWS_SECRET_ID (not read here)
    if source:
        return f"encrypted database table ({source})"
    return "none (no keyring, MKTD_SECRET_KEY unset: credentials can only come from env)"


def gather_status(
    home: Path,
    store: StoreLike,
    credentials: CredentialStore,
    secrets_mode: str,
    *,
    now: datetime | None = None,
    llm_base_url: str | None = None,
) -> dict[str, Any]:
    """Status as a JSON-ready dict. The keys present before monitoring existed keep their
    meaning; `notifications_unread` and `monitoring` appear once there is a database."""
    from mktdirector.agents.ops.monitoring import gather_monitoring

    now = now or datetime.now(UTC)
    db = paths.db_path(home)
    shared = store.location() != str(db)  # PostgreSQL (database.url): no file in the home
    exists = _exists(store) if shared else db.exists()
    status: dict[str, Any] = {
        "home": str(home),
        "initialized": home.is_dir() and exists,
        "database": {"path": store.location(), "exists": exists},
        "secret_store": secret_store_name(secrets_mode),
        "platforms": [],
    }
    if shared:
        status["database"]["backend"] = "postgresql"
    connections: Sequence[Mapping[str, Any]] = []
    summary: dict[str, dict[str, Any]] = {}
    if exists:
        if not shared:
            status["database"]["size_bytes"] = db.stat().st_size
        try:
            connections = store.connections()
            since = (now - timedelta(hours=24)).isoformat(timespec="seconds")
            summary = store.platform_call_summary(since.replace("+00:00", "Z"))
            status["notifications_unread"] = store.unread_count()
            status["monitoring"] = gather_monitoring(store, credentials, now=now)
        except MktdError as e:
            status["database"]["error"] = e.message
        except sqlite3.DatabaseError as e:  # a damaged page met while reading: say so, go on
            status["database"]["error"] = f"unreadable: {e}"
    for pid, info in PLATFORMS.items():
        env = credentials.from_env(pid)
        stored = [c for c in connections if c["platform"] == pid]
        calls = summary.get(pid, {})
        status["platforms"].append(
            {
                "platform": pid,
                "label": info.label,
                "ready": info.ready,
                "credentials": (
                    f"env ({env.extra['env']})"
                    if env
                    else ", ".join(f"{c['account']} ({c['store']})" for c in stored)
                    or _keyless(pid, llm_base_url)
                ),
                "accounts": [c["account"] for c in stored],
                "calls_24h": calls.get("calls", 0),
                "errors_24h": calls.get("errors", 0),
                "last_ok": calls.get("last_ok"),
                "last_error": calls.get("last_error"),
            }
        )
    return status


def _exists(store: StoreLike) -> bool:
    try:
        return store.exists()
    except MktdError:
        return False  # an unreachable server: status still shows the rest


def _keyless(pid: str, llm_base_url: str | None) -> str:
    """An LLM on its own endpoint (Ollama, vLLM) works without a key: not "missing"."""
    if pid == "openai" and llm_base_url:
        from urllib.parse import urlparse

        return f"no key needed ({urlparse(llm_base_url).netloc or llm_base_url})"
    return "missing"
