"""`mktd worker --install systemd|cron|launchd`: a ready unit, crontab line or plist.

Each runs `mktd worker --once` every minute with the absolute path of this mktd and this
MKTD_HOME, so it keeps working from a service manager's bare environment. The working directory
is the current one when it holds a `.env` (mktd reads `.env` from there), else the mktd home.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mktdirector.core.errors import UsageError

KINDS = ("systemd", "cron", "launchd")
UNIT = "mktd-worker"
LABEL = "io.mktd.worker"
CRON_MARK = "# mktd-worker"


@dataclass
class InstallPlan:
    kind: str
    files: list[tuple[Path, str]] = field(default_factory=list)  # where --write puts them
    enable: str = ""  # the command that switches it on
    text: str = ""  # what is printed without --write (cron: the crontab line)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "files": {str(p): body for p, body in self.files},
            "enable": self.enable,
            "text": self.text,
            "notes": self.notes,
            "written": [str(p) for p in self.written],
        }


def mktd_command() -> list[str]:
    """The absolute command that runs this mktd (the console script, else `python -m`)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "mktd" and argv0.exists():
        return [str(argv0.absolute())]
    beside = Path(sys.executable).with_name("mktd")
    if beside.exists():
        return [str(beside.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "mktdirector"]


def _workdir(home: Path) -> Path:
    cwd = Path.cwd()
    return cwd if (cwd / ".env").is_file() else home


def plan(kind: str, *, home: Path, environ: dict[str, str] | None = None) -> InstallPlan:
    """The files (and enable command) for `kind`; nothing is written here."""
    env = dict(os.environ if environ is None else environ)
    home = home.expanduser().absolute()
    cmd = [*mktd_command(), "worker", "--once"]
    workdir = _workdir(home)
    if kind == "systemd":
        return _systemd(cmd, home, workdir, env)
    if kind == "cron":
        return _cron(cmd, home, workdir)
    if kind == "launchd":
        return _launchd(cmd, home, workdir, env)
    raise UsageError(f"Unknown install target {kind!r}.", hint=f"Use one of: {', '.join(KINDS)}")


def _systemd_quote(word: str) -> str:
    word = word.replace("%", "%%")  # systemd expands %-specifiers
    if word and all(c.isalnum() or c in "/._-:=+@,%" for c in word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _systemd(cmd: list[str], home: Path, workdir: Path, env: dict[str, str]) -> InstallPlan:
    base = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME", "~")) / ".config")
    unit_dir = base.expanduser() / "systemd" / "user"
    service = (
        "[Unit]\n"
        "Description=mktd worker: scheduled posts, retries, analytics and token refresh\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"Environment={_systemd_quote(f'MKTD_HOME={home}')}\n"
        f"WorkingDirectory={_systemd_quote(str(workdir))}\n"
        f"ExecStart={' '.join(_systemd_quote(c) for c in cmd)}\n"
    )
    timer = (
        "[Unit]\n"
        "Description=Run the mktd worker every minute\n\n"
        "[Timer]\n"
        "OnCalendar=*-*-* *:*:00\n"
        "Persistent=true\n"
        "AccuracySec=5s\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    files = [(unit_dir / f"{UNIT}.service", service), (unit_dir / f"{UNIT}.timer", timer)]
    text = "".join(f"# {p}\n{body}\n" for p, body in files)
    return InstallPlan(
        "systemd",
        files,
        enable=f"systemctl --user daemon-reload && systemctl --user enable --now {UNIT}.timer",
        text=text,
        notes=[
            f"To keep it running while you are logged out: loginctl enable-linger {env.get('USER', '$USER')}"
        ],
    )


def _cron(cmd: list[str], home: Path, workdir: Path) -> InstallPlan:
    log = home / "logs" / "worker-cron.log"
    line = (
        f"* * * * * cd {shlex.quote(str(workdir))} && MKTD_HOME={shlex.quote(str(home))} "
        f"{shlex.join(cmd)} >> {shlex.quote(str(log))} 2>&1 {CRON_MARK}"
    ).replace("%", "\\%")  # cron turns a bare % into a newline
    # Replace an earlier mktd line (found by its marker) rather than adding a second one.
    install = (
        f"(crontab -l 2>/dev/null | grep -v -F '{CRON_MARK}'; echo {shlex.quote(line)}) | crontab -"
    )
    return InstallPlan(
        "cron",
        [],
        enable=install,
        text=line + "\n",
        notes=[
            "cron has no desktop session, so no OS keyring: set MKTD_SECRET_KEY "
            "(mktd init --generate-secret-key) or use systemd/launchd"
        ],
    )


def _launchd(cmd: list[str], home: Path, workdir: Path, env: dict[str, str]) -> InstallPlan:
    agents = Path(env.get("HOME", "~")).expanduser() / "Library" / "LaunchAgents"
    path = agents / f"{LABEL}.plist"
    body = plistlib.dumps(
        {
            "Label": LABEL,
            "ProgramArguments": cmd,
            "EnvironmentVariables": {"MKTD_HOME": str(home)},
            "WorkingDirectory": str(workdir),
            "StartInterval": 60,
            "RunAtLoad": True,
            "StandardOutPath": str(home / "logs" / "worker.out.log"),
            "StandardErrorPath": str(home / "logs" / "worker.err.log"),
        }
    ).decode("utf-8")
    return InstallPlan(
        "launchd",
        [(path, body)],
        enable=f"launchctl bootstrap gui/$(id -u) {shlex.quote(str(path))}",
        text=f"# {path}\n{body}",
    )


def write(p: InstallPlan) -> InstallPlan:
    """Write the plan's files to their conventional places (cron: nothing, see `enable`)."""
    from mktdirector.core.errors import UsageError

    for path, body in p.files:
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise UsageError(f"Cannot write {path}: {e.strerror or e}.",
                             hint="Run without --write and install the printed file yourself") from None  # fmt: skip
        p.written.append(path)
    return p
