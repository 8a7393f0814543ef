"""Phrase lists per language, read from ``guardrails/lexicon/*.yaml`` once at import.

Ops extend the rules by editing these files, so a broken file must fail loudly rather than
silently weakening a rule: the schema is checked at import, the phrase syntax when a language's
automaton is built (its first check) and, for every language at once, by :func:`validate_all`
(``kb lint``, the tests). Each file is ``<language>.yaml`` with one top-level key per rule
family, each a mapping of category -> list of phrases. Phrase syntax is documented in
:mod:`guardrails.phrase_syntax`.

Matching: one :class:`~guardrails.phrase_engine.Automaton` per language (English phrases always
apply, the language's own add to them), built on first use and then shared by every thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from guardrails.phrase_engine import Automaton, PhraseMatcher
from guardrails.phrase_syntax import Phrase, parse_phrase
from guardrails.phrase_table import Scan
from guardrails.textnorm import fold

# libyaml when the wheel has it: a tenth of the pure-Python loader's time, the same documents.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
        "amazon_duplicate": frozenset({"confirmations", "closings", "substance"}),
        "contacts": frozenset(
            {
                "phone_labels",
                "phone_cues",
                "messengers",
                "invitations",
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
        "commitment": frozenset(
            {
                "refund",
                "replacement",
                "return_label",
                "credit",
                "hedge",
                "denial",
                "tracking_labels",
            }
        ),
    }
)

# Families matched with the phrase syntax: checked when a language's automaton is built.
MATCHED = frozenset(
    {"marketing", "review_solicitation", "off_platform", "unprofessional", "incentive"}
    | {"amazon_duplicate", "commitment"}
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
    """Read and validate every ``<language>.yaml`` in ``directory``, each with its language's
    list of swear words and slurs (``profanity/<language>.txt``) as ``unprofessional.listed``."""
    out: dict[str, Lexicon] = {}
    for path in sorted(directory.glob("*.yaml")):
        if not _LANGUAGE.fullmatch(path.stem):
            raise LexiconError(f"{path.name}: file name must be a language code like 'en.yaml'")
        with path.open(encoding="utf-8") as handle:
            lexicon = parse(yaml.load(handle, Loader=_Loader), where=path.name)
        out[path.stem] = _with_listed(lexicon, directory / PROFANITY / f"{path.stem}.txt")
    if "en" not in out:
        raise LexiconError(f"{directory}: en.yaml is required (it is the fallback)")
    return MappingProxyType(out)


# Swear words and slurs taken from a published list (profanity/README.md says which, what was
# left out and why), one per line; the words the file's own unprofessional categories already
# hold are left to them.
PROFANITY = "profanity"


def _with_listed(lexicon: Lexicon, path: Path) -> Lexicon:
    if not path.is_file():
        return lexicon
    family = lexicon.get("unprofessional", MappingProxyType({}))
    own = {phrase.casefold() for items in family.values() for phrase in items}
    words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines()]
    listed = [w for w in dict.fromkeys(words) if w and w.casefold() not in own]
    if not listed:
        return lexicon
    where = f"{path.parent.name}/{path.name}"
    merged = {**family, "listed": _phrases(listed, where=where)}
    return MappingProxyType({**lexicon, "unprofessional": MappingProxyType(merged)})


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


def _parse_all(
    language: str, lexicons: Mapping[str, Lexicon] | None = None
) -> Mapping[str, Mapping[str, tuple[Phrase, ...]]]:
    """The phrase-syntax check of one file: every phrase of the matched families, parsed."""
    lexicon = (LEXICONS if lexicons is None else lexicons).get(language, {})
    out: dict[str, Mapping[str, tuple[Phrase, ...]]] = {}
    for family in sorted(MATCHED):
        parsed: dict[str, tuple[Phrase, ...]] = {}
        for category, items in lexicon.get(family, {}).items():
            where = f"{language}.yaml.{family}.{category}"
            phrases = []
            for item in items:
                try:
                    phrases.append(parse_phrase(item))
                except ValueError as exc:
                    raise LexiconError(f"{where}: phrase {item!r} is not valid: {exc}") from exc
            parsed[category] = tuple(phrases)
        out[family] = parsed
    return out


# Categories kept out of the shared automaton: what only a rare kind of draft needs (a
# proactive message's substance, matched on its own) would cost every draft's scan its hits,
# and some are no phrases to find but words a rule reads beside a hit (the notices after
# "avis", a refund's wording beside a coupon).
SEPARATE = frozenset(
    {
        ("amazon_duplicate", "substance"),
        ("review_solicitation", "not_before"),
        ("marketing", "applied_to_order"),
        ("marketing", "refund_words"),
    }
    # Read only in a model's drafts (guardrails.commitments), which match them on their own.
    | {("commitment", category) for category in FAMILIES["commitment"] or ()}
)


@lru_cache(maxsize=64)
def apart(language: str, family: str, categories: tuple[str, ...]) -> PhraseMatcher:
    """English's and ``language``'s phrases of ``categories`` of ``family``, in a matcher of
    their own: for the SEPARATE categories, which the shared automaton leaves out."""
    table = {
        category: list(
            dict.fromkeys((*get("en", family, category), *get(language, family, category)))
        )
        for category in categories
    }
    return PhraseMatcher({category: items for category, items in table.items() if items})


_BUILT: dict[str, Automaton] = {}
_BUILD_LOCK = threading.Lock()


def automaton(language: str) -> Automaton:
    """The automaton of ``language`` (English for a language without a file), built on first
    use: the phrases of English and of the language, every matched family. Raises
    :class:`LexiconError` naming file and key when a phrase is malformed."""
    language = language if language in LEXICONS else "en"
    found = _BUILT.get(language)
    if found is not None:
        return found
    with _BUILD_LOCK:
        found = _BUILT.get(language)
        if found is None:
            parsed = [_parse_all(lang) for lang in dict.fromkeys(("en", language))]
            families: dict[str, dict[str, list[Phrase]]] = {}
            for family in sorted(MATCHED):
                merged: dict[str, list[Phrase]] = {}
                for lexicon in parsed:  # English first: its categories lead the table order
                    for category, items in lexicon[family].items():
                        if (family, category) not in SEPARATE:
                            merged.setdefault(category, []).extend(items)
                families[family] = merged
            found = Automaton(families)
            _BUILT[language] = found
    return found


def validate(lexicons: Mapping[str, Lexicon]) -> None:
    """Check every phrase of ``lexicons`` (as :func:`load` returns them), down to compiling its
    regex; raises :class:`LexiconError` naming file and key."""
    for language in lexicons:
        for family, cats in _parse_all(language, lexicons).items():
            for category, items in cats.items():
                for phrase in items:
                    try:
                        re.compile(phrase.regex)
                    except re.error as exc:
                        where = f"{language}.yaml.{family}.{category}"
                        msg = f"{where}: phrase {phrase.text!r} is not valid: {exc}"
                        raise LexiconError(msg) from exc


def validate_all() -> None:
    """:func:`validate` the shipped files and build every language's automaton now (``kb lint``,
    the tests). ``automaton(language).compile_all()`` also compiles its regexes (a warm-up)."""
    validate(LEXICONS)
    for language in LEXICONS:
        automaton(language)


@lru_cache(maxsize=64)
def _scan(folded: str, language: str) -> Scan:
    # Cached: the review, offer and compensation tables of one check read the same scan.
    return automaton(language).scan(folded)


def finditer_folded(
    family: str, folded: str, language: str, *, only: tuple[str, ...] = ()
) -> Iterator[tuple[int, int, str]]:
    """``(start, end, category)`` of ``family``'s hits in already folded text."""
    table = automaton(language).table(family, only)
    return table.finditer(folded, _scan(folded, language))


def find(
    family: str, text: str, language: str, *, only: tuple[str, ...] = ()
) -> list[tuple[int, int, str]]:
    """``(start, end, category)`` of ``family``'s hits in ``text``, in original offsets:
    English phrases always (drafts in any language quote English copy), plus the language's
    own. ``only`` limits the categories."""
    folded = fold(text)
    hits = finditer_folded(family, folded.text, language, only=only)
    return [(*folded.span(s, e), category) for s, e, category in hits]
