"""The web app's API token in these tests (tests/web/conftest.py serves with it).

A module of its own, with a name no other test folder uses: a test module importing `conftest`
gets whichever folder's conftest pytest imported last (`pytest tests/web tests/mcp` failed).
"""

TOKEN = "test-api-token-0123456789abcdef"
