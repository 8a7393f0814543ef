"""Finding lexicon phrases in folded text: one Aho-Corasick pass, then a few anchored regexes.

An :class:`Automaton` holds every phrase of one language (English plus the language's own, all
rule families). Its C automaton (pyahocorasick) finds, in one pass over the folded text, every
place where some phrase's opening literal occurs ("coupon" of "coupon*", "leave" of
"leave ~ review*"); numbers, which open "#% off" and "# stars", come from one digit scan. Only
those places are then tried, each with the regex of the phrases that open with what was found
there (compiled on first use), so a clean reply costs one C pass and no regex at all.

A phrase may start only at a word start of the text whose key is the phrase's key (see
:mod:`guardrails.phrase_syntax`): the same rule the engine before this one applied, so the hits
are the same. At one place the phrases tried are those of every literal found there, in the
order of the category table (first category wins, longest phrase first within it), and hits do
not overlap: the scan resumes after each hit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import ahocorasick

from guardrails.phrase_syntax import (
    Phrase,
    categories_regex,
    compile_phrases,
    number_regex,
    parse_phrase,
)
from guardrails.textnorm import CJK_WORD, inner_word_char

_DIGITS = re.compile(r"\d+")
_FIRST_CJK = CJK_WORD[0]  # below it, a word character is never a kana or kanji

Bucket = tuple[str, str]  # (literal, key)
_NUMBER: Bucket = ("", "#")  # the phrases that open with a number
Place = tuple[int, tuple[Bucket, ...]]


@dataclass(frozen=True, slots=True)
class Scan:
    """Where a folded text may hold phrases: per family, the offsets where its literals were
    found at a word start with the right key (and which), and every number start."""

    places: Mapping[str, Sequence[Place]]
    numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    """What the automaton reports for one literal: the key it must start with and how."""

    bucket: Bucket
    kind: str
    check_key: bool  # the literal does not begin with the key ("e#" and its key "e0")
    families: tuple[str, ...]
    # Nothing to check past the word start (a prefix key the literal begins with, or a kana
    # or kanji): the commonest case, decided without calling _fits.
    settled: bool


def _fits(folded: str, at: int, entry: _Entry) -> bool:
    """May a phrase of ``entry`` start at ``at``: a word start whose key is the phrase's?"""
    if entry.kind == "cjk":
        return True  # a kana or kanji starts a word wherever it stands
    if at and inner_word_char(folded[at - 1]):
        return False
    key = entry.bucket[1]
    if entry.check_key and not folded.startswith(key, at):
        return False
    end = at + len(key)
    return entry.kind == "prefix" or end == len(folded) or not inner_word_char(folded[end])


