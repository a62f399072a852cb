"""The real OpenAI-compatible client against an httpx2 mock transport (respx can't see httpx2)."""

from __future__ import annotations

import json

import httpx2
import pytest

from mktdirector.core import errors as E
from mktdirector.llm import LLMOutputError, NoLLMError, OpenAILLM, estimate_cost, parse_json_reply

SECRET = "sk-test-SECRETKEY-1234567890abcdef"
SCHEMA = {
    "type": "object",
    "properties": {"posts": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
    "required": ["posts"],
}


def completion(content: str, model: str = "gpt-5-mini", tin: int = 120, tout: int = 80) -> dict:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
    }


class Endpoint:
    """Records request bodies; answers from a queue of (status, body, headers)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[dict] = []
        self.headers: list[dict] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        self.headers.append(dict(request.headers))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        return httpx2.Response(status, json=body, headers=headers or {})


def make(endpoint: Endpoint, **kw) -> OpenAILLM:
    kw.setdefault("api_key", SECRET)
    kw.setdefault("max_retries", 0)
    return OpenAILLM(
        base_url="http://llm.test/v1",
        model="gpt-5-mini",
        http_client=httpx2.Client(transport=httpx2.MockTransport(endpoint)),
        **kw,
    )


def test_structured_output_sends_json_schema_and_parses_reply():
    ep = Endpoint((200, completion(json.dumps({"posts": ["a", "b"]})), None))
    c = make(ep).complete(system="sys", prompt="write", schema=SCHEMA, schema_name="x_thread")
    body = ep.requests[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "x_thread"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert body["messages"][0]["role"] == "system" and body["messages"][1]["content"] == "write"
    assert ep.headers[0]["authorization"] == f"Bearer {SECRET}"
    assert c.data == {"posts": ["a", "b"]}
    assert (c.input_tokens, c.output_tokens, c.attempts) == (120, 80, 1)
    assert c.endpoint_host == "llm.test"
    assert c.cost_usd == pytest.approx((120 * 0.25 + 80 * 2.0) / 1e6)


def test_invalid_json_is_repaired_once_with_the_validation_error():
    ep = Endpoint(
        (200, completion("Sure! here you go: {not json"), None),
        (200, completion('```json\n{"posts": ["one", "two"]}\n```', tin=10, tout=5), None),
    )
    c = make(ep).complete(system="s", prompt="p", schema=SCHEMA)
    assert len(ep.requests) == 2
    repair = ep.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! here you go: {not json"}
    assert "not valid JSON" in repair[-1]["content"]
    assert c.data == {"posts": ["one", "two"]}
    assert c.attempts == 2 and c.input_tokens == 130 and c.output_tokens == 85


def test_schema_violation_twice_is_reported_clearly():
    bad = completion(json.dumps({"posts": ["only one"]}))
    ep = Endpoint((200, bad, None), (200, bad, None))
    with pytest.raises(LLMOutputError) as info:
        make(ep).complete(system="s", prompt="p", schema=SCHEMA)
    assert "invalid twice" in info.value.message and "posts" in info.value.message
    assert info.value.exit_code == E.ExitCode.UPSTREAM
    assert len(ep.requests) == 2


def test_custom_validator_failure_goes_into_the_repair_prompt():
    ep = Endpoint((200, completion("x" * 50), None), (200, completion("short"), None))
    c = make(ep).complete(
        system="s", prompt="p", validate=lambda t: "too long" if len(t) > 10 else None
    )
    assert c.text == "short"
    assert "too long" in ep.requests[1]["messages"][-1]["content"]


def test_endpoint_without_structured_output_falls_back_to_validated_parse():
    refusal = {
        "error": {
            "message": "response_format json_schema is not supported",
            "type": "invalid_request_error",
        }
    }
    ep = Endpoint((400, refusal, None), (200, completion('{"posts": ["a", "b"]}'), None))
    llm = make(ep)
    c = llm.complete(system="s", prompt="p", schema=SCHEMA)
    assert "response_format" in ep.requests[0] and "response_format" not in ep.requests[1]
    assert "JSON schema" in ep.requests[1]["messages"][0]["content"]
    assert c.data == {"posts": ["a", "b"]} and llm.structured is False


def test_401_maps_to_authentication_error_without_the_key():
    body = {
        "error": {
            "message": f"Incorrect API key provided: {SECRET}",
            "type": "invalid_request_error",
        }
    }
    ep = Endpoint((401, body, None))
    with pytest.raises(E.AuthenticationError) as info:
        make(ep).complete(system="s", prompt="p")
    err = info.value
    assert err.platform == "openai" and err.exit_code == E.ExitCode.AUTH
    assert "OPENAI_API_KEY" in err.hint
    assert SECRET not in str(err) and SECRET not in err.message


def test_429_maps_to_rate_limit_with_retry_after():
    ep = Endpoint((429, {"error": {"message": "Rate limit reached"}}, {"retry-after": "7"}))
    with pytest.raises(E.RateLimitError) as info:
        make(ep).complete(system="s", prompt="p")
    assert info.value.retry_after == 7.0 and info.value.exit_code == E.ExitCode.RATE_LIMITED


def test_sdk_retries_are_used_for_429_then_success():
    ep = Endpoint(
        (429, {"error": {"message": "slow down"}}, {"retry-after-ms": "1"}),
        (200, completion("ok"), None),
    )
    c = make(ep, max_retries=1).complete(system="s", prompt="p")
    assert c.text == "ok" and len(ep.requests) == 2


def test_timeout_maps_to_api_timeout_error():
    ep = Endpoint(httpx2.ReadTimeout("timed out"))
    with pytest.raises(E.ApiTimeoutError) as info:
        make(ep).complete(system="s", prompt="p")
    assert "llm.timeout" in info.value.hint


def test_404_model_hint_names_the_config_key():
    ep = Endpoint((404, {"error": {"message": "The model `nope` does not exist"}}, None))
    with pytest.raises(E.NotFoundError) as info:
        make(ep).complete(system="s", prompt="p")
    assert "llm.model" in info.value.hint


def test_streaming_delivers_chunks_and_usage():
    chunks = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-5-mini",
            "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}],
        }
        for part in ("Hello ", "world")
    ]
    chunks.append(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-5-mini",
            "choices": [],
            "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11},
        }
    )
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    seen: list[str] = []

    def handler(request):
        assert json.loads(request.content)["stream"] is True
        return httpx2.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )

    llm = OpenAILLM(
        api_key=SECRET,
        base_url="http://llm.test/v1",
        model="gpt-5-mini",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    c = llm.complete(system="s", prompt="p", on_text=seen.append)
    assert seen == ["Hello ", "world"] and c.text == "Hello world"
    assert (c.input_tokens, c.output_tokens) == (9, 2)


def test_no_llm_configured_names_three_ways():
    with pytest.raises(NoLLMError) as info:
        OpenAILLM(api_key=None, base_url=None, model="m")
    hint = info.value.hint
    assert "OPENAI_API_KEY" in hint and "OPENAI_BASE_URL" in hint and "--text" in hint
    assert info.value.exit_code == E.ExitCode.CONFIG


def test_local_endpoint_needs_no_key():
    ep = Endpoint((200, completion("hi", model="llama3.2"), None))
    c = make(ep, api_key=None).complete(system="s", prompt="p")
    assert c.text == "hi" and c.cost_usd is None  # unknown model: no made-up price


def test_cost_table_and_snapshot_names():
    prices = {"gpt-5-mini": (0.25, 2.0)}
    assert estimate_cost("gpt-5-mini-2025-08-07", 1_000_000, 0, prices) == 0.25
    assert estimate_cost("llama3", 10, 10, prices) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 2}\n```', {"a": 2}),
        ('Here: {"a": 3} done', {"a": 3}),
    ],
)
def test_parse_json_reply(text, expected):
    assert parse_json_reply(text) == expected


def test_server_errors_are_retried_per_the_policy_then_reported():
    ep = Endpoint(*[(503, {"error": {"message": "busy"}}, None)] * 3)
    llm = make(ep, max_retries=2)
    waits: list[float] = []
    llm.sleep = waits.append
    with pytest.raises(E.ServerError):
        llm.complete(system="s", prompt="p")
    assert len(ep.requests) == 3 and len(waits) == 2  # a try and two retries, backoff between


def test_a_malformed_reply_is_not_retried():
    ep = Endpoint((200, {"hello": "world"}, None), (200, completion("ok"), None))
    llm = make(ep, max_retries=3)
    with pytest.raises(E.ApiResponseError) as info:
        llm.complete(system="s", prompt="p")
    assert len(ep.requests) == 1
    assert info.value.exit_code == E.ExitCode.UPSTREAM
    assert "not a chat completion" in info.value.message or "another shape" in info.value.message


def test_a_long_rate_limit_is_not_waited_for():
    ep = Endpoint((429, {"error": {"message": "quota"}}, {"retry-after": "3600"}))
    llm = make(ep, max_retries=3)
    llm.sleep = lambda s: pytest.fail("waited for an hour-long reset")
    with pytest.raises(E.RateLimitError):
        llm.complete(system="s", prompt="p")
    assert len(ep.requests) == 1
