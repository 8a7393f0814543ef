"""One fake server for the five help desks' note endpoints, as their API references describe
the requests and answers (see each module of examples/helpdesks/): the method and path, the
authentication, and the JSON fields that make the note private. A request that differs is
refused as the real service would refuse it (401 or 400/422), so an example that drifts from
the documented shape fails its test. Accepted notes are kept in ``notes``."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

ZENDESK = ("agent@shop.example", "zd-token")
FRESHDESK_KEY = "fd-key"
HELPSCOUT_TOKEN = "hs-token"
GORGIAS = ("agent@shop.example", "gg-key")
CHATWOOT_TOKEN = "cw-token"


@dataclass
class Note:
    desk: str
    ticket: str
    text: str


@dataclass
class Desks:
    notes: list[Note] = field(default_factory=list)


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def make_app(desks: Desks) -> FastAPI:
    app = FastAPI()

    @app.put("/api/v2/tickets/{ticket_id}.json")
    async def zendesk(ticket_id: int, request: Request) -> Response:
        if _basic(request) != (f"{ZENDESK[0]}/token", ZENDESK[1]):
            return _refused(401, "Couldn't authenticate you")
        comment = (await request.json()).get("ticket", {}).get("comment", {})
        if not isinstance(comment.get("body"), str) or comment.get("public") is not False:
            return _refused(422, "RecordInvalid: a private comment needs body and public=false")
        desks.notes.append(Note("zendesk", str(ticket_id), comment["body"]))
        return JSONResponse({"ticket": {"id": ticket_id}, "audit": {"id": len(desks.notes)}})

    @app.post("/api/v2/tickets/{ticket_id}/notes")
    async def freshdesk(ticket_id: int, request: Request) -> Response:
        if _basic(request) != (FRESHDESK_KEY, "X"):
            return _refused(401, "invalid_credentials")
        body = await request.json()
        if not isinstance(body.get("body"), str) or body.get("private") is not True:
            return _refused(400, "Validation failed: body and private are required")
        desks.notes.append(Note("freshdesk", str(ticket_id), body["body"]))
        note = {"id": len(desks.notes), "body": body["body"], "private": True}
        return JSONResponse(note | {"ticket_id": ticket_id, "incoming": False}, status_code=201)

    @app.post("/v2/conversations/{conversation_id}/notes")
    async def helpscout(conversation_id: int, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {HELPSCOUT_TOKEN}":
            return _refused(401, "Unauthorized")
        body = await request.json()
        if not isinstance(body.get("text"), str) or not body["text"]:
            return _refused(400, "text: must not be empty")
        desks.notes.append(Note("helpscout", str(conversation_id), body["text"]))
        return Response(status_code=201, headers={"Resource-ID": str(len(desks.notes))})

    @app.post("/api/tickets/{ticket_id}/messages")
    async def gorgias(ticket_id: int, request: Request) -> Response:
        if _basic(request) != GORGIAS:
            return _refused(401, "Unauthorized")
        body = await request.json()
        wanted = {"channel": "internal-note", "via": "api", "from_agent": True}
        if any(body.get(k) != v for k, v in wanted.items()) or not body.get("body_text"):
            return _refused(400, "an internal note needs channel, via, from_agent, body_text")
        if not isinstance(body.get("sender"), dict):
            return _refused(400, "sender: required for an internal note")
        desks.notes.append(Note("gorgias", str(ticket_id), body["body_text"]))
        message = {"id": len(desks.notes), "ticket_id": ticket_id, "channel": "internal-note"}
        return JSONResponse(message | {"public": False}, status_code=201)

    @app.post("/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages")
    async def chatwoot(account_id: int, conversation_id: int, request: Request) -> Response:
        if request.headers.get("api_access_token") != CHATWOOT_TOKEN:
            return _refused(401, "You need to sign in or sign up before continuing.")
        body: dict[str, Any] = await request.json()
        if body.get("private") is not True or body.get("message_type") != "outgoing":
            return _refused(422, "a private note is an outgoing message with private=true")
        desks.notes.append(Note("chatwoot", f"{account_id}/{conversation_id}", body["content"]))
        return JSONResponse({"id": len(desks.notes), "content": body["content"], "private": True})

    return app
