"""config.toml written back: flat dotted keys as one level of TOML tables (tomllib only reads)."""

from __future__ import annotations

from typing import Any


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        full = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, full + "."))
        else:
            out[full] = v
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"'


HEADER = (
    "# mktd configuration. Edit with `mktd config set KEY VALUE`; `mktd config show` lists it.\n"
)


def dump_toml(flat: dict[str, Any]) -> str:
    """Write flat dotted keys as TOML tables (our config is one level of tables deep)."""
    tables: dict[str, dict[str, Any]] = {}
    for key in sorted(flat):
        section, _, name = key.rpartition(".")
        tables.setdefault(section, {})[name] = flat[key]
    lines = [HEADER]
    for section, items in tables.items():
        if section:
            quoted = ".".join(f'"{p}"' if "-" in p else p for p in section.split("."))
            lines.append(f"\n[{quoted}]")
        for name, value in items.items():
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
