"""Phrase lists per language, read from ``guardrails/lexicon/*.yaml`` once at import.

Ops extend the rules by editing these files, so a broken file must fail loudly at import (and
in ``kb lint``) rather than silently weakening a rule. Each file is ``<language>.yaml`` with one
top-level key per rule family, each a mapping of category -> list of phrases. Phrase syntax is
documented in :mod:`guardrails.textnorm`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import yaml

Lexicon = Mapping[str, Mapping[str, tuple[str, ...]]]

LEXICON_DIR = Path(__file__).with_name("lexicon")

# Families whose categories are fixed because code reads them by name. Families mapped to None
# are sentence-removal families: any category name is fine, it only labels the finding.
FAMILIES: Mapping[str, frozenset[str] | None] = MappingProxyType(
    {
        "marketing": None,
        "contacts": frozenset(
            {
                "phone_labels",
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
            parsed[category] = _phrases(value, where=f"{where}.{family}.{category}")
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
