"""The report's matched posts in PostgreSQL's own shape (store/sqlite/reporting.py has the rest).

Each segment's latest snapshot is kept on its post row (posts.latest_*, m028), as on SQLite:
no snapshot is read. (Before m028 the shared SQL picked it in a correlated subquery, which
PostgreSQL's planner ran by hashing the whole metric history; a LATERAL join replaced it, one
index seek per segment; the kept figures need neither.)

The sums are cast back to bigint: PostgreSQL's sum() of integers is `numeric`, which psycopg
can only load in Python (adapter.NumberLoader), one call per value of every post; a bigint
loads in C. The email part's sums and the sessions are cast too: `union all` gives a column
the wider of its parts' types, so one numeric part made every post's counts numeric (250k
Python loads in a 50k-post JSON report). The per-post columns and their values are the same as on SQLite (the store
contract suite runs the report on both).
"""

from __future__ import annotations

from mktdirector.store.sqlite.reporting import PER_DRAFT, ReportingMixin, email_sql, social_sql


class PgReportingMixin(ReportingMixin):
    report_social_sql = social_sql(cast="::bigint")
    report_email_sql = email_sql(cast="::bigint")
    report_per_draft_sql = PER_DRAFT  # no index hints: its planner has the statistics
    # round() of a float is a numeric round trip here: each post's costs are rounded once,
    # into the temp table (sqlite/reporting.py _ROUNDED).
    report_rounds_once = True
