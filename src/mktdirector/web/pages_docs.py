"""/docs: the API's interactive documentation, rendered here from /openapi.json (FastAPI's own
page loads Swagger UI from a CDN with inline script, which the CSP refuses)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mktdirector.web.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "patch", "put", "delete")


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation with what a person needs to call it: parameters and an example body."""
    schemas = doc.get("components", {}).get("schemas", {})
    out = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
            out.append({
                "id": op.get("operationId", f"{method}-{path}"),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [
                    {"name": p["name"], "in": p["in"], "required": p.get("required", False)}
                    for p in op.get("parameters", [])
                ],
                "example": json.dumps(_example(schema), indent=2) if schema else "",
                "codes": sorted(op.get("responses", {})),
            })  # fmt: skip
    return out


def _example(schema: dict[str, Any]) -> dict[str, Any]:
    """The required fields and a few useful ones, with their defaults or a placeholder."""
    props = schema.get("properties", {})
    keep = set(schema.get("required", [])) | {"topic", "text", "reason", "at"} & set(props)
    example: dict[str, Any] = {}
    for name in props:
        if name in keep:
            default = props[name].get("default")
            example[name] = default if default is not None else f"<{name}>"
    return example


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> Response:
    doc = request.app.openapi()
    return render(request, "docs.html", None, ops=operations(doc), info=doc.get("info", {}))
