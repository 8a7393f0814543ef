"""Regexes rewritten for speed (one leading character class, so ``re`` skips ahead in C) find
exactly what the originals found: both run over random texts built from the characters that
matter to them."""

from __future__ import annotations

import random
import re

import pytest

from guardrails import contacts, emoji_rules, formatting, order_id, phones, pipeline
from guardrails.textnorm import GLUE

CTX = pipeline.context(
    order_id="114-3941689-8772232", marketplace="amazon.com", language="en", message_kind="reply"
)
_EDGE = r"0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-－‐‑"
_HYPHEN = "[-－‐‑]"
_SEPARATOR = r"(?:[\d \u00a0\-–－/()（）]|\.(?!\s))"

ORIGINALS = [
    (
        order_id.ORDER_ID,
        rf"(?<![{_EDGE}])\d{{3}}{_HYPHEN}\d{{7}}{_HYPHEN}\d{{7}}(?![{_EDGE}])",
        [
            "114-3941689-8772232",
            "１１４－３９４１６８９－８７７２２３２",
            "1",
            "-",
            "a",
            "５",
            " ",
            "‑",
        ],
    ),
    (
        phones._CANDIDATE,
        rf"(?<![{GLUE}])[+＋(（]?\d{_SEPARATOR}{{4,}}\d",
        [
            "+49 30 1234567",
            "(030) 1234-567",
            "0",
            "7",
            "+",
            "（",
            ")",
            " ",
            "-",
            ".",
            "a",
            "é",
            "\n",
        ],
    ),
    (
        formatting._CAPS,
        r"(?<![^\W\d_])[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]{3,}(?![^\W\d_])",
        ["ABC", "PLEASE", "ÉTÉ", "ΩΣΔ", "ЯЯЯ", "a", "é", "1", "_", " ", "-", "日", "Ö"],
    ),
    (
        emoji_rules._EMOTICON,
        r"(?:[:;=]-?[)(\]\[DPpOo/\\|*]|[:;]'-?[()]|\^[_-]?\^)(?![\w/\\])",
        [":-)", ";)", "=D", "^_^", ":'(", "^^", ":", "-", ")", "/", "a", " ", "1", "<", "\\"],
    ),
]


@pytest.mark.parametrize(("pattern", "original", "pieces"), ORIGINALS)
def test_rewritten_regex_finds_what_the_original_found(
    pattern: re.Pattern[str], original: str, pieces: list[str]
) -> None:
    old = re.compile(original)
    rng = random.Random(20261206)
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in old.finditer(text)
        ], text


def _original_shouting(text: str) -> list[tuple[int, int]]:
    """formatting._shouting before it skipped lines, as it was written."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        run: list[re.Match[str]] = []
        for word in re.finditer(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\S", line.group()):
            token = word.group()
            letters = token.isalpha()
            counts = (
                letters
                and token.isupper()
                and len(token) >= 3
                and token not in formatting._ACRONYMS
            )
            if counts:
                run.append(word)
            elif letters and not token.isupper():
                if len(run) >= 3:
                    out.append((line.start() + run[0].start(), line.start() + run[-1].end()))
                run = []
        if len(run) >= 3:
            out.append((line.start() + run[0].start(), line.start() + run[-1].end()))
    return out


def test_shouting_skips_only_lines_that_cannot_shout() -> None:
    pieces = ["PLEASE", "DO", "NOT", "OPEN", "ASIN", "USB", "ŁÓDŹ", "ABC日本", "ǅX", "don't"]
    pieces += ["DON'T", "Hello", "ok", "HX-2000", "B08N5WRWNW", "ΩΣΔ", "日本", "ǅ", "²³", " "]
    pieces += [" ", " ", "\n", ", ", "/", "1", "ÉTÉ", "Straße", "STRASSE", "ＡＢＣ"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert [(s.start, s.end) for s in formatting._shouting(text)] == _original_shouting(text)


def _original_emails(text: str) -> list[tuple[int, int]]:
    """contacts.detect_emails before its gates were split, as it was written."""
    c = contacts
    spelt = rf"(?i:{c.LATIN_AT})|{c.KANA_AT}"
    gate = re.compile(
        rf"[@＠]|{c._OPEN}[ \t]*(?i:at)[ \t]*{c._CLOSE}|[ \t]AT[ \t]"
        rf"|(?i:[ \t](?:{c.LATIN_DOT})[ \t])|{spelt}"
    )
    if not gate.search(text):
        return []
    matches = list(c._EMAIL.finditer(text))
    if re.search(spelt, text):
        taken = [m.span() for m in matches]
        matches += [
            m
            for m in c._EMAIL_WORDS.finditer(text)
            if not any(s < m.end() and m.start() < e for s, e in taken)
        ]
        matches.sort(key=lambda m: m.start())
    return [m.span() for m in matches if c._email_ok(m.group())]


def test_email_gates_change_nothing() -> None:
    pieces = ["info", "shop", "de", "com", "@", "＠", " ", " ", ".", "x", "AT", "at", "At", "DOT"]
    pieces += ["dot", "Dot", "[at]", "(at)", "[dot]", "arroba", "ARROBA", "arobaſe", "chıocciola"]
    pieces += ["chiocciola", "アットマーク", "punto", "point", "\t", "problem", "occasion", "ola"]
    ats = ["@", " at ", " AT ", "[at]", " arroba ", " chıocciola ", "アットマーク", " (at) ", "＠"]
    dots = [".", " dot ", " DOT ", "[dot]", " punto ", " point ", "．", " Dot "]
    rng = random.Random(11)
    found = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        if rng.random() < 0.5:
            address = f"info{rng.choice(ats)}shop{rng.choice(dots)}co{rng.choice(dots)}uk"
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(["", " "]) + address + " " + text[at:]
        expected = _original_emails(text)
        found += bool(expected)
        assert [(s.start, s.end) for s in contacts.detect_emails(text, ctx=CTX)] == expected, text
    assert found > 500


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_first_hit_at_start_is_what_the_scan_reports_at_start(language: str) -> None:
    from guardrails import phrases
    from guardrails.textnorm import fold

    automaton = phrases.automaton(language)
    words = [p for cats in automaton.families["amazon_duplicate"].values() for p in cats]
    pieces = [w.text for w in words] + ["thanks", " ", ",", "!", "5", "ok", "よろしく", "regards"]
    rng = random.Random(3)
    for only in (("closings",), ("confirmations",), ()):
        table = automaton.table("amazon_duplicate", only)
        for _ in range(1500):
            folded = fold("".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))).text
            hits = [h for h in table.finditer(folded, automaton.scan(folded)) if h[0] == 0]
            assert table.first_at_start(folded, automaton.entries) == (hits[0] if hits else None)


def test_greetings_grouped_by_first_character_match_as_the_whole_alternation() -> None:
    from guardrails import phrases
    from guardrails.phrase_syntax import alternation

    whole = re.compile(alternation(phrases.everywhere("order_id", "greetings")), re.IGNORECASE)
    greetings = list(phrases.everywhere("order_id", "greetings"))
    rng = random.Random(5)
    hits = 0
    for _ in range(20000):
        line = rng.choice(greetings)
        line = line.upper() if rng.random() < 0.3 else line
        line = rng.choice(["", "ı", "K", "1", "é", " ", "x"]) + line + rng.choice(["", ",", "x"])
        folded = line.casefold()
        pattern = order_id._greeting(folded[0])
        found = bool(pattern and pattern.match(folded))
        hits += found
        assert found == bool(whole.match(folded)), line
    assert hits > 1500
