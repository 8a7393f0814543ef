"""Phrase lists per language, read from ``guardrails/lexicon/*.yaml`` once at import.

Ops extend the rules by editing these files, so a broken file must fail loudly at import (and
in ``kb lint``) rather than silently weakening a rule. Each file is ``<language>.yaml`` with one
top-level key per rule family, each a mapping of category -> list of phrases. Phrase syntax is
documented in :mod:`guardrails.textnorm`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from guardrails.textnorm import PhraseMatcher, fold, phrase_regex, starts_pattern, word_starts

Lexicon = Mapping[str, Mapping[str, tuple[str, ...]]]

LEXICON_DIR = Path(__file__).with_name("lexicon")

# Families whose categories are fixed because code reads them by name. Families mapped to None
# are sentence-removal families: any category name is fine, it only labels the finding.
FAMILIES: Mapping[str, frozenset[str] | None] = MappingProxyType(
    {
        "marketing": None,
        "review_solicitation": None,
        "off_platform": None,
        "unprofessional": None,
        "incentive": frozenset({"offers", "compensation"}),
        "placeholder": frozenset({"words"}),
        "amazon_duplicate": frozenset({"confirmations", "closings"}),
        "contacts": frozenset(
            {
                "phone_labels",
                "phone_cues",
                "messengers",
                "email_labels",
                "link_labels",
                "prepositions",
                "connectors",
                "code_labels",
            }
        ),
        "formatting": frozenset({"acronyms"}),
        "sentences": frozenset({"abbreviations"}),
        "order_id": frozenset({"greetings", "greeting_suffixes", "label"}),
    }
)

# Families matched with the phrase syntax of textnorm: every phrase must compile at load.
MATCHED = frozenset(
    {"marketing", "review_solicitation", "off_platform", "unprofessional", "incentive"}
    | {"amazon_duplicate"}
)

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*")


class LexiconError(ValueError):
    """A lexicon file does not follow the schema; the message names the file and the key."""


def _phrases(value: object, *, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise LexiconError(f"{where}: expected a non-empty list of phrases")
    seen: set[str] = set()
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise LexiconError(f"{where}: every phrase must be a non-empty string, got {item!r}")
        key = item.strip().casefold()
        if key in seen:
            raise LexiconError(f"{where}: duplicate phrase {item!r}")
        seen.add(key)
        out.append(item.strip())
    return tuple(out)


def _compiles(items: tuple[str, ...], *, where: str) -> None:
    for item in items:
        try:
            re.compile(phrase_regex(item))
            PhraseMatcher({"x": [item]})
        except (ValueError, re.error) as exc:
            raise LexiconError(f"{where}: phrase {item!r} is not valid: {exc}") from exc


def parse(data: object, *, where: str) -> Lexicon:
    """Validate one decoded file; raises :class:`LexiconError`."""
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping of rule families")
    lexicon: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for family, categories in data.items():
        if family not in FAMILIES:
            raise LexiconError(f"{where}: unknown rule family {family!r}")
        if not isinstance(categories, dict) or not categories:
            raise LexiconError(f"{where}.{family}: expected a mapping of categories")
        allowed = FAMILIES[family]
        parsed: dict[str, tuple[str, ...]] = {}
        for category, value in categories.items():
            if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
                raise LexiconError(f"{where}.{family}: bad category name {category!r}")
            if allowed is not None and category not in allowed:
                raise LexiconError(f"{where}.{family}: unknown category {category!r}")
            items = _phrases(value, where=f"{where}.{family}.{category}")
            if family in MATCHED:
                _compiles(items, where=f"{where}.{family}.{category}")
            parsed[category] = items
        lexicon[family] = MappingProxyType(parsed)
    labels = lexicon.get("order_id", {}).get("label", ())
    if labels and (len(labels) != 1 or labels[0].count("{order_id}") != 1):
        raise LexiconError(f"{where}.order_id.label: one string containing {{order_id}} once")
    return MappingProxyType(lexicon)


def load(directory: Path) -> Mapping[str, Lexicon]:
    """Read and validate every ``<language>.yaml`` in ``directory``."""
    out: dict[str, Lexicon] = {}
    for path in sorted(directory.glob("*.yaml")):
        if not _LANGUAGE.fullmatch(path.stem):
            raise LexiconError(f"{path.name}: file name must be a language code like 'en.yaml'")
        with path.open(encoding="utf-8") as handle:
            out[path.stem] = parse(yaml.safe_load(handle), where=path.name)
    if "en" not in out:
        raise LexiconError(f"{directory}: en.yaml is required (it is the fallback)")
    return MappingProxyType(out)


LEXICONS: Mapping[str, Lexicon] = load(LEXICON_DIR)


def get(language: str, family: str, category: str) -> tuple[str, ...]:
    """Phrases of one language only (empty when the language has none)."""
    return LEXICONS.get(language, {}).get(family, {}).get(category, ())


def everywhere(family: str, category: str) -> tuple[str, ...]:
    """Phrases of every language, deduplicated: for cues that are safe to match in any text."""
    seen: dict[str, str] = {}
    for lexicon in LEXICONS.values():
        for phrase in lexicon.get(family, {}).get(category, ()):
            seen.setdefault(phrase.casefold(), phrase)
    return tuple(seen.values())


def categories(language: str, family: str) -> Mapping[str, tuple[str, ...]]:
    return LEXICONS.get(language, {}).get(family, MappingProxyType({}))


def matchers(family: str, *, only: tuple[str, ...] = ()) -> Mapping[str, PhraseMatcher]:
    """One matcher per language for ``family``: English phrases always apply (drafts in any
    language quote English copy), the language's own phrases add to them. ``only`` limits the
    categories."""

    def build(language: str) -> PhraseMatcher:
        merged: dict[str, list[str]] = {}
        for lang in dict.fromkeys(("en", language)):
            for category, items in categories(lang, family).items():
                if not only or category in only:
                    merged.setdefault(category, []).extend(items)
        return PhraseMatcher(merged)

    built = {lang: build(lang) for lang in LEXICONS}
    for matcher in built.values():
        _KEYS.update(matcher.keys)
    _UNION.clear()
    return MappingProxyType(built)


def matcher_for(table: Mapping[str, PhraseMatcher], language: str) -> PhraseMatcher:
    return table.get(language) or table["en"]


# Every matcher built by :func:`matchers` adds its keys here; :func:`find` scans a text for
# word starts once, for all of them (five families, one scan).
_KEYS: set[str] = set()
_UNION: list[re.Pattern[str]] = []


def _union() -> re.Pattern[str]:
    if not _UNION:  # built once, after every detector module has made its matchers
        _UNION.append(starts_pattern(sorted(_KEYS)))
    return _UNION[0]


def freeze() -> None:
    """Build the shared word-start scan now (the pipeline calls this at import)."""
    _UNION[:] = [starts_pattern(sorted(_KEYS))]
    _starts.cache_clear()


@lru_cache(maxsize=64)
def _starts(folded: str) -> tuple[tuple[int, str], ...]:
    return tuple(word_starts(folded, _union()))


def find(matcher: PhraseMatcher, text: str) -> list[tuple[int, int, str]]:
    """``(start, end, category)`` of ``matcher``'s hits in ``text``, in original offsets."""
    folded = fold(text)
    hits = matcher.finditer(folded.text, _starts(folded.text))
    return [(*folded.span(s, e), category) for s, e, category in hits]
