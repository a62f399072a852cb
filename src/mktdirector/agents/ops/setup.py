"""Initializing the home: idempotent, private permissions, never overwriting a user's file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mktdirector.core import keyring_choice, paths
from mktdirector.core.config_toml import HEADER
from mktdirector.store import StoreLike

BRAND_TEMPLATE = '''# Your brand voice. mktd puts these rules into every prompt and lints every draft against them.
# Edit with `mktd brand edit`; the file's hash is its version, recorded with every generation.

company = "Acme Analytics"
# Who you write for, in one sentence.
audience = "Heads of data at mid-size B2B companies"
# How you sound: a few adjectives.
tone = ["clear", "practical", "warm", "no hype"]

# Words and phrases to prefer, and ones that must never appear (lint errors).
use = ["customers", "measurable", "we"]
avoid = ["synergy", "game-changer", "revolutionary", "leverage"]

[hashtags]
# "none", "few" (at most max) or "free"
policy = "few"
max = 3
always = []

[emoji]
# "none", "sparingly" (at most max) or "free"
policy = "sparingly"
max = 2

[cta]
# Call to action style; required = every post should end with one.
style = "soft question or a link to read more"
required = false

# Example posts in your voice (the best teachers). Add as many as you like.
[[examples]]
platform = "linkedin"
text = """We cut our dashboard load time by 70%. Not with a new tool: by deleting 40 unused charts.
What would you delete first?"""
'''


def generate_secret_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _create(path: Any, text: str) -> bool:
    if path.exists():
        return False
    paths.write_private(path, text)
    return True


def initialize(home: Path, store: StoreLike) -> dict[str, Any]:
    """Create what is missing; leave everything that exists untouched."""
    home_created = not home.exists()
    paths.ensure_dir(home)
    # The keyring backend is discovered again at the next secret read (a keyring installed
    # since the last init is found): core/keyring_choice.py remembers it otherwise.
    keyring_choice.forget(home)
    files = [{"path": str(home), "created": home_created}]
    db_created = not store.exists()
    store.open()  # creates (0600) and migrates; PostgreSQL: migrates the shared database
    files.append({"path": store.location(), "created": db_created})
    files.append(
        {"path": str(paths.config_path(home)), "created": _create(paths.config_path(home), HEADER)}
    )
    files.append(
        {
            "path": str(paths.brand_path(home)),
            "created": _create(paths.brand_path(home), BRAND_TEMPLATE),
        }
    )
    logs = paths.log_path(home).parent
    logs_created = not logs.exists()
    paths.ensure_dir(logs)
    # The log file too (0600), so that a second `mktd init`, which logs, finds nothing to create.
    log_file = paths.log_path(home)
    if not log_file.exists():
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, paths.FILE_MODE))
    files.append({"path": str(logs), "created": logs_created})
    return {"home": str(home), "files": files}
