"""tests/integrations/test_oauth.py, unchanged, with the product on PostgreSQL (see rerun.py):
token refresh then runs under the database's advisory lock instead of the home's file lock."""

from rerun import on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("integrations/test_oauth.py", globals())
