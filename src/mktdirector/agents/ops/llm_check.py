"""`test-integration openai`: the LLM is an integration like the others.

Its cheapest authenticated call is `GET /models` (no tokens spent); the check also says
whether the configured model is one the endpoint offers. The key is never shown: a dry run
masks it, and without a key (a local server) there is no authorization header at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mktdirector.core.errors import ConfigError, MktdError

PLATFORM = "openai"
NO_LIMIT = {"rate_limit_remaining": None, "rate_limit_reset": None}


class CheckableLLM(Protocol):
    model: str
    endpoint_host: str

    def list_models(self) -> list[str]: ...
    def models_request(self) -> dict[str, Any]: ...


def _result(status: str, detail: str, **extra: Any) -> dict[str, Any]:
    out = {"status": status, "platform": PLATFORM, "user_id": None, "organization_id": None,
           "rate_limit": dict(NO_LIMIT), "detail": detail, "hint": None}  # fmt: skip
    return {**out, **extra}


def _llm_or_missing(make_llm: Callable[[], Any]) -> tuple[CheckableLLM | None, dict[str, Any]]:
    try:
        llm = make_llm()
    except ConfigError as e:  # NoLLMError: neither a key nor an endpoint URL is configured
        return None, _result("missing_credentials", e.message, hint=e.hint)
    if not hasattr(llm, "list_models"):
        raise TypeError("this LLM cannot be checked (it has no list_models)")
    return llm, {}


def check_llm(make_llm: Callable[[], Any]) -> dict[str, Any]:
    """The brief's check shape for the LLM: connected (model offered), or why not."""
    llm, missing = _llm_or_missing(make_llm)
    if llm is None:
        return missing
    try:
        models = llm.list_models()
    except MktdError as e:
        return _result("error", e.message, hint=e.hint, error=e.kind)
    if models and llm.model not in models:
        shown = ", ".join(sorted(models)[:8]) + (" …" if len(models) > 8 else "")
        return _result(
            "error",
            f"{llm.endpoint_host} does not offer the model {llm.model} (it offers: {shown})",
            hint="mktd config set llm.model MODEL",
            error="config",
        )
    return _result("connected", f"{llm.endpoint_host}: model {llm.model} available")


def dry_run_llm(make_llm: Callable[[], Any]) -> dict[str, Any]:
    """What the check would send; nothing is sent."""
    llm, missing = _llm_or_missing(make_llm)
    if llm is None:
        return {**missing, "sent": False, "credentials": missing["detail"], "request": None,
                "base_url": "no LLM endpoint configured"}  # fmt: skip
    request = llm.models_request()
    return {
        "status": "dry_run",
        "platform": PLATFORM,
        "sent": False,
        "credentials": "present" if request["headers"] else "none needed (no key configured)",
        "base_url": request["url"].rsplit("/models", 1)[0],
        "request": request,
    }