class Table:
    """The phrases of some categories of one family, as the automaton's scan sees them."""

    def __init__(self, family: str, categories: Mapping[str, Sequence[Phrase]]) -> None:
        self.family = family
        self.categories = {cat: tuple(items) for cat, items in categories.items() if items}
        self.buckets: dict[Bucket, list[tuple[str, str]]] = {}
        numbers: dict[str, list[str]] = {}
        for category, items in self.categories.items():
            for phrase in items:
                if phrase.kind == "number":
                    numbers.setdefault(category, []).append(phrase.text)
                elif phrase.live:
                    bucket = (phrase.literal, phrase.key)
                    self.buckets.setdefault(bucket, []).append((category, phrase.text))
        self._numbers = numbers
        self._number: tuple[re.Pattern[str], dict[str, str]] | None = None
        self._compiled: dict[tuple[Bucket, ...], re.Pattern[str]] = {}
        self._lock = threading.Lock()

    def number_pattern(self) -> tuple[re.Pattern[str], dict[str, str]]:
        if self._number is None:
            source, names = number_regex(self._numbers)
            self._number = (compile_phrases(source), names)
        return self._number

    def pattern(self, buckets: tuple[Bucket, ...]) -> re.Pattern[str]:
        """The regex of the phrases of ``buckets``, compiled on first use and kept."""
        found = self._compiled.get(buckets)
        if found is None:
            with self._lock:
                found = self._compiled.get(buckets)
                if found is None:
                    wanted = {entry for bucket in buckets for entry in self.buckets[bucket]}
                    cats: dict[str, list[str]] = {}
                    for category, items in self.categories.items():
                        for phrase in items:
                            if (category, phrase.text) in wanted:
                                cats.setdefault(category, []).append(phrase.text)
                    found = compile_phrases(categories_regex(cats))
                    self._compiled[buckets] = found
        return found

    def finditer(self, folded: str, scan: Scan) -> Iterator[tuple[int, int, str]]:
        """``(start, end, category)`` of non-overlapping hits, left to right."""
        mine = self.buckets
        places = scan.places.get(self.family, ())
        if self._numbers and scan.numbers:
            places = sorted([*places, *((at, ()) for at in scan.numbers)])
        last = 0
        for at, buckets in places:
            if at < last:
                continue
            if not buckets:  # a number start
                pattern, names = self.number_pattern()
                hit = pattern.match(folded, at)
                if hit is not None and hit.lastgroup:
                    last = hit.end()
                    yield at, hit.end(), names[hit.lastgroup]
                continue
            wanted = tuple(b for b in buckets if b in mine)
            if not wanted:
                continue
            hit = self.pattern(wanted).match(folded, at)
            if hit is not None and hit.lastgroup:
                last = hit.end()
                yield at, hit.end(), hit.lastgroup

    def first_at_start(self, folded: str, automaton: Automaton) -> tuple[int, int, str] | None:
        """The hit :meth:`finditer` reports at offset 0, if any, without scanning the rest (a
        closing line is judged by its first phrase only). Offset 0 is always a word start."""
        if not folded:
            return None
        if folded[0].isdecimal():  # ``\d``: a number start; no literal opens with a digit
            if not self._numbers:
                return None
            pattern, names = self.number_pattern()
            hit = pattern.match(folded)
            return (0, hit.end(), names[hit.lastgroup]) if hit and hit.lastgroup else None
        wanted = sorted(
            entry.bucket
            for literal, entries in automaton.entries.items()
            if folded.startswith(literal)
            for entry in entries
            if entry.bucket in self.buckets and _fits(folded, 0, entry)
        )
        if not wanted:
            return None
        hit = self.pattern(tuple(wanted)).match(folded)
        return (0, hit.end(), hit.lastgroup) if hit and hit.lastgroup else None

    def compile_all(self) -> None:
        """Compile every bucket now (lexicon checks; a warm-up)."""
        for bucket in self.buckets:
            self.pattern((bucket,))
        if self._numbers:
            self.number_pattern()


