"""The seller's knowledge base: markdown files with YAML front matter, validated and indexed once.

`load_kb` never fails on a bad file: the file becomes a `KBError` (shown by `kb lint`, `/kb/reload`
and `/readyz`) and the rest loads, so one typo cannot take every template offline.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import bm25s
import jinja2
import numpy as np
import numpy.typing as npt
import yaml
from bm25s import stopwords

from service.intents import INTENTS
from service.kb_render import (
    TEMPLATE_VARIABLES,
    RenderError,
    TemplateProblem,
    compile_template,
    minimal_context,
    render_template,
    sample_context,
)

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

Kind = Literal["template", "article"]
KINDS: Final = ("template", "article")
REQUIRED: Final = ("id", "kind", "title", "language", "intents")
OPTIONAL: Final = ("asins", "tags")
# Ids end up in URLs and in the draft's `sources`: keep them to lowercase path-like slugs.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")
_LANGUAGE = re.compile(r"[a-z]{2}")
_ASIN = re.compile(r"[A-Z0-9]{10}")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10k files load in time


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: Kind
    title: str
    language: str
    intents: tuple[str, ...]
    asins: tuple[str, ...]
    tags: tuple[str, ...]
    body: str
    path: str  # relative to the knowledge-base directory, with "/" separators
    line: int  # the line of the file where the body starts, so messages can point into it
    template: jinja2.Template | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class KBError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    snippet: str


# Japanese and Chinese put no spaces between words, and a dictionary segmenter would be a heavy
# dependency: overlapping character bigrams (Lucene's CJKAnalyzer) match words of any length
# without one. Other scripts split on non-letters after NFKC + casefold, which folds full-width
# Latin, ligatures and "ß" so that query and entry meet in the same form.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")
_STOPWORD_LISTS: Final = {
    "en": stopwords.STOPWORDS_EN_PLUS,
    "de": stopwords.STOPWORDS_GERMAN,
    "fr": stopwords.STOPWORDS_FRENCH,
    "es": stopwords.STOPWORDS_SPANISH,
    "it": stopwords.STOPWORDS_ITALIAN,
    "pt": stopwords.STOPWORDS_PORTUGUESE,
    "nl": stopwords.STOPWORDS_DUTCH,
    "sv": stopwords.STOPWORDS_SWEDISH,
    "da": stopwords.STOPWORDS_DANISH,
    "tr": stopwords.STOPWORDS_TURKISH,
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


# Stop words are per language ("die" is German for "the", English for something else): entries
# drop their own language's, queries the language they filter on.
_STOPWORDS: Final = {lang: frozenset(map(_fold, ws)) for lang, ws in _STOPWORD_LISTS.items()}


def tokenize(text: str, *, language: str | None = None) -> list[str]:
    """Search tokens: folded words, CJK runs as character bigrams, stop words dropped."""
    stop = _STOPWORDS.get(language or "", frozenset())
    tokens: list[str] = []
    for run in _TOKEN.findall(_fold(text)):
        if _CJK_RUN.match(run):
            tokens.extend(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
        elif run not in stop:
            tokens.append(run)
    return tokens


TITLE_WEIGHT: Final = 3  # the title is indexed this many times: it says what the entry is for
ASIN_BOOST: Final = 1.5  # an entry written for the buyer's product outranks a general one
SNIPPET_CHARS: Final = 200
_JINJA_BRANCH = re.compile(r"\{%-?\s*(?:else|elif)\b.*?%\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_VAR = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_MARKDOWN = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+|>[ \t]?)|\*\*|__|`", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\s*\n\s*")
Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Scores = npt.NDArray[np.float64]


class KnowledgeBase:
    """Read-only once built, so one instance can serve every thread and task at the same time."""

    __slots__ = (
        "_asin_rows", "_bm25", "_by_id", "_entries", "_errors", "_general", "_masks", "_plain",
        "_vocab",
    )  # fmt: skip

    def __init__(self, *, entries: Sequence[Entry], errors: Sequence[KBError] = ()) -> None:
        # Rows sorted by id turn "score desc, then id" into "score desc, then row".
        self._entries = tuple(sorted(entries, key=lambda e: e.id))
        self._errors = tuple(errors)
        self._by_id = {e.id: row for row, e in enumerate(self._entries)}
        if len(self._by_id) != len(self._entries):
            raise ValueError("entry ids must be unique")
        n = len(self._entries)
        # Filters are row masks computed here; a query ANDs a few of them against one index
        # instead of building indexes per filter or looping over entries in Python.
        self._masks: dict[tuple[str, str], Mask] = {}
        asin_rows: dict[str, list[int]] = {}
        for row, entry in enumerate(self._entries):
            keys = [("language", entry.language), ("kind", entry.kind)]
            for key in keys + [("intent", intent) for intent in entry.intents]:
                self._masks.setdefault(key, np.zeros(n, dtype=np.bool_))[row] = True
            for asin in entry.asins:
                asin_rows.setdefault(asin, []).append(row)
        self._asin_rows = {a: np.asarray(rows, dtype=np.int64) for a, rows in asin_rows.items()}
        self._general: Mask = np.array([not e.asins for e in self._entries], dtype=np.bool_)
        for mask in (*self._masks.values(), self._general):
            mask.flags.writeable = False
        self._plain = tuple(_plain_text(e) for e in self._entries)
        self._bm25: Any = None
        self._vocab: dict[str, int] = {}
        corpus = [_document_tokens(e, t) for e, t in zip(self._entries, self._plain, strict=True)]
        if any(corpus):  # bm25s divides by the average length: an all-empty corpus has none
            self._bm25 = bm25s.BM25(method="lucene")
            self._bm25.index(corpus, show_progress=False)
            self._vocab = self._bm25.vocab_dict

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    @property
    def errors(self) -> tuple[KBError, ...]:
        return self._errors

    def get(self, entry_id: str) -> Entry | None:
        row = self._by_id.get(entry_id)
        return None if row is None else self._entries[row]

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        intent: str | None = None,
        asin: str | None = None,
        kind: str | None = None,
        k: int = 5,
    ) -> list[Hit]:
        """Best entries for the query; a blank query lists the filtered entries by id."""
        asins = (asin,) if asin else None
        listed = self._listing(asins or ())
        mask = self._mask(language=language, intent=intent, kind=kind, asins=asins, listed=listed)
        tokens = tokenize(query, language=language)
        scores = self._scores(tokens) * np.where(listed, ASIN_BOOST, 1.0)
        if query.strip():
            mask &= scores > 0
        rows = np.flatnonzero(mask)
        return [self._hit(row, scores[row], tokens) for row in _top(rows, scores[rows], k)]

    def best_template(
        self, *, query: str, language: str, intent: str, asins: Sequence[str] = ()
    ) -> Hit | None:
        """The template to answer with: ASIN-specific first, then BM25 on the query, then id.

        Never a template written for another product; None only when the language and intent
        have no template at all, so a query that matches nothing still gets the intent's one.
        """
        listed = self._listing(asins)
        mask = self._mask(
            language=language, intent=intent, kind="template", asins=tuple(asins), listed=listed
        )
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return None
        tokens = tokenize(query, language=language)
        scores = self._scores(tokens)[rows] * np.where(listed[rows], ASIN_BOOST, 1.0)
        best = int(np.lexsort((rows, -scores, ~listed[rows]))[0])
        return self._hit(int(rows[best]), scores[best], tokens)

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

    def _scores(self, tokens: list[str]) -> Scores:
        ids = sorted({self._vocab[t] for t in tokens if t in self._vocab})
        if not ids:
            return np.zeros(len(self._entries), dtype=np.float64)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float64)

    def _hit(self, row: int, score: float, tokens: list[str]) -> Hit:
        entry = self._entries[row]
        snippet = _snippet(self._plain[row], frozenset(tokens), language=entry.language)
        return Hit(entry=entry, score=round(float(score), 4), snippet=snippet)


def _top(rows: Rows, scores: Scores, k: int) -> list[int]:
    """The k best rows by score, ties by row (= id); exact even when ties straddle the cut."""
    if k <= 0:
        return []
    if rows.size > k:
        kth = np.partition(scores, rows.size - k)[rows.size - k]
        keep = scores >= kth
        rows, scores = rows[keep], scores[keep]
    return [int(r) for r in rows[np.lexsort((rows, -scores))][:k]]


def _plain_text(entry: Entry) -> str:
    """The body as a reader sees it: no template logic, no markdown markup."""
    text = entry.body
    if entry.kind == "template":  # "{% if a %}x{% else %}y{% endif %}." reads "x y."
        text = _JINJA_TAG.sub("", _JINJA_BRANCH.sub(" ", text))
    return _MARKDOWN.sub("", text)


def _document_tokens(entry: Entry, plain: str) -> list[str]:
    language = entry.language
    title = tokenize(entry.title, language=language)
    tags = tokenize(" ".join(entry.tags), language=language)
    # `{{ tracking_number }}` is a slot, not content: indexing it would match "tracking" in
    # every template that merely mentions the variable.
    return title * TITLE_WEIGHT + tags + tokenize(_JINJA_VAR.sub(" ", plain), language=language)


def _snippet(text: str, query: frozenset[str], *, language: str) -> str:
    """About SNIPPET_CHARS of the body, from the sentence that shares most query tokens."""
    starts = [0, *(m.end() for m in _SENTENCE_END.finditer(text))]
    start = 0
    if query:
        overlap = [
            len(query.intersection(tokenize(text[a:b], language=language)))
            for a, b in zip(starts, [*starts[1:], len(text)], strict=True)
        ]
        best = max(range(len(starts)), key=lambda i: (overlap[i], -i))
        start = starts[best] if overlap[best] else 0
    snippet = " ".join(text[start : start + 2 * SNIPPET_CHARS].split())
    if len(snippet) > SNIPPET_CHARS:
        cut = snippet[:SNIPPET_CHARS]
        space = cut.rfind(" ")
        # Cut at a word, unless the text has no spaces to cut at (Japanese, Chinese).
        snippet = (cut[:space] if space > SNIPPET_CHARS // 2 else cut).rstrip(" ,;:.、。") + "…"
    return "…" + snippet if text[:start].strip() else snippet


class _Invalid(Exception):
    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


def load_kb(kb_dir: Path) -> KnowledgeBase:
    """Read `kb_dir/**/*.md` (dot-directories skipped) into an immutable, indexed knowledge base."""
    if not kb_dir.is_dir():
        return KnowledgeBase(
            entries=(), errors=(KBError(str(kb_dir), 0, "knowledge-base directory not found"),)
        )
    entries: dict[str, Entry] = {}
    errors: list[KBError] = []
    files = (p for p in kb_dir.rglob("*.md") if not _hidden(p.relative_to(kb_dir)))
    for file in sorted(files):
        rel = file.relative_to(kb_dir).as_posix()
        try:
            entry, id_line = _read_entry(file, rel=rel)
        except _Invalid as exc:
            errors.extend(KBError(rel, line, message) for line, message in exc.problems)
            continue
        first = entries.get(entry.id)
        if first is not None:
            message = f"duplicate id '{entry.id}': already defined in {first.path}; file skipped"
            errors.append(KBError(rel, id_line, message))
            continue
        entries[entry.id] = entry
    return KnowledgeBase(entries=tuple(entries.values()), errors=tuple(errors))


def render(entry: Entry, context: Mapping[str, object]) -> str:
    """Render a template entry with the order context (see TEMPLATE_VARIABLES)."""
    if entry.kind != "template":
        raise RenderError(f"{entry.id} is an article, not a template")
    template = entry.template
    if template is None:  # an Entry built by hand rather than by load_kb
        try:
            template = compile_template(entry.body)
        except TemplateProblem as exc:
            raise RenderError(f"template {entry.id} ({entry.path}): {exc.message}") from exc
    return render_template(template, context, name=f"{entry.id} ({entry.path})")


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _read_entry(file: Path, *, rel: str) -> tuple[Entry, int]:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid([(1, f"not UTF-8: {exc.reason} at byte {exc.start}")]) from exc
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines[0].rstrip() != "---":
        raise _Invalid([(1, "no front matter: the file must start with a '---' line")])
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        raise _Invalid([(1, "front matter is not closed by a '---' line")])
    meta, key_lines = _parse_front_matter("\n".join(lines[1:close]))
    body_start = close + 1
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1
    body = "\n".join(lines[body_start:]).rstrip()
    body_line = body_start + 1  # 1-based

    problems = _validate(meta, key_lines)
    if not body:
        problems.append((close + 1, "the body after the front matter is empty"))
    template = None
    if meta.get("kind") == "template" and body:
        try:
            template = compile_template(body)
        except TemplateProblem as exc:
            problems.append((body_line + exc.lineno - 1, exc.message))
    if problems:
        raise _Invalid(sorted(problems))
    entry = Entry(
        id=meta["id"],
        kind=meta["kind"],
        title=meta["title"].strip(),
        language=meta["language"],
        intents=tuple(meta["intents"]),
        asins=tuple(dict.fromkeys(a.strip().upper() for a in meta.get("asins") or ())),
        tags=tuple(meta.get("tags") or ()),
        body=body,
        path=rel,
        line=body_line,
        template=template,
    )
    return entry, key_lines["id"]


def _parse_front_matter(source: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter and the file line of each key (the YAML starts on line 2)."""
    loader = _LOADER(source)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Invalid([(mark.line + 2 if mark else 1, f"invalid YAML: {problem}")]) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise _Invalid([(2, "front matter must be a YAML mapping of keys to values")])
    key_lines: dict[str, int] = {}
    for key, _value in node.value:
        if str(key.value) in key_lines:  # PyYAML would silently keep the last one
            raise _Invalid([(key.start_mark.line + 2, f"duplicate key '{key.value}'")])
        key_lines[str(key.value)] = key.start_mark.line + 2
    return {str(k): v for k, v in data.items()}, key_lines


