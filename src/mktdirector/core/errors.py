"""The whole mktd error tree, and the exit codes the CLI maps it to.

```
MktdError                         .hint: the command that fixes it; .exit_code
├── UsageError                    bad input given on the command line / in a file (exit 2)
├── ConfigError                   bad config, unknown key or platform (exit 3)
│   ├── MissingCredentialError    nothing stored and nothing in the environment
│   └── CredentialStoreError      no usable keyring and no MKTD_SECRET_KEY, or it hangs
├── StoreError                    database newer than this mktd, locked, corrupt (exit 1)
└── IntegrationError              .platform; everything remote, the LLM included (exit 6)
    ├── ApiConnectionError        network failure; .sent says whether the request may have arrived
    │   └── ApiTimeoutError
    ├── ApiResponseError          2xx/4xx body we cannot understand (HTML, truncated JSON, fields missing)
    └── ApiStatusError            .status_code .request_id .code .method .path
        ├── BadRequestError       400, 422
        ├── AuthenticationError   401 after one refresh (exit 4)
        ├── PermissionDeniedError 403 (exit 4: scopes are fixed by re-authorizing)
        ├── NotFoundError         404
        ├── ConflictError         409 (never retried)
        ├── RateLimitError        429; .retry_after seconds or None (exit 5)
        └── ServerError           >= 500
```
Messages never contain secrets: they are built from status codes, error codes and short,
redacted excerpts of response bodies.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    AUTH = 4
    RATE_LIMITED = 5
    UPSTREAM = 6


class MktdError(Exception):
    """Root of every error mktd expects; the CLI prints message and hint, never a traceback."""

    exit_code: ClassVar[ExitCode] = ExitCode.ERROR
    retryable: ClassVar[bool] = False
    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": self.message, "hint": self.hint}


class UsageError(MktdError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class ConfigError(MktdError):
    exit_code = ExitCode.CONFIG
    kind = "config"


class MissingCredentialError(ConfigError):
    kind = "missing_credential"

    def __init__(self, platform: str, message: str | None = None, *, hint: str | None = None):
        super().__init__(
            message or f"No credentials for {platform}.",
            hint=hint or f"mktd authorize {platform}",
        )
        self.platform = platform


class CredentialStoreError(ConfigError):
    kind = "credential_store"


class StoreError(MktdError):
    kind = "store"


class IntegrationError(MktdError):
    exit_code = ExitCode.UPSTREAM
    kind = "integration"

    def __init__(self, message: str, *, platform: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.platform = platform


class ApiConnectionError(IntegrationError):
    retryable = True
    kind = "network"

    def __init__(
        self, message: str, *, platform: str, sent: bool = True, hint: str | None = None
    ) -> None:
        super().__init__(message, platform=platform, hint=hint)
        # False only when the request provably never left this machine (connect failed).
        self.sent = sent


class ApiTimeoutError(ApiConnectionError):
    kind = "timeout"


class ApiResponseError(IntegrationError):
    """A response we cannot use: HTML where JSON was due, truncated JSON, a missing field."""

    kind = "bad_response"


class ApiStatusError(IntegrationError):
    kind = "api"

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        status_code: int,
        method: str = "",
        path: str = "",
        request_id: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, platform=platform, hint=hint)
        self.status_code = status_code
        self.method = method
        self.path = path
        self.request_id = request_id
        self.code = code

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(status=self.status_code, code=self.code, request_id=self.request_id)
        return d


class BadRequestError(ApiStatusError):
    kind = "bad_request"


class AuthenticationError(ApiStatusError):
    exit_code = ExitCode.AUTH
    kind = "auth"


class PermissionDeniedError(ApiStatusError):
    exit_code = ExitCode.AUTH
    kind = "permission"


class NotFoundError(ApiStatusError):
    kind = "not_found"


class ConflictError(ApiStatusError):
    kind = "conflict"


class RateLimitError(ApiStatusError):
    exit_code = ExitCode.RATE_LIMITED
    retryable = True
    kind = "rate_limit"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        kw.setdefault("status_code", 429)
        super().__init__(message, **kw)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["retry_after"] = self.retry_after
        return d


class ServerError(ApiStatusError):
    retryable = True
    kind = "server"


def outcome_unknown(err: BaseException) -> bool:
    """True when a failed create may still have happened on the platform (the request may have
    arrived: a timeout or reset after sending, a 5xx, a 2xx we could not read). Such a create
    is settled by looking, or by a human, never by sending it again blindly."""
    if isinstance(err, ApiConnectionError):
        return err.sent
    return isinstance(err, ServerError | ApiResponseError)
