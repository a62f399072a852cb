"""HubSpot contact update: `PATCH /crm/v3/objects/contacts/{contactId}` (issue 12 item 9).

As HubSpot: the id is the record id, or the email with `?idProperty=email`; `properties` must
be an object of writable properties (read-only or unknown names: 400 VALIDATION_ERROR); an
email already used by another contact is a 409; an unknown contact is a 404. A lead that came
in through a post becomes a stored contact with the same id when it is first written to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from mktdirector.sandbox.base import Request, Response, json_response, route
from mktdirector.sandbox.hubspot.api import _EMAIL, V, check_props, fail, guard, save, shown
from mktdirector.sandbox.hubspot.leads import by_email, leads

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def _find(emu: Emulator, cid: str, by: str | None) -> dict[str, Any] | None:
    if by == "email":
        return by_email(emu, cid)
    return emu.state.get("hubspot.contact", cid) or next(
        (c for c in leads(emu) if c["id"] == cid), None
    )


def update(emu: Emulator, req: Request, cid: str) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    cid = unquote(cid)
    try:
        body = req.json()
        props = body.get("properties")
    except (ValueError, AttributeError):
        return fail(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")
    bad = check_props(props)
    if bad:
        return bad
    found = _find(emu, cid, req.arg("idProperty"))
    if found is None:
        return fail(
            404,
            "Object not found.  objectId are usually numeric.",
            "OBJECT_NOT_FOUND",
            context={"id": [cid]},
        )
    email = str(props.get("email") or "")
    if email:
        if not _EMAIL.fullmatch(email):
            return fail(
                400,
                f"Property values were not valid: Email address {email} is invalid",
                "VALIDATION_ERROR",
            )
        other = by_email(emu, email)
        if other is not None and other["id"] != found["id"]:
            return fail(409, f"Contact already exists. Existing ID: {other['id']}", "CONFLICT")
    contact = save(emu, dict(found, properties=dict(found["properties"])), props)
    return json_response(200, shown(contact, list(props)), g)


ROUTES = [route("PATCH", V + r"/(?P<cid>[^/]+)", "hubspot.update", update)]
