"""Configuration: declared keys, `config.toml`, environment, precedence.

Precedence for every setting: CLI flag > environment > (secret store, for secrets only, see
credentials.py) > config.toml > default. Unknown keys are refused so typos surface at once.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mktdirector.core import config_values as parsers
from mktdirector.core import paths
from mktdirector.core.config_toml import dump_toml, flatten
from mktdirector.core.config_values import Parser
from mktdirector.core.errors import ConfigError, UsageError


@dataclass(frozen=True)
class ConfigKey:
    pattern: str  # exact key, or a glob such as "*.base_url"
    parse: Parser
    default: Any
    help: str
    env: str | None = None  # environment variable that overrides config.toml
    # What the `*` of a pattern may stand for; empty = a platform id (leading `*`) or anything.
    star: tuple[str, ...] = ()


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("llm.model", str, "gpt-5-mini", "Model name sent to the LLM endpoint.", "MKTD_MODEL"),
    ConfigKey(
        "llm.base_url",
        parsers.url,
        None,
        "OpenAI-compatible endpoint (Ollama, vLLM…).",
        "OPENAI_BASE_URL",
    ),
    ConfigKey(
        "llm.timeout", parsers.positive_float, 120.0, "Seconds before an LLM call times out."
    ),
    ConfigKey(
        "http.timeout", parsers.positive_float, 30.0, "Seconds before a platform call times out."
    ),
    ConfigKey(
        "http.max_retries", parsers.non_negative_int, 3, "Retries for network errors and 5xx."
    ),
    # Total deadlines (issue 12): httpx's timeouts are per read, these bound a whole attempt.
    ConfigKey(
        "http.deadline",
        parsers.positive_float,
        60.0,
        "Seconds one platform call may take in all (a slow server is cut off).",
        "MKTD_HTTP_DEADLINE",
    ),
    ConfigKey(
        "http.upload_deadline",
        parsers.positive_float,
        600.0,
        "Seconds one media upload request may take in all.",
        "MKTD_UPLOAD_DEADLINE",
    ),
    ConfigKey(
        "*.deadline", parsers.positive_float, None, "Seconds one call to this platform may take."
    ),
    ConfigKey(
        "llm.deadline",
        parsers.positive_float,
        300.0,
        "Seconds one LLM generation may take in all.",
        "MKTD_LLM_DEADLINE",
    ),
    ConfigKey(
        "http.max_wait",
        parsers.non_negative_float,
        60.0,
        "Longest wait (s) for a rate limit before queueing instead.",
        "MKTD_MAX_WAIT",
    ),
    ConfigKey(
        "linkedin.version",
        parsers.linkedin_version,
        "202610",
        "LinkedIn-Version header (YYYYMM, < 1 year old).",
        "MKTD_LINKEDIN_VERSION",
    ),
    ConfigKey(
        "linkedin.visibility",
        parsers.choice("PUBLIC", "CONNECTIONS", "LOGGED_IN"),
        "PUBLIC",
        "Who sees LinkedIn posts: PUBLIC, CONNECTIONS or LOGGED_IN.",
    ),
    ConfigKey("*.base_url", parsers.url, None, "API base URL override for a platform."),
    ConfigKey("*.auth_url", parsers.url, None, "OAuth authorize URL override for a platform."),
    ConfigKey("*.token_url", parsers.url, None, "OAuth token URL override for a platform."),
    ConfigKey("*.account", str, None, "Default account name for a platform."),
    ConfigKey("crm.platform", parsers.capable("crm"), "hubspot", "CRM the crm commands use."),
    ConfigKey(
        "email.platform",
        parsers.capable("email"),
        "sendgrid",
        "Email platform the email commands use.",
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
        parsers.positive_int,
        None,
        "SendGrid unsubscribe group (ASM) id for marketing email: footer link, suppression.",
        "MKTD_SENDGRID_UNSUBSCRIBE_GROUP",
    ),
    ConfigKey(
        "email.unsubscribe_url",
        parsers.https_url,
        None,
        "Your own one-click unsubscribe endpoint (List-Unsubscribe, RFC 8058).",
        "MKTD_EMAIL_UNSUBSCRIBE_URL",
    ),
    ConfigKey(
        "email.unsubscribe_mailto",
        parsers.address,
        None,
        "An address that unsubscribes whoever writes to it (List-Unsubscribe mailto).",
        "MKTD_EMAIL_UNSUBSCRIBE_MAILTO",
    ),
    ConfigKey("secrets.store", str, "auto", "auto | keyring | encrypted", "MKTD_SECRET_STORE"),
    ConfigKey(
        "database.url",
        parsers.database_url,
        None,
        "PostgreSQL for a team's shared state (postgresql://user@host:5432/db); unset: SQLite.",
        "MKTD_DATABASE_URL",
    ),
    ConfigKey("llm.price.*", parsers.price, None, "USD per million tokens IN/OUT, e.g. 0.25/2.00."),
    ConfigKey(
        "oauth.port",
        parsers.port,
        8765,
        "Loopback callback port for mktd authorize.",
        "MKTD_OAUTH_PORT",
    ),
    ConfigKey(
        "linkedin.pkce",
        parsers.boolean,
        False,
        "The LinkedIn app has PKCE enabled.",
        "MKTD_LINKEDIN_PKCE",
    ),
    ConfigKey(
        "linkedin.post_analytics",
        parsers.boolean,
        False,
        "Ask for r_member_postAnalytics at authorize.",
    ),
    ConfigKey(
        "twitter.cost_post", parsers.non_negative_float, 0.015, "USD per X post (pay-per-use)."
    ),
    ConfigKey(
        "twitter.cost_post_url", parsers.non_negative_float, 0.20, "USD per X post with a URL."
    ),
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
        parsers.zone,
        None,
        "IANA zone for schedule times (default: TZ, then the system zone).",
        "MKTD_TZ",
    ),
    ConfigKey(
        "schedule.late_policy",
        parsers.late_policy,
        "publish-late",
        "Missed slot: publish-late (within the grace) | skip.",
    ),
    ConfigKey(
        "schedule.grace_minutes",
        parsers.non_negative_int,
        120,
        "How late a missed slot may still be published.",
        "MKTD_SCHEDULE_GRACE_MINUTES",
    ),
    ConfigKey(
        "schedule.*",
        parsers.slots,
        None,
        "Recurring slots for --at next-slot, e.g. 'Tue,Thu 09:00'.",
        star=("linkedin", "twitter"),
    ),
    ConfigKey(
        "worker.lease_seconds",
        parsers.positive_float,
        60.0,  # renewed every few seconds while the job runs: a dead worker's job frees within 60 s
        "How long a worker holds a job before another may take it over.",
        "MKTD_WORKER_LEASE_S",
    ),
    # Alerts (issue 6): Slack comes from SLACK_WEBHOOK_URL, email goes through SendGrid.
    ConfigKey(
        "alerts.email",
        parsers.email_address,
        None,
        "Where alert emails go (sent through SendGrid from SENDGRID_FROM_EMAIL).",
        "MKTD_ALERT_EMAIL",
    ),
    # MCP (issue 14): which platforms an assistant may approve-and-publish on by itself.
    ConfigKey(
        "mcp.autonomy",
        parsers.social_list,
        [],
        "Platforms where MCP publish_draft may approve as the assistant, e.g. twitter.",
        "MKTD_MCP_AUTONOMY",
    ),
    ConfigKey(
        "mcp.dashboard_url",
        parsers.url,
        None,
        "The mktd serve dashboard (e.g. http://127.0.0.1:8484): approval refusals link to it.",
        "MKTD_DASHBOARD_URL",
    ),
    ConfigKey(
        "alerts.failure_rate",
        parsers.fraction,
        0.5,
        "Alert when more than this share of a platform's calls in the last hour failed (>= 5).",
    ),
    # `mktd serve` (issue 13).
    ConfigKey(
        "serve.port",
        parsers.port,
        8484,
        "Port of mktd serve's dashboard and API.",
        "MKTD_SERVE_PORT",
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
        return flatten(data)

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
