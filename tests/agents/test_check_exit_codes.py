"""`test-integration` exit codes from a check's result (DESIGN.md section 2), no front end."""

from __future__ import annotations

from typing import Any

import pytest

from mktdirector.agents.ops.checks import exit_code


@pytest.mark.parametrize(
    ("result", "code"),
    [
        ({"status": "connected"}, 0),
        ({"status": "missing_credentials"}, 3),
        ({"status": "error", "error": "auth"}, 4),
        ({"status": "error", "error": "permission"}, 4),
        ({"status": "error", "error": "rate_limit"}, 5),
        # A setting the platform refuses (a retired Salesforce API version): exit 3, as for
        # every other configuration error (issue 15).
        ({"status": "error", "error": "config"}, 3),
        ({"status": "error", "error": "network"}, 6),
        ({"status": "error"}, 6),
    ],
)
def test_the_status_then_the_error_kind_names_the_exit_code(result: dict[str, Any], code: int):
    assert exit_code(result) == code
