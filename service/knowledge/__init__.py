"""The seller's knowledge base: an immutable, indexed snapshot of `knowledge_base/`.

`load_kb` never fails on a bad file: the file becomes a `KBError` (shown by `kb lint`,
`POST /kb/reload` and `/readyz`) and the rest loads, so one typo cannot take every template
offline. Given the previous snapshot, a file that broke keeps its last good entry, and files
whose text did not change are not parsed again. A reload builds a new snapshot and the caller
swaps the reference: requests in flight keep the one they started with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from service.knowledge.dense import MIN_SIMILARITY, Dense, fuse
from service.knowledge.files import Entry, FileResult, KBError, kb_files, read_file
from service.knowledge.index import Hit, Index, plain_text, query_tokens, snippet, tokenize, top
from service.knowledge.render import (
    OPTIONAL_VARIABLES,
    TEMPLATE_VARIABLES,
    RenderError,
    TemplateProblem,
    compile_template,
    minimal_context,
    render_template,
    sample_context,
)
from service.understand.word_vectors import word_vectors

__all__ = [
    "TEMPLATE_VARIABLES",
    "Entry",
    "Hit",
    "KBError",
    "KnowledgeBase",
    "RenderError",
    "load_kb",
    "minimal_context",
    "render",
    "sample_context",
    "tokenize",
]

ASIN_BOOST = 1.5  # an entry written for the buyer's product outranks a general one
Mask = npt.NDArray[np.bool_]


class KnowledgeBase:
    """Read-only once built, so one instance can serve every thread and task at the same time."""

    __slots__ = (
        "_asin_rows", "_by_id", "_by_path", "_dense", "_entries", "_errors", "_files",
        "_general", "_index", "_languages", "_masks", "_plain", "_stale",
    )  # fmt: skip

    def __init__(
        self,
        *,
        entries: Sequence[Entry],
        errors: Sequence[KBError] = (),
        files: Mapping[str, FileResult] | None = None,
        stale: Sequence[str] = (),
        vectors: bool = True,
    ) -> None:
        """``vectors=False`` ranks by BM25 alone (to measure what the word vectors add)."""
        # Rows sorted by id turn "score desc, then id" into "score desc, then row".
        self._entries = tuple(sorted(entries, key=lambda e: e.id))
        self._errors = tuple(errors)
        self._files = MappingProxyType(dict(files or {}))
        self._stale = tuple(stale)
        self._by_id = {e.id: row for row, e in enumerate(self._entries)}
        if len(self._by_id) != len(self._entries):
            raise ValueError("entry ids must be unique")
        self._by_path = {e.path: e for e in self._entries}
        n = len(self._entries)
        # Filters are row masks computed here; a query ANDs a few of them against one index
        # instead of building indexes per filter or looping over entries in Python.
        self._masks: dict[tuple[str, str], Mask] = {}
        asin_rows: dict[str, list[int]] = {}
        for row, entry in enumerate(self._entries):
            keys = [("language", entry.language), ("kind", entry.kind), ("purpose", entry.purpose)]
            for key in keys + [("intent", intent) for intent in entry.intents]:
                self._masks.setdefault(key, np.zeros(n, dtype=np.bool_))[row] = True
            for asin in entry.asins:
                asin_rows.setdefault(asin, []).append(row)
        self._asin_rows = {a: np.asarray(rows, dtype=np.int64) for a, rows in asin_rows.items()}
        self._general: Mask = np.array([not e.asins for e in self._entries], dtype=np.bool_)
        for mask in (*self._masks.values(), self._general):
            mask.flags.writeable = False
        self._languages = sorted({e.language for e in self._entries})
        self._plain = tuple(plain_text(e) for e in self._entries)
        self._index = Index(self._entries, self._plain)
        self._dense = Dense(self._entries, self._plain, word_vectors() if vectors else None)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    @property
    def errors(self) -> tuple[KBError, ...]:
        return self._errors

    @property
    def stale(self) -> tuple[str, ...]:
        """Paths of broken files whose last good version is still served."""
        return self._stale

    @property
    def files(self) -> Mapping[str, FileResult]:
        return self._files

    def get(self, entry_id: str) -> Entry | None:
        row = self._by_id.get(entry_id)
        return None if row is None else self._entries[row]

    def by_path(self, path: str) -> Entry | None:
        return self._by_path.get(path)

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        intent: str | None = None,
        asin: str | None = None,
        asins: Sequence[str] = (),
        kind: str | None = None,
        k: int = 5,
        snippets: bool = False,
    ) -> list[Hit]:
        """Best entries for the query; a blank query lists the filtered entries by id.

        With `asin`/`asins` (the order's products), entries written for other products are left
        out and those for these products are boosted. `snippets` adds the passage that matches
        best to each hit (for people reading a result list; drafting reads whole entries).
        """
        wanted = (*asins, asin) if asin else tuple(asins)
        listed = self._listing(wanted)
        mask = self._mask(
            language=language, intent=intent, kind=kind, asins=wanted or None, listed=listed
        )
        tokens = query_tokens(query, language=language, languages=self._languages)
        boost = np.where(listed, ASIN_BOOST, 1.0)
        scores = self._index.scores(tokens) * boost
        meaning = self._dense.similarity(query, language) if query.strip() else None
        if meaning is not None:  # English: BM25 and word vectors, fused
            # An entry with no word of the query is a hit only when it is close in meaning,
            # or written for the buyer's product.
            with np.errstate(invalid="ignore"):
                near = (meaning >= MIN_SIMILARITY) | (listed & ~np.isnan(meaning))
            rows = np.flatnonzero(mask & ((scores > 0) | near))
            lexical = np.where(scores[rows] > 0, scores[rows], np.nan)
            # The buyer's product's entries first among equals, as in BM25 (a cosine may be
            # negative: only a positive one is raised).
            alike = np.where(meaning[rows] > 0, meaning[rows] * boost[rows], meaning[rows])
            scores = np.zeros(len(self._entries))
            scores[rows] = fuse(rows, lexical, alike)
        elif query.strip():
            rows = np.flatnonzero(mask & (scores > 0))
        else:
            rows = np.flatnonzero(mask)
        return [
            self._hit(row, scores[row], tokens if snippets else None)
            for row in top(rows, scores[rows], k)
        ]

    def best_template(
        self,
        *,
        query: str,
        language: str,
        intent: str,
        asins: Sequence[str] = (),
        purpose: str = "reply",
    ) -> Hit | None:
        """The template to answer with: ASIN-specific first, then BM25 on the query, then id.

        Never a template written for another product; None only when the language and intent
        have no template at all, so a query that matches nothing still gets the intent's one.
        """
        listed = self._listing(asins)
        mask = self._mask(
            language=language, intent=intent, kind="template", asins=tuple(asins), listed=listed
        )
        # Holding replies and proactive templates are never a reply to a buyer's question.
        mask &= self._masks.get(("purpose", purpose), False)
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return None
        tokens = tokenize(query, language=language)
        scores = self._index.scores(tokens)[rows] * np.where(listed[rows], ASIN_BOOST, 1.0)
        best = int(np.lexsort((rows, -scores, ~listed[rows]))[0])
        return self._hit(int(rows[best]), scores[best], None)

    def _listing(self, asins: Sequence[str]) -> Mask:
        listed = np.zeros(len(self._entries), dtype=np.bool_)
        for asin in asins:
            rows = self._asin_rows.get(asin.strip().upper())
            if rows is not None:
                listed[rows] = True
        return listed

    def _mask(
        self,
        *,
        language: str | None,
        intent: str | None,
        kind: str | None,
        asins: tuple[str, ...] | None,
        listed: Mask,
    ) -> Mask:
        mask = np.ones(len(self._entries), dtype=np.bool_)
        for field_name, value in (("language", language), ("intent", intent), ("kind", kind)):
            if value is not None:
                mask &= self._masks.get((field_name, value), False)  # unknown value: no rows
        if asins is not None:  # general entries, and those written for one of these products
            mask &= self._general | listed
        return mask

    def _hit(self, row: int, score: float, tokens: list[str] | None) -> Hit:
        entry = self._entries[row]
        text = ""
        if tokens is not None:
            text = snippet(self._plain[row], frozenset(tokens), language=entry.language)
        return Hit(entry=entry, score=round(float(score), 4), snippet=text)


def load_kb(kb_dir: Path, *, previous: KnowledgeBase | None = None) -> KnowledgeBase:
    """Read `kb_dir/**/*.md` into a new snapshot; `previous` makes it a reload (see above)."""
    if not kb_dir.is_dir():
        error = KBError(str(kb_dir), 0, "knowledge-base directory not found")
        if previous is not None and previous.entries:  # an unmounted volume is not "delete all"
            return KnowledgeBase(
                entries=previous.entries,
                errors=(error,),
                files=previous.files,
                stale=tuple(e.path for e in previous.entries),
            )
        return KnowledgeBase(entries=(), errors=(error,))
    old_files = previous.files if previous is not None else {}
    files: dict[str, FileResult] = {}
    for file in kb_files(kb_dir):
        rel = file.relative_to(kb_dir).as_posix()
        files[rel] = read_file(file, rel=rel, previous=old_files.get(rel))
    entries: dict[str, Entry] = {}
    errors: list[KBError] = []
    stale: list[str] = []
    for rel, result in files.items():
        errors.extend(result.errors)
        entry = result.entry
        if entry is None and previous is not None:
            entry = previous.by_path(rel)
            if entry is not None:
                stale.append(rel)
        if entry is None:
            continue
        first = entries.get(entry.id)
        if first is not None:
            message = f"duplicate id '{entry.id}': already defined in {first.path}; file skipped"
            errors.append(KBError(rel, entry.id_line, message))
            continue
        entries[entry.id] = entry
    return KnowledgeBase(entries=tuple(entries.values()), errors=errors, files=files, stale=stale)


def render(entry: Entry, context: Mapping[str, object]) -> str:
    """Render a template entry with the order context (see TEMPLATE_VARIABLES). An optional
    variable the flow does not know (`answer_by` in a reply, `claim_filed` or `concerns` where
    no buyer message was read) is None, as the linter renders it: never an error at drafting
    time."""
    if entry.kind != "template":
        raise RenderError(f"{entry.id} is an article, not a template")
    try:
        template = compile_template(entry.body)  # cached: compiled on the first render only
    except TemplateProblem as exc:
        raise RenderError(f"template {entry.id} ({entry.path}): {exc.message}") from exc
    full = dict.fromkeys(OPTIONAL_VARIABLES) | dict(context)
    return render_template(template, full, name=f"{entry.id} ({entry.path})")
