"""Configuration: declared keys, `config.toml`, environment, precedence.

Precedence for every setting: CLI flag > environment > (secret store, for secrets only, see
credentials.py) > config.toml > default. Unknown keys are refused so typos surface at once.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mktdirector.core import paths
from mktdirector.core.errors import ConfigError, UsageError

Parser = Callable[[str], Any]


def _bool(s: str) -> bool:
    v = s.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _positive_float(s: str) -> float:
    v = float(s)
    if v <= 0:
        raise ValueError("must be greater than 0")
    return v


def _non_negative_float(s: str) -> float:
    v = float(s)
    if not v >= 0:
        raise ValueError("must be 0 or more")
    return v


def _non_negative_int(s: str) -> int:
    v = int(s)
    if v < 0:
        raise ValueError("must be 0 or more")
    return v


def _port(s: str) -> int:
    v = int(s)
    if not 1024 <= v <= 65535:
        raise ValueError("must be a port between 1024 and 65535")
    return v


def _url(s: str) -> str:
    v = s.strip().rstrip("/")
    if not v.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return v


def _database_url(s: str) -> str:
    from urllib.parse import urlsplit

    v = s.strip()
    parts = urlsplit(v)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise ValueError("must be postgresql://user@host:5432/dbname")
    if parts.password is not None:
        # config show, status and logs print this URL: the password goes where libpq finds it.
        raise ValueError("must not contain a password: put it in PGPASSWORD or ~/.pgpass")
    return v


def _linkedin_version(s: str) -> str:
    v = s.strip()
    if len(v) != 6 or not v.isdigit() or not 1 <= int(v[4:]) <= 12:
        raise ValueError("must be YYYYMM, e.g. 202610")
    problem = linkedin_version_problem(v, datetime.now(UTC))
    if problem:
        raise ValueError(problem)
    return v


def linkedin_version_problem(version: str, today: datetime) -> str | None:
    """Why LinkedIn would refuse this YYYYMM version today (426 NONEXISTENT_VERSION), or None.

    LinkedIn serves each monthly version for 12 months from its month, and none before it
    exists; the sandbox applies the same rule.
    """
    age = (today.year - int(version[:4])) * 12 + today.month - int(version[4:])
    latest = f"{today.year}{today.month:02d}"
    if age > 12:
        return f"LinkedIn has sunset version {version} (versions live 12 months; try {latest})"
    if age < 0:
        return f"version {version} is in the future (LinkedIn's newest is at most {latest})"
    return None


def _price(s: str) -> str:
    parts = s.strip().split("/")
    if len(parts) != 2 or any(float(p) < 0 for p in parts):
        raise ValueError("expected IN/OUT in USD per million tokens, e.g. 0.25/2.00")
    return s.strip()


@dataclass(frozen=True)
class ConfigKey:
    pattern: str  # exact key, or a glob such as "*.base_url"
    parse: Parser
    default: Any
    help: str
    env: str | None = None  # environment variable that overrides config.toml
    # What the `*` of a pattern may stand for; empty = a platform id (leading `*`) or anything.
    star: tuple[str, ...] = ()


def _zone(s: str) -> str:
    from mktdirector.core.when import zone_name

    return zone_name(s)


def _slots(s: str) -> str:
    from mktdirector.core.when import normalize_slots

    return normalize_slots(s)


def _late_policy(s: str) -> str:
    v = s.strip().lower()
    if v not in {"publish-late", "skip"}:
        raise ValueError("expected publish-late or skip")
    return v


def _email_address(s: str) -> str:
    v = s.strip()
    if v.count("@") != 1 or " " in v or "." not in v.rpartition("@")[2]:
        raise ValueError("expected an email address, e.g. you@example.com")
    return v


def _fraction(s: str) -> float:
    v = float(s)
    if not 0 < v <= 1:
        raise ValueError("must be more than 0 and at most 1, e.g. 0.5")
    return v


def _positive_int(s: str) -> int:
    v = int(s.strip())
    if v <= 0:
        raise ValueError("must be a whole number above 0")
    return v


def _https_url(s: str) -> str:
    v = _url(s)
    if not v.startswith("https://"):
        raise ValueError("must start with https:// (one-click unsubscribe is an HTTPS POST)")
    return v


def _address(s: str) -> str:
    v = s.strip().removeprefix("mailto:")
    if "@" not in v or " " in v or v.startswith("@") or v.endswith("@"):
        raise ValueError("must be an email address, e.g. unsubscribe@example.com")
    return v


def _choice(*allowed: str) -> Parser:
    def parse(s: str) -> str:
        v = s.strip().upper()
        if v not in allowed:
            raise ValueError(f"expected one of: {', '.join(allowed)}")
        return v

    return parse


def _capable(capability: str) -> Parser:
    """A parser for a platform id that has `capability` in the platform table."""

    def parse(s: str) -> str:
        from mktdirector.core.platforms import PLATFORMS, Capability, with_capability

        key = s.strip().lower()
        key = next((p.id for p in PLATFORMS.values() if key in p.aliases), key)
        ids = with_capability(Capability(capability))
        if key not in ids:
            raise ValueError(f"expected one of: {', '.join(ids)}")
        return key

    return parse


def _social_list(s: str) -> list[str]:
    """`twitter,linkedin` (aliases allowed; empty = none) as social platform ids."""
    parse = _capable("social")
    return list(dict.fromkeys(parse(p) for p in s.replace(" ", ",").split(",") if p.strip()))


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("llm.model", str, "gpt-5-mini", "Model name sent to the LLM endpoint.", "MKTD_MODEL"),
    ConfigKey(
        "llm.base_url", _url, None, "OpenAI-compatible endpoint (Ollama, vLLM…).", "OPENAI_BASE_URL"
    ),
    ConfigKey("llm.timeout", _positive_float, 120.0, "Seconds before an LLM call times out."),
    ConfigKey("http.timeout", _positive_float, 30.0, "Seconds before a platform call times out."),
    ConfigKey("http.max_retries", _non_negative_int, 3, "Retries for network errors and 5xx."),
    # Total deadlines (issue 12): httpx's timeouts are per read, these bound a whole attempt.
    ConfigKey(
        "http.deadline",
        _positive_float,
        60.0,
        "Seconds one platform call may take in all (a slow server is cut off).",
        "MKTD_HTTP_DEADLINE",
    ),
    ConfigKey(
        "http.upload_deadline",
        _positive_float,
        600.0,
        "Seconds one media upload request may take in all.",
        "MKTD_UPLOAD_DEADLINE",
    ),
    ConfigKey("*.deadline", _positive_float, None, "Seconds one call to this platform may take."),
    ConfigKey(
        "llm.deadline",
        _positive_float,
        300.0,
        "Seconds one LLM generation may take in all.",
        "MKTD_LLM_DEADLINE",
    ),
    ConfigKey(
        "http.max_wait",
        _non_negative_float,
        60.0,
        "Longest wait (s) for a rate limit before queueing instead.",
        "MKTD_MAX_WAIT",
    ),
    ConfigKey(
        "linkedin.version",
        _linkedin_version,
        "202610",
        "LinkedIn-Version header (YYYYMM, < 1 year old).",
        "MKTD_LINKEDIN_VERSION",
    ),
    ConfigKey(
        "linkedin.visibility",
        _choice("PUBLIC", "CONNECTIONS", "LOGGED_IN"),
        "PUBLIC",
        "Who sees LinkedIn posts: PUBLIC, CONNECTIONS or LOGGED_IN.",
    ),
    ConfigKey("*.base_url", _url, None, "API base URL override for a platform."),
    ConfigKey("*.auth_url", _url, None, "OAuth authorize URL override for a platform."),
    ConfigKey("*.token_url", _url, None, "OAuth token URL override for a platform."),
    ConfigKey("*.account", str, None, "Default account name for a platform."),
    ConfigKey("crm.platform", _capable("crm"), "hubspot", "CRM the crm commands use."),
    ConfigKey(
        "email.platform", _capable("email"), "sendgrid", "Email platform the email commands use."
    ),
    ConfigKey(
        "mailchimp.audience",
        str,
        None,
        "Audience id `email send --via mailchimp` sends to when --audience is not given.",
        "MKTD_MAILCHIMP_AUDIENCE",
    ),  # fmt: skip
    ConfigKey(
        "sendgrid.unsubscribe_group",
        _positive_int,
        None,
        "SendGrid unsubscribe group (ASM) id for marketing email: footer link, suppression.",
        "MKTD_SENDGRID_UNSUBSCRIBE_GROUP",
    ),
    ConfigKey(
        "email.unsubscribe_url",
        _https_url,
        None,
        "Your own one-click unsubscribe endpoint (List-Unsubscribe, RFC 8058).",
        "MKTD_EMAIL_UNSUBSCRIBE_URL",
    ),
    ConfigKey(
        "email.unsubscribe_mailto",
        _address,
        None,
        "An address that unsubscribes whoever writes to it (List-Unsubscribe mailto).",
        "MKTD_EMAIL_UNSUBSCRIBE_MAILTO",
    ),
    ConfigKey("secrets.store", str, "auto", "auto | keyring | encrypted", "MKTD_SECRET_STORE"),
    ConfigKey(
        "database.url",
        _database_url,
        None,
        "PostgreSQL for a team's shared state (postgresql://user@host:5432/db); unset: SQLite.",
        "MKTD_DATABASE_URL",
    ),
    ConfigKey("llm.price.*", _price, None, "USD per million tokens IN/OUT, e.g. 0.25/2.00."),
    ConfigKey(
        "oauth.port", _port, 8765, "Loopback callback port for mktd authorize.", "MKTD_OAUTH_PORT"
    ),
    ConfigKey(
        "linkedin.pkce", _bool, False, "The LinkedIn app has PKCE enabled.", "MKTD_LINKEDIN_PKCE"
    ),
    ConfigKey(
        "linkedin.post_analytics", _bool, False, "Ask for r_member_postAnalytics at authorize."
    ),
    ConfigKey("twitter.cost_post", _non_negative_float, 0.015, "USD per X post (pay-per-use)."),
    ConfigKey("twitter.cost_post_url", _non_negative_float, 0.20, "USD per X post with a URL."),
    # Salesforce (issue 15): the REST version, and how CSV columns and UTM values map to fields.
    ConfigKey(
        "salesforce.api_version",
        str,
        "66.0",
        "Salesforce REST API version, checked against GET /services/data/.",
        "MKTD_SALESFORCE_API_VERSION",
    ),
    ConfigKey(
        "salesforce.field_map",
        str,
        None,
        "CSV column -> Lead field, e.g. 'region=Region__c,source=LeadSource'.",
    ),
    ConfigKey(
        "salesforce.utm_fields",
        str,
        None,
        "UTM key -> Lead/Contact field (default UTM_Source__c ... UTM_Term__c).",
    ),
    ConfigKey(
        "salesforce.external_id_field",
        str,
        None,
        "Upsert Leads by this external-id field instead of matching by email.",
    ),
    ConfigKey(
        "salesforce.campaign_external_id_field",
        str,
        None,
        "Find mktd campaigns' Salesforce Campaigns by this field instead of by name.",
    ),
    # Scheduling and the worker (issue 6).
    ConfigKey(
        "schedule.timezone",
        _zone,
        None,
        "IANA zone for schedule times (default: TZ, then the system zone).",
        "MKTD_TZ",
    ),
    ConfigKey(
        "schedule.late_policy",
        _late_policy,
        "publish-late",
        "Missed slot: publish-late (within the grace) | skip.",
    ),
    ConfigKey(
        "schedule.grace_minutes",
        _non_negative_int,
        120,
        "How late a missed slot may still be published.",
        "MKTD_SCHEDULE_GRACE_MINUTES",
    ),
    ConfigKey(
        "schedule.*",
        _slots,
        None,
        "Recurring slots for --at next-slot, e.g. 'Tue,Thu 09:00'.",
        star=("linkedin", "twitter"),
    ),
    ConfigKey(
        "worker.lease_seconds",
        _positive_float,
        60.0,  # renewed every few seconds while the job runs: a dead worker's job frees within 60 s
        "How long a worker holds a job before another may take it over.",
        "MKTD_WORKER_LEASE_S",
    ),
    # Alerts (issue 6): Slack comes from SLACK_WEBHOOK_URL, email goes through SendGrid.
    ConfigKey(
        "alerts.email",
        _email_address,
        None,
        "Where alert emails go (sent through SendGrid from SENDGRID_FROM_EMAIL).",
        "MKTD_ALERT_EMAIL",
    ),
    # MCP (issue 14): which platforms an assistant may approve-and-publish on by itself.
    ConfigKey(
        "mcp.autonomy",
        _social_list,
        [],
        "Platforms where MCP publish_draft may approve as the assistant, e.g. twitter.",
        "MKTD_MCP_AUTONOMY",
    ),
    ConfigKey(
        "mcp.dashboard_url",
        _url,
        None,
        "The mktd serve dashboard (e.g. http://127.0.0.1:8484): approval refusals link to it.",
        "MKTD_DASHBOARD_URL",
    ),
    ConfigKey(
        "alerts.failure_rate",
        _fraction,
        0.5,
        "Alert when more than this share of a platform's calls in the last hour failed (>= 5).",
    ),
    # `mktd serve` (issue 13).
    ConfigKey(
        "serve.port", _port, 8484, "Port of mktd serve's dashboard and API.", "MKTD_SERVE_PORT"
    ),
    ConfigKey(
        "serve.allowed_hosts",
        str,
        None,
        "Extra Host names mktd serve answers to, comma-separated (DNS-rebinding defence).",
        "MKTD_SERVE_ALLOWED_HOSTS",
    ),
)


def find_key(key: str) -> ConfigKey:
    for spec in KEYS:
        if spec.pattern == key:
            return spec
    for spec in KEYS:
        if "*" in spec.pattern and fnmatch.fnmatchcase(key, spec.pattern):
            prefix = key.split(".", 1)[0]
            from mktdirector.core.platforms import PLATFORMS

            if spec.star:
                # `schedule.*`: the part after the fixed prefix must be one of `star`.
                if key[spec.pattern.index("*") :] in spec.star:
                    return spec
            elif prefix in PLATFORMS or not spec.pattern.startswith("*"):
                return spec
    raise UsageError(f"Unknown config key {key!r}.", hint="mktd config show --all lists every key")


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        full = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, full + "."))
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


class Config:
    """Resolved settings. Reads config.toml once; `get` applies precedence per key."""

    def __init__(self, path: Path | None = None, overrides: dict[str, Any] | None = None):
        self.path = path or paths.config_path()
        self.overrides = dict(overrides or {})
        self._file: dict[str, Any] | None = None

    def file_values(self) -> dict[str, Any]:
        if self._file is None:
            self._file = self._read()
        return self._file

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            # No file (the home may not exist yet, or be blocked: init reports that one).
            return {}
        except OSError as e:
            raise ConfigError(f"Cannot read {self.path}: {e.strerror}.", hint="mktd init") from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(
                f"{self.path} is not valid TOML: {e}.",
                hint=f"Fix or delete {self.path}, then run mktd config show",
            ) from None
        return _flatten(data)

    def get_with_source(self, key: str) -> tuple[Any, str]:
        spec = find_key(key)
        if key in self.overrides and self.overrides[key] is not None:
            return self.overrides[key], "flag"
        env_name = spec.env or _platform_env(key)
        if env_name and os.environ.get(env_name, "").strip():
            return self._parse(key, spec, os.environ[env_name], env_name), f"env:{env_name}"
        file_vals = self.file_values()
        if key in file_vals:
            val = file_vals[key]
            return self._parse(key, spec, str(val), str(self.path)) if isinstance(
                val, str
            ) else val, "config"
        return spec.default, "default"

    def get(self, key: str) -> Any:
        return self.get_with_source(key)[0]

    @staticmethod
    def _parse(key: str, spec: ConfigKey, raw: str, where: str) -> Any:
        try:
            return spec.parse(raw)
        except ValueError as e:
            raise ConfigError(
                f"Invalid value for {key} in {where}: {e}.",
                hint=f"mktd config set {key} VALUE",
            ) from None

    def set(self, key: str, raw: str) -> Any:
        """Validate and persist one key (atomic rewrite of config.toml, 0600)."""
        spec = find_key(key)
        try:
            value = spec.parse(raw)
        except ValueError as e:
            raise UsageError(f"Invalid value for {key}: {e}.", hint=spec.help) from None
        values = dict(self.file_values())
        values[key] = value
        paths.write_private(self.path, dump_toml(values))
        self._file = values
        return value

    def unset(self, key: str) -> bool:
        find_key(key)
        values = dict(self.file_values())
        if key not in values:
            return False
        del values[key]
        paths.write_private(self.path, dump_toml(values))
        self._file = values
        return True

    def prices(self) -> dict[str, tuple[float, float]]:
        """`llm.price.<model> = "IN/OUT"` entries as {model: (in, out)}."""
        out = {}
        for key, value in self.file_values().items():
            if key.startswith("llm.price."):
                a, b = str(value).split("/")
                out[key[len("llm.price.") :]] = (float(a), float(b))
        return out

    def rows(self, include_defaults: bool = False) -> list[dict[str, Any]]:
        """Every key in effect, with where its value comes from."""
        keys = {s.pattern for s in KEYS if "*" not in s.pattern}
        keys |= set(self.file_values())
        rows = []
        for key in sorted(keys):
            try:
                value, source = self.get_with_source(key)
            except UsageError:
                value, source = self.file_values().get(key), "config (unknown key)"
            if source == "default" and not include_defaults and value is None:
                continue
            rows.append({"key": key, "value": value, "source": source})
        return rows


def _platform_env(key: str) -> str | None:
    """`linkedin.base_url` -> `MKTD_LINKEDIN_BASE_URL` (`*.deadline` -> `MKTD_<P>_DEADLINE`)."""
    prefix, _, name = key.partition(".")
    if name in {"base_url", "auth_url", "token_url", "deadline"}:
        from mktdirector.core.platforms import env_prefix

        return f"{env_prefix(prefix)}_{name.upper()}"
    return None
