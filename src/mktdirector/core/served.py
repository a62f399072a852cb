"""Where a running `mktd serve` can be reached: `serve.json` in the home, written when it
starts and removed when it exits, so other doors (the MCP's refusals) can link the dashboard
without configuration. A record whose process is gone (a crash, a kill -9) is ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

FILENAME = "serve.json"


def record(home: Path, url: str) -> None:
    """Say this process serves the dashboard at `url` (atomically, readable by the owner only)."""
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / f".{FILENAME}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": url.rstrip("/"), "pid": os.getpid()}, f)
    os.replace(tmp, home / FILENAME)


def forget(home: Path) -> None:
    """Remove the record if it is this process's (another server may have replaced it)."""
    if _read(home).get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (home / FILENAME).unlink()


def running_url(home: Path) -> str | None:
    """The URL of the `mktd serve` that is running now, or None."""
    data = _read(home)
    url, pid = data.get("url"), data.get("pid")
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    return url


def _read(home: Path) -> dict[str, object]:
    try:
        data = json.loads((home / FILENAME).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
