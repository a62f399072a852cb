"""Shared rate-limit state, encrypted secrets and the connection index."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mktdirector.store.sqlite.db import immediate, now_utc

if TYPE_CHECKING:
    from sqlite_utils import Database

    from mktdirector.core.credentials import Connection
    from mktdirector.core.ratelimit import Transform

_RATE_COLUMNS = (
    "key", "platform", "account", "name", "kind", "tokens", "window_start", "count",
    "limit_value", "remaining", "reset_at", "blocked_until", "updated_at",
)  # fmt: skip


class RateStateMixin:
    db: Database

    def transact(self, keys: list[str], fn: Transform) -> float:
        """Read-modify-write of rate-limit rows under BEGIN IMMEDIATE (safe across processes)."""
        with immediate(self.db) as conn:
            marks = ",".join("?" * len(keys))
            cur = conn.execute(f"select * from rate_limit_state where key in ({marks})", keys)
            cols = [c[0] for c in cur.description]
            rows: dict[str, dict[str, Any] | None] = {k: None for k in keys}
            for r in cur.fetchall():
                rows[r[0]] = dict(zip(cols, r, strict=True))
            updates, result = fn(rows)
            for key, row in updates.items():
                values = [key if c == "key" else row.get(c) for c in _RATE_COLUMNS]
                conn.execute(
                    f"insert or replace into rate_limit_state ({','.join(_RATE_COLUMNS)}) "
                    f"values ({','.join('?' * len(_RATE_COLUMNS))})",
                    values,
                )
            return result

    def rate_limit_rows(self, platform: str | None = None) -> list[dict[str, Any]]:
        if platform:
            return list(
                self.db.query("select * from rate_limit_state where platform = ?", [platform])
            )
        return list(self.db.query("select * from rate_limit_state order by key"))


class SecretsMixin:
    db: Database

    def get_secret(self, key: str) -> bytes | None:
        rows = list(self.db.query("select ciphertext from secrets where key = ?", [key]))
        return bytes(rows[0]["ciphertext"]) if rows else None

    def put_secret(self, key: str, ciphertext: bytes) -> None:
        with immediate(self.db) as conn:
            conn.execute(
                "insert or replace into secrets (key, ciphertext, updated_utc) values (?, ?, ?)",
                [key, ciphertext, now_utc()],
            )

    def delete_secret(self, key: str) -> None:
        with immediate(self.db) as conn:
            conn.execute("delete from secrets where key = ?", [key])


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ConnectionsMixin:
    db: Database

    def record_connection(self, conn: Connection, store: str) -> None:
        table = self.db["connections"]
        existing = list(
            self.db.query(
                "select created_utc from connections where platform = ? and account = ?",
                [conn.platform, conn.account],
            )
        )
        table.upsert(
            {
                "platform": conn.platform,
                "account": conn.account,
                "store": store,
                "user_id": conn.user_id,
                "scopes": json.dumps(conn.scopes),
                "expires_utc": _iso(conn.expires_at),
                "obtained_utc": _iso(conn.obtained_at),
                "has_refresh": int(bool(conn.refresh_token)),
                "created_utc": existing[0]["created_utc"] if existing else now_utc(),
                "updated_utc": now_utc(),
            },
            pk=("platform", "account"),
        )

    def remove_connection(self, platform: str, account: str) -> None:
        self.db.execute(
            "delete from connections where platform = ? and account = ?", [platform, account]
        )
        self.db.conn.commit()

    def connections(self, platform: str | None = None) -> list[dict[str, Any]]:
        if not self.exists():  # type: ignore[attr-defined]
            return []  # a read must not create the database
        if platform:
            sql = "select * from connections where platform = ? order by account"
            return list(self.db.query(sql, [platform]))
        return list(self.db.query("select * from connections order by platform, account"))
