"""Shared rate-limit state, encrypted secrets and the connection index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from mktdirector.store.rows import ConnectionRow, RateLimitRow
from mktdirector.store.sqlite.db import RELAXED, Connected, immediate
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.stamps import now_utc

if TYPE_CHECKING:
    from mktdirector.core.credentials import Connection
    from mktdirector.core.ratelimit import Transform

_RATE_COLUMNS = (
    "key", "platform", "account", "name", "kind", "tokens", "window_start", "count",
    "limit_value", "remaining", "reset_at", "blocked_until", "updated_at", "recent_calls",
)  # fmt: skip
# A row's key names its platform: an update never sets it again, so the platform index is not
# rewritten (one page fewer in the choke point's commits). Built once, not per call.
_UPSERT_RATE = SQLITE.upsert(
    "rate_limit_state", _RATE_COLUMNS, ("key",), [c for c in _RATE_COLUMNS[2:]]
)
_RATE_VALUES = _RATE_COLUMNS[1:]  # an update's row, after its key


@lru_cache(maxsize=16)
def _upsert_rates(n: int) -> str:
    """_UPSERT_RATE for n rows at once (their keys differ: they come from one dict)."""
    one = f"({SQLITE.marks(len(_RATE_COLUMNS))})"
    return _UPSERT_RATE.replace(f" values {one} ", f" values {', '.join([one] * n)} ", 1)


@lru_cache(maxsize=64)
def _merge_rate(columns: tuple[str, ...]) -> str:
    unknown = set(columns) - set(_RATE_VALUES)
    if unknown:
        raise ValueError(f"not a rate_limit_state column: {sorted(unknown)}")
    # As _UPSERT_RATE: an update never sets the platform again (its index page stays clean).
    update = [c for c in columns if c != "platform"]
    return SQLITE.upsert("rate_limit_state", ("key", *columns), ("key",), update)


@lru_cache(maxsize=16)
def _select_rates(n: int) -> str:
    return (
        f"select {', '.join(_RATE_COLUMNS)} from rate_limit_state where key in ({SQLITE.marks(n)})"
    )


class RateStateMixin(Connected):
    def transact(self, keys: list[str], fn: Transform) -> float:
        """Read-modify-write of rate-limit rows under BEGIN IMMEDIATE (safe across processes).

        Relaxed durability: a power cut may lose the last few updates (the limits then count a
        few calls fewer); a killed process loses nothing that was committed."""
        # Twice per HTTP request (benchmarks/choke_point.py): the statements are built once per
        # key count, rows are read by position (named columns, not `*`: the same on PostgreSQL).
        with immediate(self.db, durability=RELAXED) as conn:
            found = conn.execute(_select_rates(len(keys)), keys).fetchall()
            rows: dict[str, dict[str, Any] | None] = dict.fromkeys(keys)
            for r in found:
                rows[r[0]] = dict(zip(_RATE_COLUMNS, r, strict=True))
            updates, result = fn(rows)
            if updates:  # one statement for all of them (a reservation writes two or three)
                values = [
                    v for key, row in updates.items() for v in (key, *map(row.get, _RATE_VALUES))
                ]
                conn.execute(_upsert_rates(len(updates)), values)
            return result

    def merge(self, updates: dict[str, dict[str, Any]]) -> None:
        """Set these columns of these rows (inserting the missing ones), leave the others as they
        are: what an answer said, when no old value is needed, without reading the rows first."""
        with immediate(self.db, durability=RELAXED) as conn:
            for key, row in updates.items():
                conn.execute(_merge_rate(tuple(row)), [key, *row.values()])

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One relaxed transaction that the rate updates and audit rows made inside it join:
        the choke point's bookkeeping after an answer is one commit, not two."""
        with immediate(self.db, durability=RELAXED):
            yield

    def rate_limit_rows(self, platform: str | None = None) -> list[RateLimitRow]:
        if platform:
            sql, params = "select * from rate_limit_state where platform = ?", [platform]
        else:
            sql, params = "select * from rate_limit_state order by key", []
        return cast(list[RateLimitRow], list(self.db.query(sql, params)))


class SecretsMixin(Connected):
    def get_secret(self, key: str) -> bytes | None:
        rows = list(self.db.query("select ciphertext from secrets where key = ?", [key]))
        return bytes(rows[0]["ciphertext"]) if rows else None

    def put_secret(self, key: str, ciphertext: bytes) -> None:
        with immediate(self.db) as conn:
            conn.execute(
                SQLITE.upsert("secrets", ("key", "ciphertext", "updated_utc"), ("key",)),
                [key, ciphertext, now_utc()],
            )

    def delete_secret(self, key: str) -> None:
        with immediate(self.db) as conn:
            conn.execute("delete from secrets where key = ?", [key])

    def secret_keys(self) -> list[str]:
        return [r["key"] for r in self.db.query("select key from secrets order by key")]

    def replace_secret(self, key: str, expected: bytes, ciphertext: bytes) -> bool:
        # Compare-and-set: a token another process saved meanwhile is never overwritten.
        with immediate(self.db) as conn:
            cur = conn.execute(
                "update secrets set ciphertext = ?, updated_utc = ? where key = ? and ciphertext = ?",
                [ciphertext, now_utc(), key, expected],
            )
            return bool(cur.rowcount == 1)


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ConnectionsMixin(Connected):
    def record_connection(self, conn: Connection, store: str) -> None:
        table = self.db.table("connections")
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

    def connections(self, platform: str | None = None) -> list[ConnectionRow]:
        if not self.exists():
            return []  # a read must not create the database
        if platform:
            sql, params = (
                "select * from connections where platform = ? order by account",
                [platform],
            )
        else:
            sql, params = "select * from connections order by platform, account", []
        return cast(list[ConnectionRow], list(self.db.query(sql, params)))
