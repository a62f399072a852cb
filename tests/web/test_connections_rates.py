"""The connections page shows rate-limit usage as bars per platform and account (as the
status page does), so a marketer sees how close an account is to its limit where it connects."""

from __future__ import annotations

import re
import time
from typing import Any


def test_connections_page_draws_a_bar_per_platform_and_account(browser: Any, home: Any) -> None:
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    store = Store(db_path(home))
    reset = time.time() + 3 * 3600
    store.db["connections"].insert(
        {"platform": "twitter", "account": "brand", "store": "keyring", "has_refresh": 1}
    )
    store.db["rate_limit_state"].insert_all([
        {"key": "twitter|brand|server:all", "platform": "twitter", "account": "brand",
         "name": "server:all", "kind": "server", "limit_value": 50, "remaining": 20,
         "reset_at": reset},
        {"key": "twitter|other|server:all", "platform": "twitter", "account": "other",
         "name": "server:all", "kind": "server", "limit_value": 900, "remaining": 0,
         "reset_at": reset},
    ])  # fmt: skip
    store.close()
    page = browser.get("/ui/connections").text
    bars = re.findall(r'<progress[^>]*value="(\d+)"[^>]*max="(\d+)"', page)
    assert ("30", "50") in bars  # brand: 30 of 50 used
    assert ("900", "900") in bars  # an account with limits but no stored token is listed too
    table = page[page.index('id="rate-limits"') :]
    row = table[table.index("brand") :]
    assert "30/50" in row[: row.index("</tr>")]


def test_connections_page_without_limits_says_so(browser: Any) -> None:
    page = browser.get("/ui/connections").text
    assert "<progress" not in page
    assert "Rate limits" in page
