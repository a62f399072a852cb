"""The audit log (`http_calls`) and auth events: written per attempt, read by logs/status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from mktdirector.store.rows import AuditRow, AuthEvent
from mktdirector.store.sqlite.db import RELAXED, Connected, immediate
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.stamps import new_id, now_utc

if TYPE_CHECKING:
    from mktdirector.core.http import Exchange


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_CALL_COLUMNS = (
    "id", "time_utc", "platform", "account", "method", "path", "status", "duration_ms",
    "attempt", "request_id", "error_kind", "error_code", "rate_remaining", "rate_reset_utc",
    "correlation_id", "actor",
)  # fmt: skip
_INSERT_CALL = SQLITE.insert("http_calls", _CALL_COLUMNS)


class AuditMixin(Connected):
    def record_exchange(self, ex: Exchange) -> None:
        """One row per attempt, relaxed like the rate state: inside the choke point's batch
        (`RateStateMixin.batch`) it shares that commit; alone it is its own."""
        # The path is a template and carries no query string: keys can travel in queries.
        values = [
            new_id(), now_utc(), ex.platform, ex.account, ex.method, ex.path.split("?", 1)[0],
            ex.status, ex.duration_ms, ex.attempt, ex.request_id, ex.error_kind, ex.error_code,
            ex.rate_remaining, _iso(ex.rate_reset_at), ex.correlation_id, ex.actor,
        ]  # fmt: skip
        with immediate(self.db, durability=RELAXED) as conn:
            conn.execute(_INSERT_CALL, values)

    def calls(
        self,
        *,
        platform: str | None = None,
        errors_only: bool = False,
        after_id: str | None = None,
        since_utc: str | None = None,
        correlation_id: str | None = None,
        limit: int = 50,
    ) -> list[AuditRow]:
        """Newest `limit` calls matching the filters, returned oldest first."""
        where, params = ["1=1"], []
        if correlation_id:
            where.append("correlation_id = ?")
            params.append(correlation_id)
        if platform:
            where.append("platform = ?")
            params.append(platform)
        if errors_only:
            where.append("error_kind IS NOT NULL")
        if after_id:
            where.append("id > ?")
            params.append(after_id)
        if since_utc:
            where.append("time_utc >= ?")
            params.append(since_utc)
        sql = (
            f"select * from http_calls where {' and '.join(where)} "
            "order by time_utc desc, id desc limit ?"
        )
        rows = cast(list[AuditRow], list(self.db.query(sql, [*params, limit])))
        return list(reversed(rows))

    def record_auth_event(
        self, platform: str, account: str | None, event: str, ok: bool, detail: str = ""
    ) -> None:
        from mktdirector.core.redact import redact

        self.db.table("auth_events").insert(
            {
                "id": new_id(),
                "time_utc": now_utc(),
                "platform": platform,
                "account": account,
                "event": event,
                "ok": int(ok),
                "detail": redact(detail)[:300],
            }
        )

    def auth_events(self, platform: str | None = None, limit: int = 20) -> list[AuthEvent]:
        if platform:
            sql = "select * from auth_events where platform = ? order by time_utc desc limit ?"
            return cast(list[AuthEvent], list(self.db.query(sql, [platform, limit])))
        sql = "select * from auth_events order by time_utc desc limit ?"
        return cast(list[AuthEvent], list(self.db.query(sql, [limit])))

    def platform_call_summary(self, since_utc: str) -> dict[str, dict[str, Any]]:
        """Calls, errors and last success per platform since a time (for status)."""
        sql = """
            select platform, count(*) as calls,
                   sum(case when error_kind is not null then 1 else 0 end) as errors,
                   max(case when error_kind is null then time_utc end) as last_ok,
                   max(case when error_kind is not null then time_utc end) as last_error
            from http_calls where time_utc >= ? group by platform
        """
        return {r["platform"]: r for r in self.db.query(sql, [since_utc])}
