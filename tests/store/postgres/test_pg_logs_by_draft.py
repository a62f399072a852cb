"""tests/sandbox/test_logs_by_draft.py, unchanged, with the product on PostgreSQL (see rerun.py)."""

from rerun import fixtures_from_conftest, on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("sandbox/test_logs_by_draft.py", globals())
fixtures_from_conftest("sandbox", globals(), "sb")
