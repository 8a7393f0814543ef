"""The pieces of the phrase engine that one table of phrases needs: what a scan found, and the
table that turns it into hits (see :mod:`guardrails.phrase_engine` for the automaton).

A table is some categories of one rule family in one language. It tries a place with the
regex of the phrases that open with what was found there (compiled on first use and kept), in
the order of the category table (first category wins, longest phrase first within it), and
hits do not overlap: the scan resumes after each hit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guardrails.phrase_syntax import Phrase, categories_regex, compile_phrases, number_regex
from guardrails.textnorm import inner_word_char

Bucket = tuple[str, str]  # (literal, key)
NUMBER: Bucket = ("", "#")  # the phrases that open with a number
Place = tuple[int, tuple[Bucket, ...]]


# Blanks other than a space or a line break: tabs, no-break and ideographic spaces, … (rare).
_RARE_BLANKS = re.compile(r"[^\S \n]")
_ODD_BLANKS = re.compile(r"\s{2,}|[^\S ]")  # any run of blanks other than one space


def squeeze(folded: str) -> tuple[str, list[int], list[int]]:
    """``folded`` with every run of blanks made one space, and how to map an offset back: an
    offset ``q`` of the squeezed text is ``q + shifts[i]`` in ``folded``, ``i`` the last mark at
    or before ``q`` (no marks: nothing moved). Line breaks and double spaces, in every draft,
    are found with ``str`` methods; other blanks take a regex pass."""
    text = folded.replace("\n", " ")  # one for one: offsets stay
    # A rare blank is unprintable (a control or separator character), so a printable text,
    # most drafts, has none: ``str.isprintable`` rules that out without a regex pass.
    if not text.isprintable() and _RARE_BLANKS.search(folded):
        runs = [m.span() for m in _ODD_BLANKS.finditer(folded)]
        text = folded
    else:
        if "  " not in text:
            return text, [], []
        runs = []
        at = text.find("  ")
        while at >= 0:
            end = at + 2
            while end < len(text) and text[end] == " ":
                end += 1
            runs.append((at, end))
            at = text.find("  ", end)
    parts: list[str] = []
    marks: list[int] = []
    shifts: list[int] = []
    pos = length = removed = 0
    for start, end in runs:
        parts += (text[pos:start], " ")
        length += start - pos + 1
        pos = end
        if end - start > 1:
            removed += end - start - 1
            marks.append(length)
            shifts.append(removed)
    parts.append(text[pos:])
    return "".join(parts), marks, shifts


class Scan:
    """Where a folded text may hold phrases: the automaton's hits at a word start, per family,
    each with its entry's slot (the entry and its bucket's pattern, once compiled). A table
    asks for its places (:meth:`places`): only then are its hits checked for their key and
    tried with their bucket's pattern, so the families no detector reads for a text (closings
    of a reply, say) cost nothing past the automaton. The number starts are found on first
    ask, too. What is worked out is kept: the tables of one check share a scan (and so may two
    checks of the same text in two threads, through ``phrases._scan``: both may work out one
    table's places, the same answer, each stored whole)."""

    __slots__ = ("_automaton", "_folded", "_hits", "_numbers", "_places")

    def __init__(
        self, folded: str, hits: Mapping[str, Sequence[tuple[int, list[Any]]]], automaton: Any
    ) -> None:
        self._folded = folded
        self._hits = hits
        self._automaton = automaton  # a guardrails.phrase_engine.Automaton
        self._numbers: tuple[int, ...] | None = None
        self._places: dict[Table, list[Place]] = {}

    @property
    def numbers(self) -> tuple[int, ...]:
        """Every offset where some number phrase ("#% off", "# stars") matches."""
        if self._numbers is None:
            self._numbers = self._automaton.number_starts(self._folded)
        return self._numbers

    def places(self, table: Table) -> list[Place]:
        """``(offset, buckets)`` where one of ``table``'s buckets may match, in text order: a
        word start with the bucket's key, where a phrase of the bucket (any family's) does."""
        found = self._places.get(table)
        if found is None:
            folded, mine = self._folded, table.buckets
            by_at: dict[int, list[Bucket]] = {}
            for at, slot in self._hits.get(table.family, ()):
                entry, pattern = slot
                if entry.bucket not in mine or not (entry.settled or fits(folded, at, entry)):
                    continue
                if pattern is None:
                    pattern = slot[1] = self._automaton.any_pattern(entry.bucket)
                if pattern.match(folded, at) is not None:
                    by_at.setdefault(at, []).append(entry.bucket)
            found = sorted((at, tuple(sorted(b))) for at, b in by_at.items())
            self._places[table] = found
        return found


@dataclass(frozen=True, slots=True)
class Entry:
    """What the automaton reports for one literal: the key it must start with and how."""

    bucket: Bucket
    kind: str
    check_key: bool  # the literal does not begin with the key ("e#" and its key "e0")
    families: tuple[str, ...]
    # Nothing to check past the word start (a prefix key the literal begins with, or a kana
    # or kanji): the commonest case, decided without calling _fits.
    settled: bool


def fits(folded: str, at: int, entry: Entry) -> bool:
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
        places: Sequence[Place] = scan.places(self)
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
            hit = self.pattern(buckets).match(folded, at)
            if hit is not None and hit.lastgroup:
                last = hit.end()
                yield at, hit.end(), hit.lastgroup

    def first_at_start(
        self, folded: str, entries: Mapping[str, Sequence[Entry]]
    ) -> tuple[int, int, str] | None:
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
        probe = squeeze(folded)[0]  # a literal of two words holds one blank
        wanted = sorted(
            entry.bucket
            for literal, found in entries.items()
            if probe.startswith(literal)
            for entry in found
            if entry.bucket in self.buckets and fits(folded, 0, entry)
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