class Automaton:
    """Every phrase of one language: ``families`` maps a rule family to its categories. The
    automaton holds every family's literals; a table (some categories of one family) is a view
    made on first use."""

    def __init__(self, families: Mapping[str, Mapping[str, Sequence[Phrase]]]) -> None:
        self.families = families
        owners: dict[tuple[Bucket, str], set[str]] = {}
        self._number_families: set[str] = set()
        self._regexes: dict[Bucket, dict[str, None]] = {}  # every family's, in a stable order
        self._number_texts: dict[str, None] = {}
        for family, categories in families.items():
            for items in categories.values():
                for phrase in items:
                    if phrase.kind == "number":
                        self._number_families.add(family)
                        self._number_texts.setdefault(phrase.text, None)
                    elif phrase.live:
                        bucket = (phrase.literal, phrase.key)
                        owners.setdefault((bucket, phrase.kind), set()).add(family)
                        self._regexes.setdefault(bucket, {})[phrase.regex] = None
        self._any: dict[Bucket, re.Pattern[str]] = {}
        entries: dict[str, list[_Entry]] = {}
        for (bucket, kind), fams in sorted(owners.items()):
            literal, key = bucket
            check_key = not literal.startswith(key)
            settled = kind == "cjk" or (kind == "prefix" and not check_key)
            entry = _Entry(bucket, kind, check_key, tuple(sorted(fams)), settled)
            entries.setdefault(literal, []).append(entry)
        self.entries = {literal: tuple(found) for literal, found in entries.items()}
        self._ac = ahocorasick.Automaton()
        for literal, found in entries.items():
            cjk = found[0].kind == "cjk"  # a literal's first character decides it for all keys
            self._ac.add_word(literal, (len(literal) - 1, cjk, tuple(found)))
        if entries:
            self._ac.make_automaton()
        self._empty = not entries
        self._tables: dict[tuple[str, tuple[str, ...]], Table] = {}
        self._lock = threading.Lock()

    def table(self, family: str, only: tuple[str, ...] = ()) -> Table:
        found = self._tables.get((family, only))
        if found is None:
            with self._lock:
                found = self._tables.get((family, only))
                if found is None:
                    cats = self.families.get(family, {})
                    chosen = {c: p for c, p in cats.items() if not only or c in only}
                    found = Table(family, chosen)
                    self._tables[family, only] = found
        return found

    def scan(self, folded: str) -> Scan:
        # The loops below run for every automaton hit and every number: the word-start test
        # is inlined for the common case (a character below the first kana).
        found: dict[str, dict[int, list[Bucket]]] = {}
        inner, first_cjk, anys = inner_word_char, _FIRST_CJK, self._any
        if not self._empty:
            for end, (span, cjk, entries) in self._ac.iter(folded):
                at = end - span
                if at and not cjk:
                    c = folded[at - 1]
                    if (c.isalnum() or c == "_") and (c < first_cjk or inner(c)):
                        continue  # inside a word: most of what the automaton reports
                for entry in entries:
                    if not (entry.settled or _fits(folded, at, entry)):
                        continue
                    pattern = anys.get(entry.bucket) or self._compile_any(entry.bucket)
                    if pattern.match(folded, at) is not None:
                        for family in entry.families:
                            found.setdefault(family, {}).setdefault(at, []).append(entry.bucket)
        numbers: list[int] = []
        if self._number_families:
            pattern = anys.get(_NUMBER) or self._compile_any(_NUMBER)
            for m in _DIGITS.finditer(folded):
                at = m.start()
                if at and inner(folded[at - 1]):
                    continue
                if pattern.match(folded, at) is not None:
                    numbers.append(at)
        places = {
            family: sorted((at, tuple(sorted(b))) for at, b in by_at.items())
            for family, by_at in found.items()
        }
        return Scan(places, tuple(numbers))

    def _compile_any(self, bucket: Bucket) -> re.Pattern[str]:
        """Any phrase of ``bucket`` (any family, any category) at one place. Mostly none: the
        word only opens phrases ("your" of "your review"), and one C match in the scan spares
        every table its own."""
        pattern = self._any.get(bucket)
        if pattern is None:
            with self._lock:
                pattern = self._any.get(bucket)
                if pattern is None:
                    if bucket == _NUMBER:  # the number read once, as the tables do
                        source = number_regex({"any": list(self._number_texts)})[0]
                    else:
                        source = "(?:" + "|".join(self._regexes[bucket]) + ")"
                    pattern = compile_phrases(source)
                    self._any[bucket] = pattern
        return pattern

    def compile_all(self) -> None:
        for family in self.families:
            self.table(family).compile_all()
        for bucket in [*self._regexes, *([_NUMBER] if self._number_texts else [])]:
            self._compile_any(bucket)


class PhraseMatcher:
    """One table of phrases with an automaton of its own (tests, ad-hoc lists)."""

    def __init__(self, categories: Mapping[str, Sequence[str]]) -> None:
        parsed = {cat: [parse_phrase(p) for p in items] for cat, items in categories.items()}
        self._automaton = Automaton({"phrases": parsed})
        self._table = self._automaton.table("phrases")

    def finditer(self, folded: str) -> Iterator[tuple[int, int, str]]:
        return self._table.finditer(folded, self._automaton.scan(folded))
