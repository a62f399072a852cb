"""Where mktd keeps its files, and creating them with private permissions."""

from __future__ import annotations

import os
from pathlib import Path

from mktdirector.core.errors import ConfigError

DIR_MODE = 0o700
FILE_MODE = 0o600


def home() -> Path:
    """`$MKTD_HOME`, else the platform's user data dir (created lazily, not here)."""
    env = os.environ.get("MKTD_HOME", "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("mktd", appauthor=False))


def db_path(root: Path | None = None) -> Path:
    return (root or home()) / "mktd.db"


def config_path(root: Path | None = None) -> Path:
    return (root or home()) / "config.toml"


def brand_path(root: Path | None = None) -> Path:
    return (root or home()) / "brand.toml"


def log_path(root: Path | None = None) -> Path:
    return (root or home()) / "logs" / "mktd.log"


def ensure_dir(path: Path) -> Path:
    """Create a private directory (0700), or explain in one line why it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        if (path.stat().st_mode & 0o777) != DIR_MODE:
            path.chmod(DIR_MODE)
    except OSError as e:
        raise ConfigError(
            f"Cannot use {path} as the mktd home: {e.strerror or e}.",
            hint="Set MKTD_HOME to a directory you can write, e.g. export MKTD_HOME=~/.mktd",
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(
            f"Cannot write to {path}.",
            hint="Set MKTD_HOME to a directory you can write, e.g. export MKTD_HOME=~/.mktd",
        )
    return path


def write_private(path: Path, text: str) -> None:
    """Write a file atomically with 0600 permissions (temp file + rename)."""
    ensure_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            f"Cannot write {path}: {e.strerror or e}.",
            hint="Check the permissions of the mktd home (mktd status shows where it is).",
        ) from None
