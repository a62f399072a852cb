"""Issue 11 rough edge: the LLM is an integration like the others (`test-integration openai`
checks it with GET /models, `--dry-run` shows that request without the key, `status` does not
call a keyless local endpoint "missing")."""

from __future__ import annotations

import json

import httpx2

from mktdirector.agents.ops.llm_check import check_llm, dry_run_llm
from mktdirector.llm import OpenAILLM
from mktdirector.wiring import Deps

SECRET = "sk-test-SECRETKEY-1234567890abcdef"
MODELS = {"object": "list", "data": [
    {"id": "gpt-5-mini", "object": "model", "created": 0, "owned_by": "o"},
    {"id": "gpt-5", "object": "model", "created": 0, "owned_by": "o"},
]}  # fmt: skip


class Endpoint:
    def __init__(self, status: int = 200, body: dict | None = None) -> None:
        self.status, self.body = status, body if body is not None else MODELS
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(self.status, json=self.body)


def make(ep: Endpoint, *, model: str = "gpt-5-mini", key: str | None = SECRET) -> OpenAILLM:
    return OpenAILLM(api_key=key, base_url="http://llm.test/v1", model=model, max_retries=0,
                     http_client=httpx2.Client(transport=httpx2.MockTransport(ep)))  # fmt: skip


def test_a_working_llm_is_connected_with_one_models_call():
    ep = Endpoint()
    result = check_llm(lambda: make(ep))
    assert result["status"] == "connected" and "gpt-5-mini" in result["detail"]
    assert len(ep.requests) == 1 and ep.requests[0].method == "GET"
    assert ep.requests[0].url.path == "/v1/models"
    assert SECRET not in json.dumps(result)


def test_a_model_the_endpoint_does_not_offer_is_an_error_naming_the_fix():
    result = check_llm(lambda: make(Endpoint(), model="gpt-9"))
    assert result["status"] == "error" and "gpt-9" in result["detail"]
    assert result["hint"] == "mktd config set llm.model MODEL" and result["error"] == "config"


def test_a_rejected_key_is_an_auth_error_without_the_key():
    body = {"error": {"message": f"Incorrect API key provided: {SECRET}", "type": "x"}}
    result = check_llm(lambda: make(Endpoint(401, body)))
    assert result["status"] == "error" and result["error"] == "auth"
    assert SECRET not in json.dumps(result)


def test_the_dry_run_shows_the_request_masks_the_key_and_sends_nothing():
    ep = Endpoint()
    result = dry_run_llm(lambda: make(ep))
    assert result["request"] == {"method": "GET", "url": "http://llm.test/v1/models",
                                 "headers": {"authorization": "****"}, "body": None}  # fmt: skip
    assert ep.requests == [] and SECRET not in json.dumps(result)
    keyless = dry_run_llm(lambda: make(ep, key=None))
    assert keyless["request"]["headers"] == {} and keyless["status"] == "dry_run"


# the CLI ----------------------------------------------------------------------------------------


def test_cli_test_integration_openai_is_supported(cli, monkeypatch):
    ep = Endpoint()
    monkeypatch.setattr(Deps, "llm", lambda self: make(ep))
    r = cli("test-integration", "openai", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "connected" and len(ep.requests) == 1


def test_cli_without_any_llm_is_missing_credentials_exit_3(cli):
    r = cli("test-integration", "openai", "--json")
    assert r.exit_code == 3 and json.loads(r.stdout)["status"] == "missing_credentials"
    r = cli("test-integration", "openai", "--dry-run")
    assert r.exit_code == 3 and "authorization" not in r.stdout


def test_cli_test_integrations_includes_the_llm(cli, monkeypatch):
    monkeypatch.setattr(Deps, "llm", lambda self: make(Endpoint()))
    r = cli("test-integrations", "--json")
    rows = {x["platform"]: x for x in json.loads(r.stdout)}
    assert rows["openai"]["status"] == "connected"


def test_status_does_not_call_a_keyless_local_llm_missing(cli, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    r = cli("status", "--json")
    row = next(p for p in json.loads(r.stdout)["platforms"] if p["platform"] == "openai")
    assert row["credentials"] == "no key needed (127.0.0.1:11434)"
