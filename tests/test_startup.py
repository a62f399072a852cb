"""Issue 17 item 1 without timing: what offline commands import, and the remembered keyring.

The costs are in benchmarks/startup.py; these tests guard the wins: a read-only command imports
neither keyring nor twitter-text nor httpx, and a secret read goes through the backend
remembered in the mktd home instead of keyring's discovery, while keyring's own overrides win.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.core
import pytest

from mktdirector.core import keyring_choice
from mktdirector.core.credentials import KeyringBackend

MODULE = "mktd_test_remembered_keyring"


class RecordingKeyring(keyring.backend.KeyringBackend):
    """A viable backend that records every read (one store shared by its instances)."""

    priority = 5  # type: ignore[assignment]
    reads: list[str] = []
    store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        RecordingKeyring.reads.append(username)
        return RecordingKeyring.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        RecordingKeyring.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        RecordingKeyring.store.pop((service, username), None)


class OtherKeyring(RecordingKeyring):
    pass


# Defining a backend registers it for keyring's discovery; keep it out of that.
keyring.backend.KeyringBackend._classes.discard(RecordingKeyring)  # type: ignore[attr-defined]
keyring.backend.KeyringBackend._classes.discard(OtherKeyring)  # type: ignore[attr-defined]


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """As in a new `mktd` process: no backend chosen yet; discovery counted, not run."""
    module = types.ModuleType(MODULE)
    module.RecordingKeyring = RecordingKeyring  # type: ignore[attr-defined]
    module.OtherKeyring = OtherKeyring  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no keyringrc.cfg
    discoveries: list[str] = []

    def discover(*args: Any, **kwargs: Any) -> Any:
        discoveries.append("discovery")
        return RecordingKeyring()

    monkeypatch.setattr(keyring.core, "_detect_backend", discover)
    RecordingKeyring.reads.clear()
    RecordingKeyring.store.clear()
    return discoveries


def test_a_secret_read_goes_through_the_remembered_backend(
    fresh_process: list[str], tmp_path: Path
) -> None:
    home = Path(os.environ["MKTD_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    keyring_choice.remembered_path(home).write_text(f"{MODULE}.RecordingKeyring\n")
    RecordingKeyring.store[("mktd", "x:me")] = "tok-remembered-1"

    assert KeyringBackend.available()
    assert KeyringBackend().get("x:me") == "tok-remembered-1"

    assert RecordingKeyring.reads == ["x:me"]
    assert fresh_process == []  # keyring's discovery never ran


def test_discovery_runs_once_and_is_remembered(fresh_process: list[str]) -> None:
    home = Path(os.environ["MKTD_HOME"])
    home.mkdir(parents=True, exist_ok=True)

    assert KeyringBackend.available()
    assert fresh_process == ["discovery"]
    name = f"{RecordingKeyring.__module__}.RecordingKeyring"
    assert keyring_choice.remembered(home) == name


def test_an_unloadable_remembered_backend_falls_back_to_discovery(
    fresh_process: list[str],
) -> None:
    home = Path(os.environ["MKTD_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    keyring_choice.remembered_path(home).write_text("no_such_module_xyz.Keyring\n")

    assert KeyringBackend.available()
    assert fresh_process == ["discovery"]


def test_python_keyring_backend_wins_over_the_remembered_one(
    fresh_process: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.environ["MKTD_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    keyring_choice.remembered_path(home).write_text(f"{MODULE}.RecordingKeyring\n")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{MODULE}.OtherKeyring")

    # keyring's own init honours the variable (its _detect_backend is ours only in discovery).
    monkeypatch.setattr(keyring.core, "_detect_backend", lambda limit=None: keyring.core.load_env())
    assert isinstance(keyring_choice.get_keyring(home), OtherKeyring)
    assert keyring_choice.describe_without_loading(home) is None


def test_no_keyring_is_remembered_for_the_same_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_process: list[str]
) -> None:
    from keyring.backends import fail

    home = Path(os.environ["MKTD_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(keyring.core, "_detect_backend", lambda limit=None: fail.Keyring())

    assert not KeyringBackend.available()
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # the next process
    assert keyring_choice.known_unavailable(home)
    assert keyring_choice.remembered(home) is None
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1/bus")  # new session
    assert not keyring_choice.known_unavailable(home)


def _run_importtime(
    code: list[str], env: dict[str, str], cwd: Path, exit_code: int = 0
) -> tuple[str, set[str]]:
    """Run `python -X importtime <code>`: its stdout and the modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == exit_code, proc.stderr[-2000:]
    loaded = {
        line.rsplit("|", 1)[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    return proc.stdout, loaded


def _imported(
    args: list[str], home: Path, tmp_path: Path, exit_code: int = 0, **extra: str
) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MKTD_", "PYTHON"))}
    env.update(MKTD_HOME=str(home), NO_COLOR="1", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    env.update(extra)
    return _run_importtime(["-m", "mktdirector", *args], env, tmp_path, exit_code)[1]


@pytest.mark.slow
def test_read_only_commands_leave_heavy_modules_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    _imported(["status"], home, tmp_path)  # the keyring is discovered once, here, and remembered
    # pydantic too: the options left off are never converted (cli/_unset_options.py).
    heavy = (
        "pydantic",
        "keyring",
        "twitter_text",
        "httpx",
        "openai",
        "secretstorage",
        "jeepney",
        "sqlite_utils",
    )
    for args in (["drafts", "list"], ["queue", "list"], ["status"]):
        loaded = _imported(args, home, tmp_path)
        assert not [m for m in loaded if m.split(".")[0] in heavy], args
        assert "logging.handlers" not in loaded, args  # the log file opens on a first record
        assert "socket" not in loaded, args  # core/leases.py asks for the host name when needed


@pytest.mark.slow
def test_output_is_complete_when_the_final_collection_is_skipped(tmp_path: Path) -> None:
    """cli.main() freezes the GC at exit: stdout is still flushed whole, the log still written."""
    import json

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MKTD_", "PYTHON"))}
    env.update(MKTD_HOME=str(home), NO_COLOR="1", XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    mktd = [sys.executable, "-m", "mktdirector"]
    run = {"env": env, "cwd": tmp_path, "capture_output": True, "text": True, "timeout": 60}
    assert subprocess.run([*mktd, "init"], check=False, **run).returncode == 0  # type: ignore[call-overload]
    proc = subprocess.run([*mktd, "status", "--json"], check=False, **run)  # type: ignore[call-overload]
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["home"] == str(home)


@pytest.mark.slow
def test_auth_status_loads_neither_httpx_nor_the_oauth_flow(tmp_path: Path) -> None:
    """`auth status` reads the connection index: the token endpoint client stays unloaded."""
    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    loaded = _imported(["auth", "status"], home, tmp_path)
    assert "mktdirector.agents.auth.status" in loaded  # the command really ran its flow
    for absent in ("httpx", "authlib", "tenacity", "mktdirector.integrations.oauth.flow"):
        assert absent not in loaded, absent
    assert "mktdirector.agents.auth.authorize" not in loaded


@pytest.mark.slow
def test_the_llm_and_the_deadline_load_no_http_library() -> None:
    """The LLM module and the deadline import neither httpx nor openai; the transport does."""
    probe = (
        "import sys, mktdirector.llm, mktdirector.core.deadline as d\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'openai'))\n"
        "d.DeadlineTransport\n"
        "print(before, 'httpx' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["[]", "True"]


@pytest.mark.slow
def test_a_text_dry_run_loads_neither_the_llm_sdk_nor_httpx(tmp_path: Path) -> None:
    """`social P --text … --dry-run` writes its own text and builds no request (only
    `--publish --dry-run` shows one): neither the LLM SDK nor httpx nor a platform client loads."""
    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    args = ["social", "linkedin", "--text", "Hi", "--dry-run"]
    loaded = _imported(args, home, tmp_path)
    assert "mktdirector.agents.social.posting" in loaded  # the command really ran its flow
    heavy = ("openai", "httpx", "authlib", "tenacity")
    assert not [m for m in loaded if m.split(".")[0] in heavy]
    for client in ("linkedin", "twitter"):
        assert f"mktdirector.integrations.{client}.client" not in loaded
    assert "mktdirector.core.http" not in loaded
    # Nor what only writing, publishing or scheduling uses (imported by those functions).
    for absent in (
        "mktdirector.llm",
        "mktdirector.agents.content.generation",
        "mktdirector.agents.content.orchestrator",
        "mktdirector.agents.social.publishing",
        "mktdirector.agents.social.publisher",
        "mktdirector.agents.social.schedule",
        "mktdirector.core.slots",
        "mktdirector.core.xtext",  # X's text rules: LinkedIn's text is not split into a thread
    ):
        assert absent not in loaded, absent
    # Into a pipe, the draft's panel is written as rich draws it, without rich (cli/_plain.py).
    assert not [m for m in loaded if m.split(".")[0] == "rich"]
    assert "rich.panel" in _imported(args, home, tmp_path, TTY_COMPATIBLE="1")  # a terminal: rich


def _complete(words: str, cword: int, tmp_path: Path) -> tuple[str, set[str]]:
    """What bash's completion function gets on Tab, and what the process imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MKTD_", "PYTHON", "_MKTD"))}
    env.update(MKTD_HOME=str(tmp_path / "home"), NO_COLOR="1")
    env.update(_MKTD_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword))
    return _run_importtime(["-c", "from mktdirector.cli import main; main()"], env, tmp_path)


@pytest.mark.slow
def test_tab_completion_of_a_command_name_loads_no_pydantic(tmp_path: Path) -> None:
    """The root's --help and Typer's completion flags default to False, not None: Typer then
    skips converting them through pydantic, and completing `mktd dra` parses only those."""
    out, loaded = _complete("mktd dra", 1, tmp_path)
    assert out.split() == ["drafts"]
    assert not [m for m in loaded if m.split(".")[0] == "pydantic"]
    out, _ = _complete("mktd --", 1, tmp_path)
    assert {"--install-completion", "--show-completion", "--help", "--verbose"} <= set(out.split())


@pytest.mark.slow
def test_commands_with_only_flags_load_no_pydantic(tmp_path: Path) -> None:
    """Every --help resolved in a run defaults to False: a command whose other options are
    bool flags converts nothing through pydantic; one with an int option still does."""
    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    for args in (["status"], ["auth", "status"], ["status", "--json"]):
        loaded = _imported(args, home, tmp_path)
        assert not [m for m in loaded if m.split(".")[0] == "pydantic"], args
    assert "pydantic" in _imported(["drafts", "list", "--limit", "5"], home, tmp_path)


@pytest.mark.slow
def test_a_named_command_loads_only_its_own_group(tmp_path: Path) -> None:
    """`mktd status` registers the status group alone (cli.app_for): none of the other group
    modules loads; core.platforms declares the length limits without the text rules
    (core/text_limits.py), and drafts hash their content where they are written."""
    from mktdirector import cli

    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    _imported(["status"], home, tmp_path)  # the keyring is discovered once, here, and remembered
    groups = {f"mktdirector.cli.{row[0]}" for row in cli._REGISTRY}
    notices = "mktdirector.cli.notifications"  # every run's unread-alerts notice
    for args, own in (
        (["status"], "status"),
        (["drafts", "list"], "drafts"),
        (["queue", "list"], "queue"),
        (["auth", "status"], "auth"),
    ):
        loaded = _imported(args, home, tmp_path)
        assert loaded & groups == {f"mktdirector.cli.{own}", notices}, args
        # Nor what they never use: the text rules, and OpenSSL's hashlib (~2-4 ms).
        for absent in ("mktdirector.core.xtext", "mktdirector.core.linkedin_text", "html"):
            assert absent not in loaded, (args, absent)
        assert "_hashlib" not in loaded, args


@pytest.mark.slow
def test_simple_output_into_a_pipe_loads_no_rich(tmp_path: Path) -> None:
    """Stdout and stderr are pipes here: messages, lines and tables of printable ASCII are
    written as rich would print them, without rich (cli/_plain.py)."""
    home = tmp_path / "home"
    _imported(["init"], home, tmp_path)
    _imported(["status"], home, tmp_path)  # the keyring is discovered once, here, and remembered
    runs = {
        "nothing queued": (["queue", "list"], 0, "mktdirector.cli.views.queue"),
        "an error": (["drafts", "show", "nope"], 2, "mktdirector.core.errors"),
        "a table": (["drafts", "list"], 0, "mktdirector.cli.views.drafts"),
        "lines": (["auth", "status"], 0, "mktdirector.agents.auth.status"),
        "wrapped tables": (["status"], 0, "mktdirector.agents.ops.status"),
    }
    for what, (args, code, ran) in runs.items():
        loaded = _imported(args, home, tmp_path, exit_code=code)
        assert ran in loaded, what  # the command really ran
        assert not [m for m in loaded if m.split(".")[0] == "rich"], what
    # A terminal (here forced as rich allows) gets rich's styles: rich prints.
    assert "rich.table" in _imported(["status"], home, tmp_path, TTY_COMPATIBLE="1")
