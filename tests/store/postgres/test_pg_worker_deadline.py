"""tests/hostile/test_worker_deadline.py, unchanged, with the product on PostgreSQL (see rerun.py)."""

from rerun import on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("hostile/test_worker_deadline.py", globals())
