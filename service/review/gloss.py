"""`GET /drafts/{id}/gloss?lang=en`: the buyer's message and the draft in the agent's language.

An agent in Berlin reviewing a Japanese reply needs to know what the buyer asked and what the
draft says before approving it. The configured model translates both (its own prompt,
`prompts/gloss.*.j2`); the translation is cached per draft and language with a hash of the
two texts, so an agent reopening the draft costs nothing and an edited or regenerated draft is
translated again. A gloss is for reading only: the reply that goes out is the draft's own text.

Without a model, or when its translation fails, the answer says "not available" and why; a
draft already in the agent's language needs no translation.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from anyio import to_thread

from service.errors import NotFound
from service.generate.drafter import LLMFailure
from service.resources import Resources
from service.store.db import session_scope, upsert
from service.store.models import Draft, Gloss, GlossPublic, utcnow

GLOSSES: sa.Table = Gloss.__table__  # type: ignore[attr-defined]


def _hash(message: str, draft: str) -> str:
    return hashlib.sha256(f"{message}\0{draft}".encode()).hexdigest()


def _read(engine: sa.Engine, draft_id: str, language: str) -> tuple[Draft, Gloss | None]:
    """The draft and its cached gloss in ``language``, if any (blocking)."""
    with session_scope(engine) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise NotFound(f"no draft {draft_id!r}")
        cached = session.get(Gloss, (draft_id, language))
        session.expunge_all()
    return draft, cached


def _store(engine: sa.Engine, row: dict[str, Any]) -> None:
    with engine.begin() as connection:
        connection.execute(upsert(GLOSSES, connection, ["draft_id", "language"], row))


async def gloss(resources: Resources, *, draft_id: str, language: str) -> GlossPublic:
    # The database in anyio's pool: the event loop only awaits.
    draft, cached = await to_thread.run_sync(_read, resources.engine, draft_id, language)
    message = str(draft.message.get("text") or "")
    source = _hash(message, draft.text)
    answer = GlossPublic(draft_id=draft_id, language=language, available=True)
    if draft.language == language:
        return answer.model_copy(update={"message": message, "draft": draft.text})
    if cached is not None and cached.source_hash == source:
        found = {"message": cached.message, "draft": cached.draft, "model": cached.model}
        return answer.model_copy(update=found | {"cached": True})
    if resources.llm is None:
        reason = "no model is configured: a translation needs one (REPLYDESK_LLM_BASE_URL)"
        return answer.model_copy(update={"available": False, "reason": reason})
    try:
        translated = await resources.llm.gloss(message=message, draft=draft.text, target=language)
    except LLMFailure as failure:
        reason = f"the model's translation failed ({failure.reason})"
        return answer.model_copy(update={"available": False, "reason": reason})
    row = {
        "draft_id": draft_id,
        "language": language,
        "source_hash": source,
        "message": translated.message,
        "draft": translated.draft,
        "model": translated.model,
        "prompt_tokens": translated.prompt_tokens,
        "completion_tokens": translated.completion_tokens,
        "created_at": utcnow(),
    }
    await to_thread.run_sync(_store, resources.engine, row)
    found = {"message": translated.message, "draft": translated.draft, "model": translated.model}
    return answer.model_copy(update=found)
