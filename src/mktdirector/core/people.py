"""Who is acting: `MKTD_USER` (a team names its people), else the operating-system user.

Recorded on approvals, edits and publishes (drafts.approved_by / edited_by / published_by) so a
team sharing one database can see who did what. A name, never a secret.
"""

from __future__ import annotations

import getpass
import os

MAX_LEN = 80


def current_user() -> str:
    name = os.environ.get("MKTD_USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (a bare container)
            name = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return name[:MAX_LEN]