def _validate(meta: dict[str, Any], key_lines: dict[str, int]) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []

    def bad(key: str, message: str) -> None:
        problems.append((key_lines.get(key, 1), message))

    for key in meta:
        if key not in REQUIRED and key not in OPTIONAL:
            hint = _did_you_mean(key, REQUIRED + OPTIONAL)
            bad(key, f"unknown key '{key}'{hint} (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in meta:
            problems.append((1, f"missing required key '{key}'"))
    value = meta.get("id")
    if "id" in meta and not (isinstance(value, str) and _ID.fullmatch(value)):
        bad("id", f"id must be a lowercase slug like 'shipping/where-is-my-order', got {value!r}")
    if "kind" in meta and meta["kind"] not in KINDS:
        bad("kind", f"kind must be 'template' or 'article', got {meta['kind']!r}")
    value = meta.get("title")
    if "title" in meta and not (isinstance(value, str) and value.strip()):
        bad("title", "title must be a non-empty string")
    value = meta.get("language")
    if "language" in meta and not (isinstance(value, str) and _LANGUAGE.fullmatch(value)):
        # YAML 1.1 reads an unquoted `no` (Norwegian) as false
        hint = " (quote it)" if isinstance(value, bool) else ""
        bad("language", f"language must be a 2-letter lowercase code like 'en': {value!r}{hint}")
    for key in ("intents", *OPTIONAL):
        value = meta.get(key)
        if key in meta and not (
            isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        ):
            bad(key, f"{key} must be a list of strings, like [a, b]")
            meta.pop(key)
    for intent in meta.get("intents") or ():
        if intent not in INTENTS:
            bad("intents", f"unknown intent '{intent}'{_did_you_mean(intent, INTENTS)}")
    if meta.get("kind") == "template" and meta.get("intents") == []:
        bad("intents", "a template needs at least one intent")
    for asin in meta.get("asins") or ():
        if not _ASIN.fullmatch(asin.strip().upper()):
            bad("asins", f"'{asin}' is not an ASIN (10 letters and digits)")
    return problems


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
