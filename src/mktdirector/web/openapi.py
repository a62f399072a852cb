"""/openapi.json as the API's contract: every error an operation can answer is documented as
an RFC 9457 problem document (FastAPI's default 422 shape is not what this server sends)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "kind"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "hint": {"type": ["string", "null"]},
        "kind": {"type": "string"},
        "exit_code": {"type": "integer"},
        "retry_after": {"type": ["number", "null"]},
        "queued": {"type": "boolean"},
        "platform": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ERRORS = {
    "401": "No or wrong bearer token",
    "403": "Refused by the platform (authorization)",
    "404": "No such record",
    "409": "Refused in this state, or not configured",
    "412": "Changed since it was reviewed",
    "421": "Host not allowed",
    "422": "Invalid request (the field is named)",
    "428": "If-Match required",
    "429": "Rate limited: queued for the worker (Retry-After)",
    "502": "The platform failed",
}
_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _REF}}}


def install(app: FastAPI) -> None:
    """Replace app.openapi with one that documents the problem documents."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM
        for item in doc.get("paths", {}).values():
            for op in item.values():
                responses = op.setdefault("responses", {})
                for code, text in ERRORS.items():
                    if code not in responses or code == "422":
                        responses[code] = _problem_response(text)
                    else:
                        responses[code].setdefault("content", {})
                        responses[code]["content"] = {"application/problem+json": {"schema": _REF}}
        _link_drafts(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = build  # type: ignore[method-assign]


# What a created post's `draft_id` feeds: OpenAPI links, so stateful clients (and schemathesis)
# can follow a new draft through review and publishing.
_DRAFT_OPS = {
    "GetDraft": ("/drafts/{draft_id}", "get"),
    "EditDraft": ("/drafts/{draft_id}", "patch"),
    "ApproveDraft": ("/drafts/{draft_id}/approve", "post"),
    "RejectDraft": ("/drafts/{draft_id}/reject", "post"),
    "PublishDraft": ("/drafts/{draft_id}/publish", "post"),
    "ScheduleDraft": ("/drafts/{draft_id}/schedule", "post"),
}


def _link_drafts(doc: dict[str, Any]) -> None:
    paths = doc.get("paths", {})
    create = paths.get("/social/{platform}/posts", {}).get("post")
    if create is None:
        return
    links = {}
    for name, (path, method) in _DRAFT_OPS.items():
        op = paths.get(path, {}).get(method)
        if op is not None and "operationId" in op:
            links[name] = {
                "operationId": op["operationId"],
                "parameters": {"draft_id": "$response.body#/draft_id"},
            }
    for code in ("201", "202"):
        if code in create.get("responses", {}):
            create["responses"][code]["links"] = links
