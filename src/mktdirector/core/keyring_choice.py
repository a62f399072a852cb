"""Which OS keyring backend mktd uses: discovered once, then remembered in the mktd home.

keyring's own discovery imports every backend module and asks each one whether it is viable;
on Linux the macOS backend's probe alone runs ctypes' find_library (ldconfig, gcc, ld: ~15
processes) and the whole discovery cost ~80 ms on every `mktd` run (issue 17). mktd remembers
the class discovery chose in `<home>/keyring-backend` ("module.Class", keyring's own naming) and
constructs it directly next time through `keyring.core.load_keyring`, which still asks the class
whether it is viable; when that fails (uninstalled, daemon gone) it discovers again.

keyring's own configuration always wins over the remembered choice: PYTHON_KEYRING_BACKEND,
keyring's config file (keyringrc.cfg), and a backend set in-process with `keyring.set_keyring`.

Nothing here imports keyring until a secret is read or written (importing it costs ~60 ms).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mktdirector.core import paths

REMEMBERED_FILE = "keyring-backend"
ENV_OVERRIDE = "PYTHON_KEYRING_BACKEND"

# Discovery's answers that mean "no keyring" (a headless server, a container). They are
# remembered as "none" together with what they depend on (the D-Bus session, the Python
# environment), so a new session or environment discovers again; `mktd init` forgets the answer
# (run it after installing a keyring).
_NO_KEYRING_MODULES = ("keyring.backends.fail", "keyring.backends.null")
_NONE = "none"


def _environment() -> str:
    return f"{os.environ.get('DBUS_SESSION_BUS_ADDRESS', '')}|{sys.prefix}"


def remembered_path(home: Path | None = None) -> Path:
    return (home or paths.home()) / REMEMBERED_FILE


def _read(home: Path | None) -> str:
    try:
        return remembered_path(home).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def forget(home: Path | None = None) -> None:
    """Discover again next time (after installing or removing a keyring)."""
    remembered_path(home).unlink(missing_ok=True)


def remembered(home: Path | None = None) -> str | None:
    """The remembered backend's class name, or None (never chosen, none, or unreadable)."""
    name = _read(home)
    module, dot, cls = name.rpartition(".")
    dotted = all(part.isidentifier() for part in module.split("."))
    return name if dot and dotted and cls.isidentifier() else None


def _config_file_may_exist() -> bool:
    """Whether keyring's own config file may name a backend (then keyring decides).

    On Linux its location is known without importing keyring (keyring.util.platform_'s
    freedesktop rule); elsewhere we cannot tell cheaply, so we say "maybe".
    """
    if sys.platform != "linux":
        return True
    root = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(root, "python_keyring", "keyringrc.cfg").exists()


def overridden() -> bool:
    """True when keyring's own configuration (env or config file) chooses the backend."""
    return bool(os.environ.get(ENV_OVERRIDE)) or _config_file_may_exist()


def _set_in_process() -> bool:
    import keyring.core

    # keyring keeps the backend set by set_keyring (or an earlier discovery) in this module
    # global; there is no public "was one set" query, and asking get_keyring() would discover.
    return getattr(keyring.core, "_keyring_backend", None) is not None


def _name_of(kr: Any) -> str:
    cls = type(kr)
    return f"{cls.__module__}.{cls.__qualname__}"


def _remember(kr: Any, home: Path | None) -> None:
    name = _name_of(kr)
    if name.startswith(_NO_KEYRING_MODULES):
        name = f"{_NONE} {_environment()}"
    if _read(home) == name:
        return
    path = remembered_path(home)
    try:
        if path.parent.is_dir():  # never create the home just to remember this
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(name + "\n", encoding="utf-8")
            os.replace(tmp, path)
    except OSError:
        pass  # remembering is an optimisation: discovery runs again next time


def _load_remembered(name: str) -> Any | None:
    import keyring.core

    try:
        kr = keyring.core.load_keyring(name)
    except Exception:  # noqa: BLE001 - uninstalled, renamed or not viable: discover instead
        return None
    return kr if getattr(kr, "priority", 1) > 0 else None


def get_keyring(home: Path | None = None) -> Any:
    """The keyring backend to use, installed as keyring's current backend."""
    import keyring

    if _set_in_process() or overridden():
        return keyring.get_keyring()
    name = remembered(home)
    kr = _load_remembered(name) if name else None
    if kr is not None:
        keyring.set_keyring(kr)
        return kr
    kr = keyring.get_keyring()  # keyring's discovery
    _remember(kr, home)
    return kr


def known_unavailable(home: Path | None = None) -> bool:
    """True when the last discovery, in this same environment, found no keyring (no import)."""
    if overridden() or ("keyring.core" in sys.modules and _set_in_process()):
        return False
    return _read(home) == f"{_NONE} {_environment()}"


def describe_without_loading(home: Path | None = None) -> str | None:
    """The remembered backend's short name (e.g. "SecretService"), without importing keyring.

    None when keyring's own configuration decides or nothing is remembered: the caller then
    asks keyring itself.
    """
    if overridden() or ("keyring.core" in sys.modules and _set_in_process()):
        return None
    name = remembered(home)
    if name is None:
        return None
    module = name.rpartition(".")[0]
    return module.rsplit(".", 1)[-1]
