"""Finding lexicon phrases in folded text: one Aho-Corasick pass, then a few anchored regexes.

An :class:`Automaton` holds every phrase of one language (English plus the language's own, all
rule families). Its automaton (ahocorasick_rs) finds, in one pass over the folded text,
every place where some phrase's opening literal occurs ("coupon" of "coupon*", "leave" of
"leave ~ review*", "your review" of "your review*": two words where only blanks can part them,
found in the text with its blanks squeezed) and keeps those at a word start, per family. A
table (some categories of one family) tries only its own, on first ask: with one regex of
every phrase (any family) that opens with what was found there, which rules out nearly all of
them, and where that hits, with its own regex (see :mod:`guardrails.phrase_table`). Numbers,
which open "#% off" and "# stars", are found backwards from what a number phrase goes on with
("%", "star", "€"), also on first ask. The regexes are compiled on first use and kept.

A phrase may start only at a word start of the text whose key is the phrase's key (see
:mod:`guardrails.phrase_syntax`): the same rule the engine before this one applied, so the hits
are the same.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import ahocorasick_rs

from guardrails.phrase_syntax import (
    Phrase,
    compile_phrases,
    next_char,
    number_regex,
    parse_phrase,
    peek,
)
from guardrails.phrase_table import NUMBER, Bucket, Entry, Scan, Table, squeeze
from guardrails.textnorm import CJK_WORD, fold_str, inner_word_char

_FIRST_CJK = CJK_WORD[0]  # below it, a word character is never a kana or kanji
_NUMBER_OPENING = re.compile(r"[#\d][#\d.,]*")  # "#", "#.#", "24" of a number phrase


_NOT_A_HEAD = ".,0123456789"  # a head may not go on with the number itself


def _numbers_before(folded: str, head: str) -> Iterator[int]:
    r"""Where a number phrase's number may start, for each ``head`` in ``folded``: the starts
    ``\d(?<![^\W CJK]\d)\d*`` finds followed by ``(?:[.,]\d+)?\s*`` and ``head`` (the
    regex of :meth:`Automaton._number_starts`), read backwards from the head: its digit run,
    and the run before a decimal mark, each where it starts a word."""
    at = folded.find(head)
    while at >= 0:
        end = at
        while end and folded[end - 1].isspace():
            end -= 1
        run = end
        while run and folded[run - 1].isdecimal():
            run -= 1
        if run < end:
            if _starts_word(folded, run):
                yield run
            mark = run - 1
            if mark > 0 and folded[mark] in ".," and folded[mark - 1].isdecimal():
                first = mark - 1
                while first and folded[first - 1].isdecimal():
                    first -= 1
                if _starts_word(folded, first):
                    yield first
        at = folded.find(head, at + 1)


def _starts_word(folded: str, at: int) -> bool:
    r"""``(?<![^\W CJK])`` at ``at``: no letter, digit or ``_`` before it but a kana or kanji."""
    return not at or not inner_word_char(folded[at - 1])


class Automaton:
    """Every phrase of one language: ``families`` maps a rule family to its categories. The
    automaton holds every family's literals; a table (some categories of one family) is a view
    made on first use."""

    def __init__(self, families: Mapping[str, Mapping[str, Sequence[Phrase]]]) -> None:
        self.families = families
        owners: dict[tuple[Bucket, str], set[str]] = {}
        self._number_families: set[str] = set()
        self._regexes: dict[Bucket, dict[str, None]] = {}  # every family's, in a stable order
        self._follow: dict[Bucket, set[str] | None] = {}  # see phrase_syntax.peek
        self._number_texts: dict[str, None] = {}
        self._starts: re.Pattern[str] | None = None
        self._heads: tuple[str, ...] | None = None
        self._heads_known = False  # _heads is worked out on first use (None: no heads)
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
                        spelt = " ".join(fold_str(phrase.text).split())
                        after = next_char(spelt[len(phrase.literal) :])
                        known = self._follow.get(bucket, set())
                        self._follow[bucket] = (
                            None if known is None or after is None else {*known, after}
                        )
        self._any: dict[Bucket, re.Pattern[str]] = {}
        entries: dict[str, list[Entry]] = {}
        for (bucket, kind), fams in sorted(owners.items()):
            literal, key = bucket
            check_key = not literal.startswith(key)
            settled = kind == "cjk" or (kind == "prefix" and not check_key)
            entry = Entry(bucket, kind, check_key, tuple(sorted(fams)), settled)
            entries.setdefault(literal, []).append(entry)
        self.entries = {literal: tuple(found) for literal, found in entries.items()}
        # By first character: what may open a text (Table.first_at_start) without a pass over all.
        self._by_first: dict[str, dict[str, tuple[Entry, ...]]] = {}
        for literal, opened in self.entries.items():
            if literal:
                self._by_first.setdefault(literal[0], {})[literal] = opened
        self._values: list[tuple[bool, list[list[Any]]]] = []
        for found in entries.values():
            cjk = found[0].kind == "cjk"  # a literal's first character decides it for all keys
            # Per entry: the entry and, once compiled, its bucket's pattern (filled in by the
            # scan, so the hot loop reads it from the hit itself).
            slots = [[entry, None] for entry in found]
            self._values.append((cjk, slots))
        # The library's default (a contiguous NFA): its DFA scanned no faster in whole checks
        # and held 7 MB more over the six languages (measured side by side, 2026-12-08).
        self._ac = ahocorasick_rs.AhoCorasick(list(entries)) if entries else None
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

    def opening(self, folded: str) -> dict[str, tuple[Entry, ...]]:
        """The literals ``folded`` begins with, and their entries."""
        candidates = self._by_first.get(folded[:1], {})
        probe = squeeze(folded)[0]
        return {lit: found for lit, found in candidates.items() if probe.startswith(lit)}

    def scan(self, folded: str) -> Scan:
        """Where the automaton's literals stand at a word start, per family; each table then
        tries only its own (see :class:`guardrails.phrase_table.Scan`)."""
        # The loop runs for every automaton hit: the word-start test is inlined for the common
        # case (a character below the first kana).
        hits: dict[str, list[tuple[int, list[Any]]]] = {}
        inner, first_cjk = inner_word_char, _FIRST_CJK
        if self._ac is not None:
            # Literals of two words hold one blank; the text's blanks are squeezed to match.
            squeezed, marks, shifts = squeeze(folded)
            values = self._values
            for index, at, _ in self._ac.find_matches_as_indexes(squeezed, overlapping=True):
                cjk, slots = values[index]
                if marks:
                    at += shifts[bisect_right(marks, at) - 1] if at >= marks[0] else 0
                if at and not cjk:
                    c = folded[at - 1]
                    if (c.isalnum() or c == "_") and (c < first_cjk or inner(c)):
                        continue  # inside a word: most of what the automaton reports
                for slot in slots:
                    for family in slot[0].families:
                        hits.setdefault(family, []).append((at, slot))
        return Scan(folded, hits, self)

    def any_pattern(self, bucket: Bucket) -> re.Pattern[str]:
        return self._any.get(bucket) or self._compile_any(bucket)

    def number_starts(self, folded: str) -> tuple[int, ...]:
        """Every offset of ``folded`` where some number phrase matches."""
        if not self._number_families:
            return ()
        pattern = self.any_pattern(NUMBER)
        heads = self._number_heads()
        if heads is None:
            regex = self._starts or self._number_starts()
            starts: Iterable[int] = [m.start() for m in regex.finditer(folded)]
        else:
            starts = sorted({s for head in heads for s in _numbers_before(folded, head)})
        return tuple(start for start in starts if pattern.match(folded, start) is not None)

    def _number_rests(self) -> list[str]:
        """What each number phrase goes on with after its number ("% off", "star*", "€")."""
        return [
            _NUMBER_OPENING.sub("", fold_str(text).lstrip(), count=1).lstrip()
            for text in self._number_texts
        ]

    def _number_heads(self) -> tuple[str, ...] | None:
        """The literal text each number phrase goes on with ("%", "star", "€"), searched with
        ``str.find``: they stand for :meth:`_number_starts`'s regex when every number phrase has
        one, giving the same starts without trying every digit. A head that opens with another
        ("%off", "%") is found where that one is. None: some phrase has none."""
        if self._heads_known:
            return self._heads
        heads: set[str] = set()
        for rest in self._number_rests():
            whole = re.match(r"[^\s*~#]+", rest)
            if whole is None or whole.group()[0] in _NOT_A_HEAD:
                self._heads, self._heads_known = None, True
                return None
            heads.add(whole.group())
        self._heads = tuple(
            sorted(h for h in heads if not any(h != g and h.startswith(g) for g in heads))
        )
        self._heads_known = True
        return self._heads

    def _number_starts(self) -> re.Pattern[str]:
        """Where a number phrase may start, found in C: a run of digits at a word start (the
        look-behind follows the first digit, so ``re`` skips ahead to digits), followed (past
        a decimal part and blanks) by what some number phrase goes on with: "%" of "#% off",
        "-s" of "#-star", "s" of "# stars". An order ID's "114-" or a price's "12,99 €" ends
        there, unless a phrase goes on with it. Compiled only when the heads cannot stand for
        it (and by the tests, which compare the two)."""
        follow: set[str] | None = set()
        for rest in self._number_rests():
            head = re.match(r"[^\s*~#]{1,2}", rest)
            follow = None if follow is None or head is None else {*follow, head.group()}
        ahead = (
            rf"(?=(?:[.,]\d+)?\s*(?:{'|'.join(map(re.escape, sorted(follow)))}))" if follow else ""
        )
        self._starts = re.compile(rf"\d(?<![^\W{CJK_WORD}]\d)\d*{ahead}")
        return self._starts

    def _compile_any(self, bucket: Bucket) -> re.Pattern[str]:
        """Any phrase of ``bucket`` (any family, any category) at one place. Mostly none: the
        word only opens phrases ("your" of "your review"), and one C match in the scan spares
        every table its own."""
        pattern = self._any.get(bucket)
        if pattern is None:
            with self._lock:
                pattern = self._any.get(bucket)
                if pattern is None:
                    if bucket == NUMBER:  # the number read once, as the tables do
                        source = number_regex({"any": list(self._number_texts)})[0]
                    else:
                        source = "(?:" + "|".join(self._regexes[bucket]) + ")"
                        source = peek(bucket[0], self._follow[bucket]) + source
                    pattern = compile_phrases(source)
                    self._any[bucket] = pattern
        return pattern

    def compile_all(self) -> None:
        for family in self.families:
            self.table(family).compile_all()
        for bucket in [*self._regexes, *([NUMBER] if self._number_texts else [])]:
            self._compile_any(bucket)


class PhraseMatcher:
    """One table of phrases with an automaton of its own (tests, ad-hoc lists)."""

    def __init__(self, categories: Mapping[str, Sequence[str]]) -> None:
        parsed = {cat: [parse_phrase(p) for p in items] for cat, items in categories.items()}
        self._automaton = Automaton({"phrases": parsed})
        self._table = self._automaton.table("phrases")

    def finditer(self, folded: str) -> Iterator[tuple[int, int, str]]:
        return self._table.finditer(folded, self._automaton.scan(folded))
