"""Search text: the tokenizer, the BM25 index over entries, snippets and the top-k cut."""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import Stemmer

from guardrails.textnorm import (
    HAN_COMPATIBILITY,
    HAN_EXTENSION_A,
    HAN_UNIFIED,
    HANGUL,
    KANA,
    KATAKANA_EXTENSIONS,
    normalize,
)
from service.knowledge.files import Entry

Rows = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float64]

# Japanese and Chinese put no spaces between words, and a dictionary segmenter would be a heavy
# dependency: overlapping character bigrams (Lucene's CJKAnalyzer) match words of any length
# without one. Other scripts split on non-letters after NFKC + casefold, which folds full-width
# Latin, ligatures and "ß" so that query and entry meet in the same form.
_CJK = KANA + KATAKANA_EXTENSIONS + HAN_EXTENSION_A + HAN_UNIFIED + HAN_COMPATIBILITY + HANGUL
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]")
_LANGUAGES: Final = {  # code: (bm25s stop-word list, Snowball stemmer)
    "en": ("STOPWORDS_EN_PLUS", "english"),
    "de": ("STOPWORDS_GERMAN", "german"),
    "fr": ("STOPWORDS_FRENCH", "french"),
    "es": ("STOPWORDS_SPANISH", "spanish"),
    "it": ("STOPWORDS_ITALIAN", "italian"),
    "pt": ("STOPWORDS_PORTUGUESE", "portuguese"),
    "nl": ("STOPWORDS_DUTCH", "dutch"),
    "sv": ("STOPWORDS_SWEDISH", "swedish"),
    "da": ("STOPWORDS_DANISH", "danish"),
    "tr": ("STOPWORDS_TURKISH", "turkish"),
    "pl": (None, "polish"),
}


_IMPORT_LOCK = threading.Lock()


def _bm25s() -> Any:
    """bm25s, imported without SciPy. bm25s imports SciPy whenever it is installed, for a
    backend the index does not use (it builds with ``csc_backend="numpy"``): that import would
    cost each worker 15 MB and a tenth of a second. SciPy stays importable for what needs it
    (training the intent model); where it is already loaded, bm25s simply sees it."""
    with _IMPORT_LOCK:
        hide = "bm25s" not in sys.modules and "scipy" not in sys.modules
        if hide:
            sys.modules["scipy"] = None  # type: ignore[assignment]  # makes `import scipy` fail
        try:
            import bm25s
        finally:
            if hide:
                del sys.modules["scipy"]
    return bm25s


@functools.cache
def _stop_words() -> dict[str, frozenset[str]]:
    """Stop words are per language ("die" is German for "the", English for something else):
    entries drop their own language's, queries the language they filter on. Read on first use,
    which the server makes while it starts, not before its port opens."""
    stopwords = _bm25s().stopwords

    return {
        lang: frozenset(map(normalize, getattr(stopwords, name) if name else ()))
        for lang, (name, _) in _LANGUAGES.items()
    }


# Snowball stemming lets "returns", "returned" and "returning" meet (it lifts P@1 on ePQA by
# about 4 points). PyStemmer objects keep a cache and are not thread-safe: one per thread.
_local = threading.local()


def _stem(words: list[str], language: str) -> list[str]:
    stemmers: dict[str, Any] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = Stemmer.Stemmer(_LANGUAGES[language][1])
    stemmed: list[str] = stemmer.stemWords(words)
    return stemmed


def tokenize(text: str, *, language: str | None = None) -> list[str]:
    """Search tokens: folded words (stemmed when the language is known), CJK bigrams."""
    stop = _stop_words().get(language or "", frozenset())
    tokens: list[str] = []
    words: list[str] = []
    for run in _TOKEN.findall(normalize(text)):
        if _CJK_RUN.match(run):
            tokens.extend(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
        elif run not in stop:
            words.append(run)
    if words and language in _LANGUAGES:
        words = _stem(words, language)
    return words + tokens


def query_tokens(query: str, *, language: str | None, languages: Iterable[str]) -> list[str]:
    """The query as each language the entries may be in would index it, when none is given."""
    if language is not None:
        return tokenize(query, language=language)
    return list(dict.fromkeys(t for lang in languages for t in tokenize(query, language=lang)))


TITLE_WEIGHT: Final = 3  # the title is indexed this many times: it says what the entry is for
SNIPPET_CHARS: Final = 200
_JINJA_BRANCH = re.compile(r"\{%-?\s*(?:else|elif)\b.*?%\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_JINJA_VAR = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_MARKDOWN = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d+[.)][ \t]+|>[ \t]?)|\*\*|__|`", re.M)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])\s*|\s*\n\s*")


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    snippet: str = ""  # filled only when a search asks for snippets


