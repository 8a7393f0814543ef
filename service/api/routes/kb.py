"""The knowledge base: search it (plugins), list and reload it (ops)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from service.api.deps import ResourcesDep, require
from service.errors import InvalidField
from service.knowledge import KBError, KnowledgeBase
from service.understand.intents import INTENTS

router = APIRouter(tags=["knowledge base"])


class KBErrorOut(BaseModel):
    path: str
    line: int
    message: str


class SearchHit(BaseModel):
    id: str
    title: str
    kind: str
    language: str
    intents: list[str]
    score: float
    snippet: str


class SearchOut(BaseModel):
    data: list[SearchHit]


class EntryOut(BaseModel):
    id: str
    kind: str
    title: str
    language: str
    intents: list[str]
    asins: list[str]
    tags: list[str]
    path: str
    line: int
    purpose: str = "reply"  # reply | acknowledgement | proactive (front matter, optional)


class KBStatus(BaseModel):
    entries: int
    templates: int
    articles: int
    languages: dict[str, int]
    errors: list[KBErrorOut]
    stale: list[str]  # broken files whose last good version is still served


class KBListing(KBStatus):
    data: list[EntryOut]


def _errors(errors: tuple[KBError, ...]) -> list[KBErrorOut]:
    return [KBErrorOut(path=e.path, line=e.line, message=e.message) for e in errors]


def _status(kb: KnowledgeBase) -> dict[str, object]:
    languages: dict[str, int] = {}
    for entry in kb.entries:
        languages[entry.language] = languages.get(entry.language, 0) + 1
    return {
        "entries": len(kb.entries),
        "templates": sum(e.kind == "template" for e in kb.entries),
        "articles": sum(e.kind == "article" for e in kb.entries),
        "languages": dict(sorted(languages.items())),
        "errors": _errors(kb.errors),
        "stale": list(kb.stale),
    }


@router.get("/kb/search", response_model=SearchOut, dependencies=[Depends(require("plugin"))])
def search_kb(
    resources: ResourcesDep,
    q: Annotated[str, Query(max_length=2_000)] = "",
    language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$")] = None,
    intent: Annotated[str | None, Query(json_schema_extra={"enum": list(INTENTS)})] = None,
    asin: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{10}$")] = None,
    kind: Literal["template", "article"] | None = None,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchOut:
    """Search the knowledge base with optional language, intent, ASIN and kind filters."""
    if intent is not None and intent not in INTENTS:
        raise InvalidField(("query", "intent"), f"unknown intent {intent!r}", kind="enum")
    hits = resources.kb.search(
        q, language=language, intent=intent, asin=asin, kind=kind, k=k, snippets=True
    )
    return SearchOut(
        data=[
            SearchHit(
                id=h.entry.id,
                title=h.entry.title,
                kind=h.entry.kind,
                language=h.entry.language,
                intents=list(h.entry.intents),
                score=h.score,
                snippet=h.snippet,
            )
            for h in hits
        ]
    )


@router.get("/kb", response_model=KBListing, dependencies=[Depends(require("ops"))])
def list_kb(resources: ResourcesDep) -> KBListing:
    """Every entry with its front matter, and the files that failed to load."""
    kb = resources.kb
    data = [
        EntryOut(
            id=e.id,
            kind=e.kind,
            title=e.title,
            language=e.language,
            intents=list(e.intents),
            asins=list(e.asins),
            tags=list(e.tags),
            path=e.path,
            line=e.line,
            purpose=e.purpose,
        )
        for e in kb.entries
    ]
    return KBListing.model_validate(_status(kb) | {"data": data})


@router.post("/kb/reload", response_model=KBStatus, dependencies=[Depends(require("ops"))])
async def reload(resources: ResourcesDep) -> KBStatus:
    """Reload the knowledge base now; answers the counts and any file errors."""
    kb = await run_in_threadpool(resources.knowledge.reload)
    return KBStatus.model_validate(_status(kb))
