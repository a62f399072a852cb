"""What every platform client declares: its endpoints, limits, credential and policy.

A client declares `name` (its platform id), `default_base_url`, `rate_limits`, its `policy()`
(the vendor's error and header rules, in `<platform>/policy.py`) and implements
`test_connection()`; its `label` and `auth_kind` come from the platform's `PlatformSpec`
(core/platforms.py), so they cannot disagree with what lists and messages say. All of its HTTP
goes through `self.http` (core.http.HttpClient), built here from the factory the wiring passes in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import httpx

from mktdirector.core.credentials import Connection, CredentialStore
from mktdirector.core.errors import ApiResponseError, MissingCredentialError
from mktdirector.core.http import HttpClient
from mktdirector.core.http_auth import BearerAuth
from mktdirector.core.platforms import PLATFORMS, url_override
from mktdirector.core.policy import GenericPolicy, PlatformPolicy
from mktdirector.core.ratelimit import Limit

__all__ = ["BearerAuth", "ConnectionCheck", "HttpFactory", "Integration"]

HttpFactory = Callable[..., HttpClient]
ConfigGetter = Callable[[str], Any]


@dataclass
class ConnectionCheck:
    """The brief's test-connection shape."""

    status: str  # "connected" | "error" | "missing_credentials" | "dry_run"
    platform: str
    user_id: str | None = None
    organization_id: str | None = None
    name: str | None = None  # how a person knows the account: @handle, member name
    rate_limit: dict[str, Any] = field(
        default_factory=lambda: {"rate_limit_remaining": None, "rate_limit_reset": None}
    )
    detail: str = ""
    error: str | None = None  # the error kind when status is "error" (auth, rate_limit, ...)
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Integration:
    name: ClassVar[str]
    label: ClassVar[str]
    default_base_url: ClassVar[str]
    auth_kind: ClassVar[str] = "api_key"
    rate_limits: ClassVar[tuple[Limit, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Take `label` and `auth_kind` from the platform table unless the class sets its own."""
        super().__init_subclass__(**kwargs)
        spec = PLATFORMS.get(cls.__dict__.get("name", ""))
        if spec is None:
            return
        if "label" not in cls.__dict__:
            cls.label = spec.name
        if "auth_kind" not in cls.__dict__:
            cls.auth_kind = spec.auth_kind

    def __init__(
        self,
        *,
        http_factory: HttpFactory,
        credentials: CredentialStore | None = None,
        connection: Connection | None = None,
        config: ConfigGetter | None = None,
        account: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.http_factory = http_factory  # for the client's other endpoints (OAuth tokens)
        self.config = config or (lambda key: None)
        self.connection = connection
        if self.connection is None and credentials is not None:
            self.connection = credentials.get(self.name, account)
        self.account = self.connection.account if self.connection else account
        self.http = http_factory(
            platform=self.name,
            base_url=self.base_url(),
            account=self.account,
            auth=self.auth(),
            headers=self.default_headers(),
            limits=self.rate_limits,
            policy=self.policy(),
        )

    # declarations -------------------------------------------------------------------------
    def base_url(self) -> str:
        """`MKTD_<PLATFORM>_BASE_URL`, then `<platform>.base_url` in config, then the default."""
        return (
            url_override(self.name, "base")
            or self.config(f"{self.name}.base_url")
            or self.default_base_url
        )

    def default_headers(self) -> dict[str, str]:
        return {}

    def auth(self) -> httpx.Auth | None:
        """The bearer credential, refreshed once after a 401 when `refresh` can."""
        return BearerAuth(
            lambda: self.connection.secret() if self.connection else None, refresh=self.refresh
        )

    def policy(self) -> PlatformPolicy:
        """The vendor's error and rate-header rules (integrations/<platform>/policy.py)."""
        return GenericPolicy()

    def refresh(self) -> bool:
        """Refresh the credential after a 401; True if the request should be sent again."""
        return False

    # helpers ---------------------------------------------------------------------------------
    def require_connection(self) -> Connection:
        if self.connection is None or not self.connection.secret():
            raise MissingCredentialError(self.name)
        return self.connection

    def json(self, response: httpx.Response, *required: str) -> Any:
        """Parse a JSON body, refusing HTML pages, truncated JSON and missing fields clearly."""
        try:
            data = response.json()
        except ValueError:
            ctype = response.headers.get("content-type", "unknown")
            if "html" in ctype:
                what = "an HTML page instead of JSON"
            elif "json" in ctype:
                # The usual case is a body cut off on the way (a proxy, a dropped connection).
                what = "JSON that is cut off or malformed"
            else:
                what = f"unparseable {ctype.split(';')[0]} content instead of JSON"
            env = f"MKTD_{self.name.upper().replace('-', '_')}_BASE_URL"
            raise ApiResponseError(
                f"{self.label} answered {response.request.method} "
                f"{response.request.url.path} with {what}.",
                platform=self.name,
                hint=f"Retry later; if it persists, check {env}",
            ) from None
        missing = [k for k in required if not _has_path(data, k)]
        if missing:
            raise ApiResponseError(
                f"{self.label} answer is missing {', '.join(missing)}.",
                platform=self.name,
                hint="The API may have changed; run with MKTD_DEBUG_HTTP=1 and report it",
            )
        return data

    def test_connection(self) -> ConnectionCheck:
        raise NotImplementedError

    def close(self) -> None:
        self.http.close()


def _has_path(data: Any, dotted: str) -> bool:
    cur = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return cur is not None
