"""The agents' review page: the page itself and its server-rendered queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from service import TEMPLATES_DIR
from service.api.deps import PresentedKey, ResourcesDep, SessionDep, authorize, require
from service.errors import ServiceError
from service.review import page as review_page

router = APIRouter(tags=["review"])
_agent = require("agent")
# The review page is rendered on the server: fast, no build step, readable without JavaScript.
TEMPLATES = Jinja2Templates(directory=TEMPLATES_DIR)

Choice = Annotated[str, Query(max_length=40)]


@router.get(
    "/review",
    response_class=HTMLResponse,
    # Without a key the page comes, holding no buyer data: the key is optional here.
    openapi_extra={"security": [{}, {"BearerKey": []}, {"ApiKeyHeader": []}]},
)
def review(
    request: Request,
    resources: ResourcesDep,
    session: SessionDep,
    presented: PresentedKey,
    status: Choice = "open",
    intent: Choice = "",
    language: Choice = "",
) -> HTMLResponse:
    """The review page: queue, draft beside the buyer message, findings, edit, approve, reject."""
    # A browser's first visit carries no key: then the page holds no buyer data, and its
    # script asks for the key and loads the queue with it.
    try:
        authorize(resources, "agent", presented)
        authorized = True
    except ServiceError:
        authorized = False
    context = review_page.page_context(authorized=authorized)
    if authorized:
        context |= review_page.queue_context(
            session, status=status, intent=intent, language=language
        )
    else:
        context["selected"] = {"status": status, "intent": intent, "language": language}
    return TEMPLATES.TemplateResponse(request, "review.html", context)


@router.get("/review/queue", response_class=HTMLResponse, dependencies=[Depends(require("agent"))])
def review_queue(
    request: Request,
    session: SessionDep,
    status: Choice = "open",
    intent: Choice = "",
    language: Choice = "",
) -> HTMLResponse:
    """The queue alone, as an HTML fragment for the page's script."""
    context = review_page.queue_context(session, status=status, intent=intent, language=language)
    return TEMPLATES.TemplateResponse(request, "_queue.html", context)