class Index:
    """BM25 (Lucene variant) over title, tags and body; read-only once built."""

    __slots__ = ("_bm25", "_n", "_vocab")

    def __init__(self, entries: Sequence[Entry], plain: Sequence[str]) -> None:
        self._n = len(entries)
        self._bm25: Any = None
        self._vocab: dict[str, int] = {}
        corpus = [document_tokens(e, t) for e, t in zip(entries, plain, strict=True)]
        if any(corpus):  # bm25s divides by the average length: an all-empty corpus has none
            self._bm25 = _bm25s().BM25(method="lucene", csc_backend="numpy")
            self._bm25.index(corpus, show_progress=False)
            self._vocab = self._bm25.vocab_dict

    def scores(self, tokens: Iterable[str]) -> Scores:
        ids = sorted({self._vocab[t] for t in tokens if t in self._vocab})
        if not ids:
            return np.zeros(self._n, dtype=np.float64)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float64)


def top(rows: Rows, scores: Scores, k: int) -> list[int]:
    """The k best rows by score, ties by row (= id); exact even when ties straddle the cut."""
    if k <= 0:
        return []
    if rows.size > k:
        kth = np.partition(scores, rows.size - k)[rows.size - k]
        keep = scores >= kth
        rows, scores = rows[keep], scores[keep]
    return [int(r) for r in rows[np.lexsort((rows, -scores))][:k]]


def plain_text(entry: Entry) -> str:
    """The body as a reader sees it: no template logic, no markdown markup."""
    text = entry.body
    if entry.kind == "template":  # "{% if a %}x{% else %}y{% endif %}." reads "x y."
        text = _JINJA_TAG.sub("", _JINJA_BRANCH.sub(" ", text))
    return _MARKDOWN.sub("", text)


def document_tokens(entry: Entry, plain: str) -> list[str]:
    language = entry.language
    title = tokenize(entry.title, language=language)
    tags = tokenize(" ".join(entry.tags), language=language)
    # `{{ tracking_number }}` is a slot, not content: indexing it would match "tracking" in
    # every template that merely mentions the variable.
    return title * TITLE_WEIGHT + tags + tokenize(_JINJA_VAR.sub(" ", plain), language=language)


def snippet(text: str, query: frozenset[str], *, language: str) -> str:
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
    cut = " ".join(text[start : start + 2 * SNIPPET_CHARS].split())
    if len(cut) > SNIPPET_CHARS:
        head = cut[:SNIPPET_CHARS]
        space = head.rfind(" ")
        # Cut at a word, unless the text has no spaces to cut at (Japanese, Chinese).
        cut = (head[:space] if space > SNIPPET_CHARS // 2 else head).rstrip(" ,;:.、。") + "…"
    return "…" + cut if text[:start].strip() else cut


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@functools.lru_cache(maxsize=1024)
def _paragraphs(text: str, language: str) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """The paragraphs of an article and the search tokens of each: an article is cut for
    every prompt that retrieves it, and its text changes only when its file does."""
    paragraphs = tuple(p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip())
    return paragraphs, tuple(frozenset(tokenize(p, language=language)) for p in paragraphs)


def passages(
    text: str, query: frozenset[str], *, language: str, size: Callable[[str], int], limit: int
) -> str:
    """The paragraphs of ``text`` that share most ``query`` tokens, kept in their order, as
    many as fit in ``limit`` (measured by ``size``); the whole text when it fits. The first
    paragraph stands in when none shares a token. A paragraph longer than the limit alone is
    cut at a sentence end."""
    if size(text) <= limit:
        return text
    paragraphs, tokens = _paragraphs(text, language)
    overlap = [len(query.intersection(found)) for found in tokens]
    order = sorted(range(len(paragraphs)), key=lambda i: (-overlap[i], i))
    if not overlap or not overlap[order[0]]:
        order = list(range(len(paragraphs)))
    chosen: list[int] = []
    used = 0
    for index in order:
        cost = size(paragraphs[index])
        if used + cost <= limit:
            chosen.append(index)
            used += cost
    if not chosen:  # the best paragraph alone is too long: its sentences, as many as fit
        best = paragraphs[order[0]]
        cut = [0, *(m.end() for m in _SENTENCE_END.finditer(best))]
        fits = [end for end in cut if size(best[:end]) <= limit]
        return best[: max(fits)].strip() + "…" if max(fits) else ""
    return "\n\n".join(paragraphs[i] for i in sorted(chosen))
