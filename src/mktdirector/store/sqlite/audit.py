"""The audit log (`http_calls`) and auth events: written per attempt, read by logs/status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from mktdirector.store.rows import AuditRow, AuthEvent
from mktdirector.store.sqlite.db import Connected
from mktdirector.store.stamps import new_id, now_utc

if TYPE_CHECKING:
    from mktdirector.core.http import Exchange


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class AuditMixin(Connected):
    def record_exchange(self, ex: Exchange) -> None:
        # The path is a template and carries no query string: keys can travel in queries.
        self.db.table("http_calls").insert(
            {
                "id": new_id(),
                "time_utc": now_utc(),
                "platform": ex.platform,
                "account": ex.account,
                "method": ex.method,
                "path": ex.path.split("?", 1)[0],
                "status": ex.status,
                "duration_ms": ex.duration_ms,
                "attempt": ex.attempt,
                "request_id": ex.request_id,
                "error_kind": ex.error_kind,
                "error_code": ex.error_code,
                "rate_remaining": ex.rate_remaining,
                "rate_reset_utc": _iso(ex.rate_reset_at),
                "correlation_id": ex.correlation_id,
            }
        )

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
