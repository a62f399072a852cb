"""tests/test_worker_processes.py, unchanged, with the product on PostgreSQL (see rerun.py).

All of it: the test once left out here for its 2 s lease (a second worker had to start within
it) became `test_worker_killed_mid_post_is_taken_over_at_once_and_reconciled`, which keeps the
default 60 s lease and proves the takeover by the dead pid, so it needs no timing luck."""

from rerun import on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("test_worker_processes.py", globals())
