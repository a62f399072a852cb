"""What comes back from an LLM endpoint, judged like a platform's answer (issue 12 item 6).

The SDK's HTTP client armed with the deadline, a size cap and no redirects (`guarded`); a
reply that is not a chat completion (HTML, invalid JSON, another shape, too large) becomes an
`ApiResponseError`; the SDK's errors are mapped into the mktd tree (`map_openai_error`); and
which errors are retried, after how long (`retry_wait`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktdirector.core import deadline
from mktdirector.core import errors as E
from mktdirector.core.http_answers import BodyTooLarge, read_capped
from mktdirector.core.redact import redact

PLATFORM = "openai"
# A chat completion is a few KB; even a long plan is well under 1 MB. More is not an answer.
MAX_REPLY_BYTES = 4 * 1024 * 1024
DEADLINE_HINT = "Retry, or allow longer: mktd config set llm.deadline SECONDS"


def retry_wait(error: E.MktdError, attempt: int, backoff: Callable[[int], float]) -> float | None:
    """Seconds before the next try, or None when this error is not retried."""
    if not error.retryable:
        return None
    if isinstance(error, E.RateLimitError):
        # Only short, announced waits; a long one is the user's to decide.
        ok = error.retry_after is not None and error.retry_after <= 60
        return error.retry_after if ok else None
    return backoff(attempt)


def reply_parts(resp: Any, model: str) -> tuple[str, str, int, int]:
    """Text, model and token counts of a chat completion; ApiResponseError for anything else."""
    choices = getattr(resp, "choices", None)
    if not isinstance(choices, list):
        what = "an HTML page" if isinstance(resp, str) and "<" in resp[:200] else "another shape"
        raise bad_reply(f"{what} instead of a chat completion")
    if not choices:
        raise bad_reply("a chat completion without any choice")
    message = getattr(choices[0], "message", None)
    text = getattr(message, "content", None)
    if text is not None and not isinstance(text, str):
        raise bad_reply("a chat completion whose message is not text")
    usage = getattr(resp, "usage", None)
    return (
        text or "",
        str(getattr(resp, "model", None) or model),
        int(getattr(usage, "prompt_tokens", 0) or 0),
        int(getattr(usage, "completion_tokens", 0) or 0),
    )


def bad_reply(what: str) -> E.ApiResponseError:
    return E.ApiResponseError(
        f"The LLM endpoint answered with {what}.",
        platform=PLATFORM,
        hint="Check OPENAI_BASE_URL: it must be an OpenAI-compatible API (…/v1)",
    )


def too_large() -> E.ApiResponseError:
    return bad_reply(f"more than {MAX_REPLY_BYTES // (1024 * 1024)} MB; mktd stopped reading")


def deadline_error(seconds: float) -> E.ApiTimeoutError:
    return E.ApiTimeoutError(
        f"The LLM gave no complete answer within {round(seconds, 1):g} s.",
        platform=PLATFORM,
        hint=DEADLINE_HINT,
    )


def guarded(http_client: Any) -> Any:
    """The SDK's HTTP client, armed with the deadline, the size cap and no redirects."""
    import openai

    if http_client is None:
        import httpx2

        http_client = openai.DefaultHttpxClient(
            transport=deadline.arm(httpx2.HTTPTransport()), follow_redirects=False
        )
    http_client.event_hooks["response"].append(_read_capped)
    return http_client


def _read_capped(response: Any) -> None:
    """Read a non-streamed reply unless it grows past MAX_REPLY_BYTES (decompressed)."""
    if "text/event-stream" in response.headers.get("content-type", ""):
        return  # streamed: counted delta by delta in OpenAILLM._stream
    read_capped(response, MAX_REPLY_BYTES)


def unsupported_format(e: Any) -> bool:
    text = str(getattr(e, "message", e)).lower()
    return "response_format" in text or "json_schema" in text or "not supported" in text


def map_openai_error(e: Exception) -> E.MktdError:
    """The SDK's errors, in the mktd tree (platform `openai`), with the fix as the hint."""
    import openai

    msg = redact(str(getattr(e, "message", "") or e))[:300]
    if isinstance(e.__cause__, BodyTooLarge):
        return too_large()
    if isinstance(e, openai.APIResponseValidationError):
        return bad_reply("an answer that is not a chat completion")
    if isinstance(e, openai.APITimeoutError):
        return E.ApiTimeoutError(
            f"The LLM did not answer in time: {msg}",
            platform=PLATFORM,
            hint="Retry, or raise the limit: mktd config set llm.timeout 300",
        )
    if isinstance(e, openai.APIConnectionError):
        return E.ApiConnectionError(
            f"Cannot reach the LLM endpoint: {msg}",
            platform=PLATFORM,
            sent=False,
            hint="Check OPENAI_BASE_URL (is the local server running?) and your network",
        )
    if isinstance(e, openai.APIStatusError):
        status = e.status_code
        kw: dict[str, Any] = dict(
            platform=PLATFORM,
            status_code=status,
            method="POST",
            path="/chat/completions",
            request_id=e.request_id,
        )
        text = f"LLM request failed: HTTP {status}: {msg}"
        if 300 <= status < 400:
            where = e.response.headers.get("location", "elsewhere") if e.response else "elsewhere"
            return bad_reply(f"a redirect to {redact(where)[:100]}, which mktd does not follow")
        if status == 401:
            return E.AuthenticationError(text, hint="Check OPENAI_API_KEY (it was rejected)", **kw)
        if status == 403:
            return E.PermissionDeniedError(text, hint="This key cannot use this model", **kw)
        if status == 404:
            return E.NotFoundError(
                text, hint="Choose an available model: mktd config set llm.model MODEL", **kw
            )
        if status == 429:
            from mktdirector.core.retry import parse_retry_after

            wait = parse_retry_after(dict(e.response.headers)) if e.response is not None else None
            return E.RateLimitError(
                text, retry_after=wait, hint="Wait and retry, or check the account's quota", **kw
            )
        if status >= 500:
            return E.ServerError(text, hint="The LLM service failed; retry shortly", **kw)
        return E.BadRequestError(text, **kw)
    return E.IntegrationError(f"LLM error: {msg}", platform=PLATFORM)
