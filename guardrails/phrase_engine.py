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

from guardrails.phrase_syntax import Phrase, categories_regex, number_regex, parse_phrase
from guardrails.textnorm import CJK_WORD

# A word character that is no kana or kanji: one before a word start means it is none.
_INNER = re.compile(rf"[^\W{CJK_WORD}]")
# A digit at a word start: every number is a place to try the phrases that open with one.
# (The look-behind follows the digit so ``re`` can skip ahead to digits in C.)
_NUMBER_START = re.compile(rf"\d(?<![^\W{CJK_WORD}]\d)")

Bucket = tuple[str, str]  # (literal, key)


@dataclass(frozen=True, slots=True)
class Scan:
    """Where a folded text may hold phrases: literal buckets by offset, and number starts."""

    found: Mapping[int, tuple[Bucket, ...]]
    numbers: tuple[int, ...]


def _key_fits(folded: str, at: int, key: str, kind: str) -> bool:
    if kind == "cjk":
        return True  # a kana or kanji starts a word wherever it stands
    if at and _INNER.match(folded, at - 1):
        return False
    if not folded.startswith(key, at):
        return False
    return kind == "prefix" or not _INNER.match(folded, at + len(key))


class Table:
    """The phrases of some categories of one family, as the automaton's scan sees them."""

    def __init__(self, categories: Mapping[str, Sequence[Phrase]]) -> None:
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

    @property
    def has_numbers(self) -> bool:
        return bool(self._numbers)

    def number_pattern(self) -> tuple[re.Pattern[str], dict[str, str]]:
        if self._number is None:
            source, names = number_regex(self._numbers)
            self._number = (re.compile(source), names)
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
                    found = re.compile(categories_regex(cats))
                    self._compiled[buckets] = found
        return found

    def finditer(self, folded: str, scan: Scan) -> Iterator[tuple[int, int, str]]:
        """``(start, end, category)`` of non-overlapping hits, left to right."""
        mine = self.buckets
        places = [at for at, found in scan.found.items() if any(b in mine for b in found)]
        if self._numbers:
            places += scan.numbers
        last = 0
        for at in sorted(places):
            if at < last:
                continue
            buckets = scan.found.get(at)
            if buckets is None:  # a number start
                pattern, names = self.number_pattern()
                hit = pattern.match(folded, at)
                if hit is not None and hit.lastgroup:
                    last = hit.end()
                    yield at, hit.end(), names[hit.lastgroup]
                continue
            hit = self.pattern(tuple(b for b in buckets if b in mine)).match(folded, at)
            if hit is not None and hit.lastgroup:
                last = hit.end()
                yield at, hit.end(), hit.lastgroup

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
        keys: dict[str, set[tuple[str, str]]] = {}
        numbers = False
        for categories in families.values():
            for items in categories.values():
                for phrase in items:
                    numbers = numbers or phrase.kind == "number"
                    if phrase.kind != "number" and phrase.live:
                        keys.setdefault(phrase.literal, set()).add((phrase.key, phrase.kind))
        self._ac = ahocorasick.Automaton()
        for literal, entries in keys.items():
            self._ac.add_word(literal, (len(literal), literal, tuple(sorted(entries))))
        self._empty = not keys
        if keys:
            self._ac.make_automaton()
        self._numbers = numbers
        self._tables: dict[tuple[str, tuple[str, ...]], Table] = {}
        self._lock = threading.Lock()

    def table(self, family: str, only: tuple[str, ...] = ()) -> Table:
        found = self._tables.get((family, only))
        if found is None:
            with self._lock:
                found = self._tables.get((family, only))
                if found is None:
                    cats = self.families.get(family, {})
                    found = Table({c: p for c, p in cats.items() if not only or c in only})
                    self._tables[family, only] = found
        return found

    def scan(self, folded: str) -> Scan:
        found: dict[int, list[Bucket]] = {}
        if not self._empty:
            for end, (length, literal, entries) in self._ac.iter(folded):
                at = end - length + 1
                for key, kind in entries:
                    if _key_fits(folded, at, key, kind):
                        found.setdefault(at, []).append((literal, key))
        numbers: tuple[int, ...] = ()
        if self._numbers:
            numbers = tuple(m.start() for m in _NUMBER_START.finditer(folded))
        return Scan({at: tuple(sorted(buckets)) for at, buckets in found.items()}, numbers)

    def compile_all(self) -> None:
        for family in self.families:
            self.table(family).compile_all()


class PhraseMatcher:
    """One table of phrases with an automaton of its own (tests, ad-hoc lists)."""

    def __init__(self, categories: Mapping[str, Sequence[str]]) -> None:
        parsed = {cat: [parse_phrase(p) for p in items] for cat, items in categories.items()}
        self._automaton = Automaton({"phrases": parsed})
        self._table = self._automaton.table("phrases")

    def finditer(self, folded: str) -> Iterator[tuple[int, int, str]]:
        return self._table.finditer(folded, self._automaton.scan(folded))
