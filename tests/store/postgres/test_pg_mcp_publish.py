"""tests/mcp/test_mcp_publish.py, unchanged, with the product on PostgreSQL (see rerun.py);
its `llm` and `assistant` fixtures come from tests/mcp/conftest.py, so the MCP server is the same."""

from rerun import fixtures_from_conftest, on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres("mcp/test_mcp_publish.py", globals())  # puts tests/mcp on sys.path first
fixtures_from_conftest("mcp", globals(), "llm", "assistant")
