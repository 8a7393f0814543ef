"""The phrase syntax of the lexicon files, compiled to regexes over folded text.

Phrase syntax (kept tiny so ops can write it):
- words separated by a space match any run of whitespace (line breaks included);
- ``#`` matches a number (``10``, ``12.5``, ``12,5``); ``#%`` also allows "10 %";
- a trailing ``*`` on a word matches any word ending (``coupon*`` -> coupons);
- a lone ``~`` matches a short gap inside one sentence (up to 40 characters), so
  "leave ~ review*" covers "leave us a quick review" and "leave an honest review";
- a phrase matches whole words only: "sale" never hits "wholesale".

Matching is case- and width-insensitive because it runs on folded text (see
:mod:`guardrails.textnorm`). Where a phrase may start is decided by its *key*, the first three
characters of its first word (a shorter first word is a whole-word key, a kana or kanji is a key
of its own, a number is ``#``): :mod:`guardrails.phrase_engine` only tries a phrase at a word
start of the text whose key is the phrase's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from guardrails.textnorm import CJK_WORD, GLUE, GLUE_BLOCKS, KATAKANA_LETTERS, fold_str

_NUMBER = r"\d+(?:[.,]\d+)?"
_GAP = r"[^.!?。！？\n]{0,40}?"
# A word of the key: a run of word characters other than kana and kanji, or one kana or kanji.
_WORD = re.compile(rf"[{CJK_WORD}]|[^\W{CJK_WORD}]+")
_CJK_CHAR = re.compile(f"[{CJK_WORD}]")

KeyKind = Literal["prefix", "whole", "cjk", "number"]


def _token(token: str) -> str:
    star = len(token) > 1 and token.endswith("*")
    core = token[:-1] if star else token
    pieces = core.split("#")
    rx = _NUMBER.join(re.escape(piece) for piece in pieces)
    rx = rx.replace(_NUMBER + "%", _NUMBER + r"\s?%")
    return rx + (r"\w*" if star else "")


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "#_"


def _glued(char: str) -> bool:
    return char == "#" or re.match(f"[{GLUE}]", char) is not None


def phrase_regex(phrase: str) -> str:
    """The regex source for one lexicon phrase, to be matched against folded text."""
    tokens = fold_str(phrase).split()
    if tokens[0] == "~" or tokens[-1] == "~":
        raise ValueError(f"phrase {phrase!r}: a gap ~ must stand between two words")
    out: list[str] = []
    for index, token in enumerate(tokens):
        if token == "~":
            out.append(_GAP)
            continue
        if index and tokens[index - 1] != "~":
            prev = tokens[index - 1].rstrip("*")
            both = _wordish(prev[-1]) and _wordish(token[0])
            out.append(r"\s+" if both else r"\s*")
        elif index and _glued(token[0]):
            out.append(f"(?<![{GLUE}])")  # the gap ends at a word start, never mid-word
        out.append(_token(token))
    # Word boundaries only for scripts written with spaces: a Japanese phrase sits inside a run
    # of kana and kanji, and "couponを" must still hit "coupon".
    head = f"(?<![{GLUE}])" if _glued(tokens[0][0]) else ""
    if re.match(f"[{KATAKANA_LETTERS}]", tokens[0][0]):
        # A katakana word glued to more katakana is another word: プレビュー is not レビュー.
        head = f"(?<![{KATAKANA_LETTERS}])"
    last = tokens[-1]
    tail = f"(?![{GLUE}])" if _glued(last[-1]) and not last.endswith("*") else ""
    return head + "".join(out) + tail


@dataclass(frozen=True, slots=True)
class Phrase:
    """One lexicon phrase, parsed: its regex, where it may start, and the literal it opens
    with (what the automaton looks for; empty for a phrase that opens with a number)."""

    text: str
    regex: str
    key: str
    kind: KeyKind
    literal: str
    # A phrase that opens with punctuation can never start at a word start: it never matched.
    live: bool


def parse_phrase(phrase: str) -> Phrase:
    """Parse one phrase; ``ValueError`` says what is wrong with it."""
    folded = fold_str(phrase)
    regex = phrase_regex(phrase)  # raises on a misplaced gap
    first = _WORD.search(folded.replace("#", "0"))
    if first is None:
        raise ValueError(f"phrase {phrase!r} must start with a word or a number")
    word = first.group()
    token = folded.split()[0]
    live = _WORD.match(token.replace("#", "0")) is not None
    if word[0].isdigit():
        return Phrase(phrase, regex, "#", "number", "", live)
    key = word[:3]
    kind: KeyKind = "cjk" if _CJK_CHAR.fullmatch(key) else "prefix" if len(key) >= 3 else "whole"
    return Phrase(phrase, regex, key, kind, opening_literal(folded), live)


def opening_literal(folded: str) -> str:
    """The fixed text a folded phrase opens with, what the automaton looks for: its first word
    (up to a ``*`` or ``#``), and the second too when nothing but blanks can stand between
    them ("your review", "la tua recensione": the automaton then reports far fewer places than
    for "your" and "la" alone). A blank in it stands for any run of blanks in a text (the
    scan squeezes them; see guardrails.phrase_engine)."""
    tokens = folded.split()
    first = tokens[0]
    star = len(first) > 1 and first.endswith("*")
    core = first[:-1] if star else first
    literal = core.split("#")[0]
    if star or literal != core or len(tokens) < 2:
        return literal
    second = tokens[1]
    if second == "~" or "#" in second or not (_wordish(core[-1]) and _wordish(second[0])):
        return literal
    second = second[:-1] if len(second) > 1 and second.endswith("*") else second
    return f"{literal} {second}"


# The same tests as ``(?<![GLUE])`` and ``(?![GLUE])``, one class per block: ``re`` compiles a
# class of several blocks into a 64K-entry table (a third of a millisecond, dozens of times per
# bucket of phrases), and three one-block classes in a fraction of that.
_CHEAP = {
    f"(?<![{GLUE}])": "".join(f"(?<![{part}])" for part in GLUE_BLOCKS),
    f"(?![{GLUE}])": "".join(f"(?![{part}])" for part in GLUE_BLOCKS),
}


def compile_phrases(source: str) -> re.Pattern[str]:
    """Compile a regex built from phrase regexes, with the glue tests spelt cheaply."""
    for slow, fast in _CHEAP.items():
        source = source.replace(slow, fast)
    return re.compile(source)


def _longest_first(phrases: Iterable[str]) -> list[str]:
    by_length = {phrase_regex(p): len(fold_str(p)) for p in phrases}
    return sorted(by_length, key=lambda rx: (-by_length[rx], rx))


def alternation(phrases: Iterable[str]) -> str:
    """One non-capturing group of all phrases, longest first so the longest phrase wins."""
    ordered = _longest_first(phrases)
    return "(?:" + "|".join(ordered) + ")" if ordered else "(?!)"


def categories_regex(cats: Mapping[str, Iterable[str]]) -> str:
    """One named group per category, in category order: the first category that matches wins."""
    return "|".join(f"(?P<{cat}>{alternation(items)})" for cat, items in cats.items())


def next_char(rest: str) -> str | None:
    """What may come next (spaces aside) in text that a phrase matches, as a regex class item,
    where ``rest`` is what follows the part of the phrase already found; None: anything (the
    phrase ends there, or goes on with a word ending ``*`` or a gap ``~``)."""
    rest = rest.lstrip()
    if not rest or rest[0] in "*~":
        return None
    return r"\d" if rest[0] == "#" else re.escape(rest[0])


def peek(literal: str, follow: set[str] | None) -> str:
    """A lookahead that fails at once where none of the phrases can go on: ``literal`` (found
    there already), then one of ``follow``. Empty when anything may follow."""
    if not follow:
        return ""
    opening = re.escape(literal).replace(r"\ ", r"\s+")
    return f"(?={opening}\\s*[{''.join(sorted(follow))}])"


# Phrases that open with a number ("#% off", "# stars", "# €") start with this in their regex.
_NUMBER_HEAD = f"(?<![{GLUE}])" + _NUMBER


def number_regex(cats: Mapping[str, Iterable[str]]) -> tuple[str, dict[str, str]]:
    """The regex of the phrases that open with a number, the number read once.

    Every number in a text is a word start to try; as a flat alternation each phrase re-read the
    digits (a third of all matching time in a 2 KB reply full of order IDs and prices). Group
    names carry a suffix (a category can be on both sides); the map gives the category back.
    """
    factored: list[str] = []
    plain: list[str] = []
    names: dict[str, str] = {}
    follow: set[str] | None = set()  # what may come after the number (spaces aside)
    for index, (category, items) in enumerate(cats.items()):
        items = list(items)
        for phrase in items:
            if follow is not None and phrase_regex(phrase).startswith(_NUMBER_HEAD):
                after = next_char(fold_str(phrase).split("#", 1)[1])
                follow = None if after is None else follow | {after}
        ordered = _longest_first(items)
        rests = [rx[len(_NUMBER_HEAD) :] for rx in ordered if rx.startswith(_NUMBER_HEAD)]
        others = [rx for rx in ordered if not rx.startswith(_NUMBER_HEAD)]
        for kind, group, into in (("n", rests, factored), ("p", others, plain)):
            if group:
                name = f"c{index}{kind}"
                names[name] = category
                into.append(f"(?P<{name}>" + "|".join(group) + ")")
    # Most numbers in a reply (order IDs, prices, dates) are followed by nothing a phrase
    # continues with: one look at the next character spares the try of every phrase.
    head = [_NUMBER_HEAD + peek("", follow) + "(?:" + "|".join(factored) + ")"] if factored else []
    return "|".join(head + plain), names
