"""tests/mcp/test_mcp_publish.py, unchanged, with the product on PostgreSQL (see rerun.py).

Its `llm` and `assistant` fixtures live in tests/mcp/conftest.py, which pytest applies to that
folder only: they are taken from there too, so the MCP server is the same one."""

import importlib.util

from rerun import TESTS, on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("mcp/test_mcp_publish.py", globals())  # puts tests/mcp on sys.path first

_spec = importlib.util.spec_from_file_location("pg_rerun_mcp_conftest", TESTS / "mcp/conftest.py")
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
llm, assistant = _conftest.llm, _conftest.assistant
