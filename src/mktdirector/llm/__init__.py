"""The LLM: a small protocol agents depend on, and the OpenAI-compatible implementation.

Works with any OpenAI-compatible endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio) via
`OPENAI_API_KEY` / `OPENAI_BASE_URL` and `MKTD_MODEL`. Structured output uses a JSON schema where
the endpoint supports it and a validated JSON parse where it does not; a reply that fails
validation is retried once with the validation error, then reported clearly. Network errors,
5xx and short 429s are retried here like a platform call (`http.max_retries`, exponential
backoff, Retry-After / retry-after-ms), not by the SDK: the retries must stop at the deadline.

The endpoint is treated exactly like a platform (issue 12): one generation, the SDK's retries
included, ends by `llm.deadline` (core/deadline.py arms the SDK's httpx2 transport), a reply is
read up to `MAX_REPLY_BYTES`, redirects are not followed, and an answer that is not a chat
completion (HTML, invalid JSON, a wrong shape) is a classified `ApiResponseError`: exit 6, one
line, never a traceback.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse

from mktdirector.core import deadline
from mktdirector.core import errors as E
from mktdirector.core.http_answers import BodyTooLarge
from mktdirector.core.redact import redact, register
from mktdirector.llm.replies import (
    MAX_REPLY_BYTES,
    PLATFORM,
    bad_reply,
    deadline_error,
    guarded,
    map_openai_error,
    reply_parts,
    retry_wait,
    too_large,
    unsupported_format,
)

NO_LLM_HINT = (
    "Set OPENAI_API_KEY, or point OPENAI_BASE_URL at a local OpenAI-compatible server "
    "(e.g. http://localhost:11434/v1 for Ollama), or pass --text/--text-file"
)
# USD per million tokens (input, output). Override with `mktd config set llm.price.MODEL IN/OUT`.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4o": (2.50, 10.0),
    "gpt-4o-mini": (0.15, 0.60),
}

Validator = Callable[[Any], str | None]


class NoLLMError(E.ConfigError):
    kind = "no_llm"


class LLMOutputError(E.IntegrationError):
    """The model's answer stayed invalid after one repair attempt."""

    kind = "bad_response"


@dataclass
class Completion:
    text: str
    data: Any = None  # parsed JSON when a schema was given
    model: str = ""
    endpoint_host: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    duration_ms: int = 0
    attempts: int = 1
    cost_usd: float | None = None
    messages: list[dict[str, str]] = field(default_factory=list)


class LLM(Protocol):
    model: str
    endpoint_host: str

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any] | None = None,
        schema_name: str = "result",
        validate: Validator | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Completion: ...


def estimate_cost(
    model: str, input_tokens: int, output_tokens: int, prices: dict[str, tuple[float, float]]
) -> float | None:
    price = prices.get(model)
    if price is None:
        # Dated snapshots ("gpt-5-mini-2025-08-07") cost what their family costs.
        family = max((m for m in prices if model.startswith(m + "-")), key=len, default=None)
        price = prices.get(family) if family else None
    if price is None:
        return None
    return round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 6)


def parse_json_reply(text: str) -> Any:
    """Parse a JSON reply, tolerating a ```json fence or prose around one object."""
    s = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", s, re.S)
    if fence:
        s = fence.group(1).strip()
    try:
        return json.loads(s)
    except ValueError:
        start, end = s.find("{"), s.rfind("}")
        if start != -1 and end > start:
            return json.loads(s[start : end + 1])
        raise


def schema_errors(data: Any, schema: dict[str, Any]) -> str | None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errs = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if not errs:
        return None
    e = errs[0]
    where = "/".join(str(p) for p in e.path) or "(root)"
    return f"{where}: {e.message}"[:300]


