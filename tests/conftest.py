"""Isolation shared by every test: a private MKTD_HOME, no stray environment, no real keyring."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from mktdirector.core import platforms, redact
from pg_fixture import pg_cluster_session, pg_url  # noqa: F401  (the PostgreSQL server fixtures)

# Temporary files in RAM (tmp_path, the PostgreSQL server's directory) when /dev/shm is a
# roomy tmpfs and neither TMPDIR nor --basetemp chose a place. The suite never checks that a
# write reached the disk (the crash tests kill processes, which the page cache survives), and
# each SQLite commit's fsync on a disk made the inner loop slower: 101 s against 67 s, then
# 154 s against 129 s (-n 2, the same code, paired runs, load 1.6-5.8).
TMPFS = Path("/dev/shm")
TMPFS_FREE_BYTES = 2 * 1024**3  # Docker's default /dev/shm (64 MiB) cannot hold the server


def tmpfs_for_temp_files(environ: Mapping[str, str], basetemp: object) -> str | None:
    """/dev/shm when the tests' temporary files may live there, else None (the default)."""
    if basetemp or environ.get("TMPDIR") or not TMPFS.is_dir():
        return None
    try:
        stats = os.statvfs(TMPFS)
    except OSError:
        return None
    roomy = stats.f_bavail * stats.f_frsize >= TMPFS_FREE_BYTES
    return str(TMPFS) if roomy and os.access(TMPFS, os.W_OK | os.X_OK) else None


def pytest_configure(config: pytest.Config) -> None:
    # Before tmp_path_factory picks its base directory (on first use, from gettempdir()).
    place = tmpfs_for_temp_files(os.environ, config.option.basetemp)
    if place is not None:
        tempfile.tempdir = place


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict (one instance per test)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


# Defining a backend registers it for keyring's auto-detection; keep it out of that.
with contextlib.suppress(AttributeError):
    keyring.backend.KeyringBackend._classes.discard(MemoryKeyring)  # type: ignore[attr-defined]


def _platform_env_names() -> set[str]:
    names = {"SLACK_WEBHOOK_URL"}
    for info in platforms.PLATFORMS.values():
        names.update(info.token_env)
        names.update(info.env)
    return names


class FakeClock:
    """A clock whose sleep() records the wait and moves time forward instead of sleeping."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)

    __call__ = sleep


def _reset_process_state() -> None:
    from mktdirector.cli import _deps, _output

    _deps.finish()
    # `.env` is read once per process; forget that, wherever the loader lives.
    loader = sys.modules[_deps.load_dotenv_once.__module__]
    if hasattr(loader, "_dotenv_loaded"):
        loader._dotenv_loaded = False  # type: ignore[attr-defined]
    _output.reset()
    with redact._lock:
        redact._secrets.clear()
    log = logging.getLogger("mktd")
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MKTD_HOME in a temp dir (not created: `mktd init` does that), cwd without a .env."""
    for name in list(os.environ):
        if name.startswith(("MKTD_", "OPENAI_")) or name in _platform_env_names():
            monkeypatch.delenv(name, raising=False)
    path = tmp_path / "mktd-home"
    monkeypatch.setenv("MKTD_HOME", str(path))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    original = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    _reset_process_state()
    try:
        yield path
    finally:
        _reset_process_state()
        keyring.set_keyring(original)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    """The in-memory keyring installed for this test."""
    kr = keyring.get_keyring()
    assert isinstance(kr, MemoryKeyring)
    return kr


@pytest.fixture
def fail_keyring() -> fail.Keyring:
    """No usable OS keyring, as on a headless server."""
    kr = fail.Keyring()
    keyring.set_keyring(kr)
    return kr


@pytest.fixture
def brand_voice(home: Path) -> Path:
    """A filled-in brand.toml: publishing LLM text needs the user's voice (issue 11 item 6)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "brand.toml"
    path.write_text('company = "Northwind Bikes"\naudience = "commuters"\ntone = ["plain"]\n')
    return path


@pytest.fixture
def store(home: Path) -> Iterator[Any]:
    """A Store on the test's home database (the file the CLI uses too)."""
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    s = Store(db_path(home))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def file_store(tmp_path: Path) -> Iterator[Any]:
    """An open Store on a database file of its own in tmp_path, not the home's (`store`): for
    tests of the store's commits and indexes that want nothing else on that file."""
    from mktdirector.store import Store

    s = Store(tmp_path / "mktd.db")
    s.open()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def no_sleep(clock: FakeClock) -> FakeClock:
    """Pass as `sleep=`: records each wait in `.sleeps` and advances the fake clock."""
    return clock


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Invoke `mktd ARGS` in-process; the result has separate `.stdout` and `.stderr`."""
    from typer.testing import CliRunner

    from mktdirector.cli import app_for

    def invoke(
        *args: str | Sequence[str],
        env: dict[str, str] | None = None,
        input: str | None = None,
        catch_exceptions: bool = False,
    ) -> Any:
        argv: list[str] = []
        for a in args:
            argv.extend([a] if isinstance(a, str) else a)
        runner = CliRunner()
        app = app_for(argv)  # what main() runs: only the group argv names (issue 17)
        return runner.invoke(
            app, argv, env=env, input=input, catch_exceptions=catch_exceptions, color=False
        )

    return invoke
