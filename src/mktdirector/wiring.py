"""The one wiring place: settings -> store, credentials, limiter, HTTP factory, LLM, integrations.

The CLI (cli/_deps.py keeps one Deps per invocation) and the Python API (api.py) both build on it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mktdirector.core import paths
from mktdirector.core.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    from mktdirector.agents.content.brand import Brand
    from mktdirector.core.config import Config
    from mktdirector.core.credentials import Connection, CredentialStore
    from mktdirector.core.http import Exchange, HttpClient
    from mktdirector.core.ratelimit import Limiter
    from mktdirector.integrations.base import Integration
    from mktdirector.llm import LLM
    from mktdirector.store import StoreLike

_dotenv_loaded = False


def load_dotenv_once() -> None:
    """Read `.env` from the working directory; real environment variables win."""
    global _dotenv_loaded
    if _dotenv_loaded:
        return
    _dotenv_loaded = True
    env_file = Path.cwd() / ".env"
    if env_file.is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)


def debug_http() -> bool:
    return os.environ.get("MKTD_DEBUG_HTTP", "") not in ("", "0")


class Deps:
    """Built once per command; every field is created on first use.

    `clock` is the one time source of the calls a command makes: the limiter, every HttpClient
    (and through it the platform policies' reset arithmetic) and the publish queue's due time.
    Tests set it (on an instance or on the class) to move time instead of waiting for it.
    """

    clock: Clock = SYSTEM_CLOCK

    def __init__(
        self,
        *,
        verbose: bool = False,
        overrides: dict[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        load_dotenv_once()
        if clock is not None:
            self.clock = clock
        self.verbose = verbose or debug_http()
        self.overrides = overrides or {}
        self.home = paths.home()
        self._llm: LLM | None = None
        self._brand: Brand | None = None
        # Closed with the command (their sockets). A long-lived Deps (the worker) makes and closes
        # clients every cycle: the closed ones are let go when the next one is made.
        self._http_clients: list[HttpClient] = []
        # Connections given in code (the Python API's `access_token=`): used, never saved.
        self._given: dict[str, Connection] = {}

    def use_connection(self, connection: Connection) -> None:
        """Make `connection` the one every client of its platform uses in this Deps."""
        self._given[connection.platform] = connection

    @cached_property
    def config(self) -> Config:
        from mktdirector.core.config import Config

        return Config(paths.config_path(self.home), overrides=self.overrides)

    @cached_property
    def run_id(self) -> str:
        """Ties the audit rows of one command (or one Python API object) together."""
        from ulid import ULID

        return str(ULID())

    @cached_property
    def store(self) -> StoreLike:
        url = self.config.get("database.url")
        if url:
            # A team's shared state: no SQLite file is created in the home.
            from mktdirector.store.postgres.store import PostgresStore

            return PostgresStore(url)
        from mktdirector.store import Store

        return Store(paths.db_path(self.home))

    @cached_property
    def credentials(self) -> CredentialStore:
        from mktdirector.core.credentials import CredentialStore, choose_backend

        return CredentialStore(
            backend=lambda: choose_backend(self.config.get("secrets.store"), lambda: self.store),
            index=lambda: self.store,
            default_account=lambda p: self.config.get(f"{p}.account"),
        )

    @cached_property
    def limiter(self) -> Limiter:
        from mktdirector.core.ratelimit import Limiter

        return Limiter(self.store, clock=self.clock.now, sleep=self.clock.sleep)

    def http(self, **kw: Any) -> HttpClient:
        """The HTTP factory integrations receive: shared limiter, audit sink, settings."""
        from mktdirector.core.http import HttpClient, HttpSettings

        kw.setdefault(
            "settings",
            HttpSettings(
                timeout=self.config.get("http.timeout"),
                max_retries=self.config.get("http.max_retries"),
                max_wait=self.config.get("http.max_wait"),
                debug=self.verbose,
                deadline=self._deadline(kw.get("platform")),
                upload_deadline=self.config.get("http.upload_deadline"),
            ),
        )
        kw.setdefault("limiter", self.limiter)
        kw.setdefault("clock", self.clock)
        kw.setdefault("audit", self.audit)
        kw.setdefault("correlation", self.correlation)
        client = HttpClient(**kw)
        self._http_clients = [c for c in self._http_clients if not c.closed]
        self._http_clients.append(client)
        return client

    def _deadline(self, platform: str | None) -> float:
        """`<platform>.deadline` (MKTD_<P>_DEADLINE) when set, else `http.deadline`."""
        from mktdirector.core.platforms import PLATFORMS

        own = self.config.get(f"{platform}.deadline") if platform in PLATFORMS else None
        return float(own or self.config.get("http.deadline"))

    def correlation(self) -> str:
        """What an audit row is tied to: the draft or job at work, else this command run.

        Given to each HttpClient, so its rows are built right once (no copy per call)."""
        from mktdirector.core.correlation import current_correlation

        return current_correlation() or self.run_id

    def audit(self, exchange: Exchange) -> None:
        """The audit sink: a call made outside any draft or job belongs to this command run."""
        if exchange.correlation_id is None:  # a client built without `correlation`
            exchange = replace(exchange, correlation_id=self.run_id)
        self.store.record_exchange(exchange)

    def integration(
        self,
        platform: str,
        account: str | None = None,
        connection: Connection | None = None,
        **http_overrides: Any,
    ) -> Integration:
        """A platform client wired to the shared limiter, audit log and credential store.

        `http_overrides` replace HttpClient arguments (the dry-run check swaps the transport).
        """
        from functools import partial

        from mktdirector.integrations import get_class

        cls = get_class(platform)
        connection = connection or self._given.get(platform)
        client = cls(
            http_factory=partial(self.http, **http_overrides) if http_overrides else self.http,
            credentials=self.credentials,
            config=self.config.get,
            account=account,
            connection=connection,
        )
        if hasattr(client, "auth_events"):
            # OAuth clients report refreshes and failures to `mktd auth status`.
            client.auth_events = self.store.record_auth_event
        shared_lock = getattr(self.store, "named_lock", None)  # PostgreSQL: across hosts
        if shared_lock is not None and hasattr(client, "refresh_lock"):
            client.refresh_lock = shared_lock
        return client

    def llm(self) -> LLM:
        """The configured LLM, or NoLLMError (exit 3) naming the three ways to configure one."""
        if self._llm is None:
            from mktdirector.llm import OpenAILLM

            key = os.environ.get("OPENAI_API_KEY", "").strip() or None
            if key is None:
                stored = self.credentials.get("openai", env=False) if self._has_store() else None
                key = stored.secret() if stored else None
            self._llm = OpenAILLM(
                api_key=key,
                base_url=self.config.get("llm.base_url"),
                model=self.config.get("llm.model"),
                timeout=self.config.get("llm.timeout"),
                deadline=self.config.get("llm.deadline"),
                max_retries=self.config.get("http.max_retries"),
                prices=self.config.prices(),
            )
        return self._llm

    def set_llm(self, llm: LLM) -> None:
        """Tests and the Python API can inject any object that speaks the LLM protocol."""
        self._llm = llm

    def _has_store(self) -> bool:
        from mktdirector.core.credentials import KeyringBackend
        from mktdirector.core.secret_key import configured_source

        # The key may be in MKTD_SECRET_KEY, its _FILE or AWS (not read until a secret is).
        return KeyringBackend.available() or configured_source() is not None

    def brand(self) -> Brand:
        """brand.toml, read once per command (every generation of a run uses one version)."""
        if self._brand is None:
            from mktdirector.agents.content.brand import load_brand

            self._brand = load_brand(paths.brand_path(self.home))
        return self._brand

    def alert_channels(self) -> list[Any]:
        """Configured alert channels besides the in-tool list: Slack (SLACK_WEBHOOK_URL, from
        the environment or .env only, so alerts never wait on a keyring) and email to
        `alerts.email` (MKTD_ALERT_EMAIL) through an email platform that sends to addresses."""
        from mktdirector.agents.ops.alert_channels import EmailChannel, SlackChannel
        from mktdirector.core.platforms import address_email_platform, email_facts

        channels: list[Any] = []
        slack = self.credentials.from_env("slack")
        if slack is not None and slack.secret():
            channels.append(SlackChannel(str(slack.secret()), self.http))
        to = self.config.get("alerts.email")
        if to:
            # An alert goes to one address: the configured email platform if it sends to
            # addresses, else one that does (Mailchimp only sends campaigns to audiences).
            pid = address_email_platform(self.config.get("email.platform"))
            env = email_facts(pid).from_env
            sender = os.environ.get(env, "").strip() or None if env else None
            channels.append(EmailChannel(to, sender, lambda: self.integration(pid)))
        return channels

    def close(self) -> None:
        for client in self._http_clients:
            client.close()
        self._http_clients.clear()
        if self._llm is not None and hasattr(self._llm, "close"):
            self._llm.close()  # its connection pool (sockets to the LLM endpoint)
        if "store" in self.__dict__:
            self.store.close()