class OpenAILLM:
    """OpenAI-compatible chat completions through the official SDK."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout: float = 120.0,
        deadline: float = 300.0,
        max_retries: int = 2,
        prices: dict[str, tuple[float, float]] | None = None,
        http_client: Any = None,
        structured: bool = True,
    ) -> None:
        import openai

        if not api_key and not base_url:
            raise NoLLMError("No LLM is configured.", hint=NO_LLM_HINT)
        register(api_key)
        self.has_key = bool(api_key)
        self.model = model
        self.base_url = base_url
        self.endpoint_host = urlparse(base_url).netloc if base_url else "api.openai.com"
        self.prices = {**DEFAULT_PRICES, **(prices or {})}
        self.structured = structured
        self.deadline = deadline
        self.max_retries = max_retries
        self.sleep = time.sleep
        self._client = openai.OpenAI(
            # Local servers (Ollama, LM Studio) ignore the key but the SDK requires one.
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=0,  # complete() retries, within the deadline
            http_client=guarded(http_client),
        )

    def complete(
        self,
        *,
        system: str,
        prompt: str,
        schema: dict[str, Any] | None = None,
        schema_name: str = "result",
        validate: Validator | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Completion:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        if schema is not None:
            messages[0]["content"] += (
                "\n\nReply with one JSON object only, matching this JSON schema:\n"
                + json.dumps(schema)
            )
        started = time.monotonic()
        total_in = total_out = 0
        last_error = ""
        for attempt in (1, 2):
            text, used_model, tin, tout = self._chat(messages, schema, schema_name, on_text)
            total_in, total_out = total_in + tin, total_out + tout
            data, problem = self._check(text, schema, validate)
            if problem is None:
                return Completion(
                    text=text,
                    data=data,
                    model=used_model,
                    endpoint_host=self.endpoint_host,
                    input_tokens=total_in,
                    output_tokens=total_out,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    attempts=attempt,
                    cost_usd=estimate_cost(used_model, total_in, total_out, self.prices),
                    messages=messages,
                )
            last_error = problem
            # One repair round: show the model its answer and what was wrong with it.
            messages = [
                *messages,
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": f"That answer is invalid: {problem}. Reply again, "
                    "fixing only that, in the same format.",
                },
            ]
        raise LLMOutputError(
            f"The model's answer was invalid twice ({redact(last_error)}).",
            platform=PLATFORM,
            hint="Try again, or choose a stronger model: mktd config set llm.model MODEL",
        )

    def models_request(self) -> dict[str, Any]:
        """What `list_models` sends, for a dry run: the key masked (never shown), or no
        authorization header at all when there is no key (a local server needs none)."""
        headers = {"authorization": "****"} if self.has_key else {}
        url = f"{str(self._client.base_url).rstrip('/')}/models"
        return {"method": "GET", "url": url, "headers": headers, "body": None}

    def list_models(self) -> list[str]:
        """The endpoint's models (`GET /models`): the LLM's cheapest authenticated call, free
        of tokens; it ends by the client's timeout like every LLM call."""
        import openai

        try:
            return [m.id for m in self._client.models.list()]
        except openai.OpenAIError as e:
            raise map_openai_error(e) from None

    @staticmethod
    def _check(
        text: str, schema: dict[str, Any] | None, validate: Validator | None
    ) -> tuple[Any, str | None]:
        data: Any = text
        if schema is not None:
            try:
                data = parse_json_reply(text)
            except ValueError:
                return None, "the reply is not valid JSON"
            problem = schema_errors(data, schema)
            if problem:
                return None, problem
        if validate is not None:
            problem = validate(data)
            if problem:
                return None, problem
        return data, None

    def close(self) -> None:
        self._client.close()

    def _chat(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any] | None,
        schema_name: str,
        on_text: Callable[[str], None] | None,
    ) -> tuple[str, str, int, int]:
        """One generation: tries until it succeeds, the retries are spent or the deadline passes."""
        from mktdirector.core.retry import backoff

        emitted: list[str] = []

        def seen(text: str) -> None:
            emitted.append(text)
            if on_text is not None:
                on_text(text)

        # What a stall is reported against: this deadline, or a caller's sooner one.
        outer_left = deadline.remaining()
        budget_s = self.deadline if outer_left is None else min(self.deadline, max(outer_left, 0))
        with deadline.within(self.deadline):
            for attempt in range(1, self.max_retries + 2):
                try:
                    shown = None if on_text is None else seen
                    return self._chat_once(messages, schema, schema_name, shown, budget_s)
                except E.MktdError as e:
                    wait = retry_wait(e, attempt, backoff)
                    left = deadline.remaining()
                    final = attempt > self.max_retries or emitted  # never repeat shown text
                    if final or wait is None or (left is not None and wait >= left):
                        raise
                    self.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _chat_once(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any] | None,
        schema_name: str,
        on_text: Callable[[str], None] | None,
        budget_s: float,
    ) -> tuple[str, str, int, int]:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        if schema is not None and self.structured:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema},
            }
        with deadline.within(None):
            try:
                if on_text is not None:  # a structured reply streams its JSON text
                    return self._stream(kwargs, on_text)
                resp = self._client.chat.completions.create(**kwargs)
                return reply_parts(resp, self.model)
            except openai.BadRequestError as e:
                if "response_format" in kwargs and unsupported_format(e):
                    # The endpoint has no structured output: fall back to a validated parse.
                    self.structured = False
                    return self._chat_once(messages, schema, schema_name, on_text, budget_s)
                raise map_openai_error(e) from None
            except openai.OpenAIError as e:
                if deadline.passed():
                    # The deadline, not the wait (which a loaded machine stretches past it).
                    raise deadline_error(budget_s) from None
                raise map_openai_error(e) from None
            except E.MktdError:
                raise
            except BodyTooLarge:
                raise too_large() from None
            except (ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
                # The SDK parses what it was given: HTML, cut-off JSON or another shape end
                # here as Python errors; they are the endpoint's fault, not a bug of ours.
                what = f"an answer that is not a chat completion ({type(e).__name__})"
                raise bad_reply(what) from None

    def _stream(
        self, kwargs: dict[str, Any], on_text: Callable[[str], None]
    ) -> tuple[str, str, int, int]:
        parts: list[str] = []
        model, tin, tout = self.model, 0, 0
        size, chunks = 0, 0
        stream = self._client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        with stream:
            for chunk in stream:
                if not hasattr(chunk, "choices"):
                    raise bad_reply("a stream of something other than completion chunks")
                chunks += 1
                model = chunk.model or model
                if chunk.usage:
                    tin, tout = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                for choice in chunk.choices or []:
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        size += len(delta)
                        if size > MAX_REPLY_BYTES:
                            raise too_large()
                        parts.append(delta)
                        on_text(delta)
        if not chunks:
            raise bad_reply("an empty stream (no completion chunks)")
        return "".join(parts), model, tin, tout
