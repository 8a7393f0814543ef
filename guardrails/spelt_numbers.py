"""Phone numbers spelt in words, read into digits: "five five five, one two three, four five six
seven", "null eins sieben sechs…", "zéro six, douze, trente-quatre…", "seis uno dos…",
"tre tre nove…", "〇九〇の一二三四の五六七八".

A run of at least seven digits' worth of number words (the draft's language and English, digits
allowed among them) is a phone number when the phone library finds it valid for the
marketplace (or with a country code), or when the text calls it one ("call me on …"). Words
are data only in the small sense that every language names its ten digits; French also says
its digits in pairs ("douze", "quatre-vingt-dix-huit"), which are read as two digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from guardrails.spans import Context

_DIGITS = {
    "en": "zero one two three four five six seven eight nine",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve",
    "it": "zero uno due tre quattro cinque sei sette otto nove",
    "pt": "zero um dois três quatro cinco seis sete oito nove",
    "nl": "nul een twee drie vier vijf zes zeven acht negen",
}
_EXTRA = {
    "en": {"oh": "0", "double": "×2", "triple": "×3"},
    "de": {"zwo": "2", "doppel": "×2"},
    "fr": {"une": "1"},
    "es": {"una": "1", "doble": "×2"},
    "it": {"una": "1", "doppio": "×2"},
}
# French pairs: 10-16 and the tens; compounds are joined by hyphens ("soixante-dix-huit").
_FR_UNITS = {
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
}  # fmt: skip
# Spanish and Italian say their numbers in pairs too: "doce, treinta y cuatro", "dodici,
# cinquantacinque". Teens and tens by value; Spanish joins tens and units with "y", Italian
# writes them as one word and drops a vowel before "uno" and "otto" ("ventuno", "trentotto").
_ES_PAIRS = {
    "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15,
    "dieciséis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
    "veintiuno": 21, "veintiún": 21, "veintidós": 22, "veintitrés": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiséis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
    "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
    "noventa": 90,
}  # fmt: skip
_IT_TEENS = {
    "dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14, "quindici": 15,
    "sedici": 16, "diciassette": 17, "diciotto": 18, "diciannove": 19,
}  # fmt: skip
_IT_TENS = {
    "venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60, "settanta": 70,
    "ottanta": 80, "novanta": 90,
}  # fmt: skip
_IT_UNITS = {"uno": 1, "due": 2, "tre": 3, "tré": 3, "quattro": 4, "cinque": 5, "sei": 6,
             "sette": 7, "otto": 8, "nove": 9}  # fmt: skip
_KANJI = str.maketrans("〇零一二三四五六七八九", "00123456789")
_Y_JOIN = re.compile(r"[ \t]+y[ \t]+", re.IGNORECASE)
_KANJI_DIGIT = re.compile(r"[〇零]")  # a phone number in kanji has a zero: 〇九〇…, 〇三…
_KANJI_RUN = re.compile(
    r"[〇零一二三四五六七八九](?:[ー－―\-・、の\s]?[〇零一二三四五六七八九]){6,16}"
)


@cache
def _words(language: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code in dict.fromkeys(("en", language)):
        out |= {word: str(i) for i, word in enumerate(_DIGITS.get(code, _DIGITS["en"]).split())}
        out |= _EXTRA.get(code, {})
    return out


@cache
def _gate(language: str) -> tuple[str, ...]:
    """The digit words the gate counts, each with the blank before it: the language's ten and
    English's (drafts quote English numbers too)."""
    words = {
        f" {w}" for code in dict.fromkeys(("en", language)) for w in _DIGITS.get(code, "").split()
    }
    words |= {f" {w}" for w in _pair_words(language)}  # "douze", "treinta", "dodici"
    return tuple(sorted(words))


@cache
def _gate_regex(language: str) -> re.Pattern[str]:
    """A blank that some gate word follows: one pass in C instead of a ``str.count`` per word
    (each of which stops at every blank of the text)."""
    words = sorted({word[1:] for word in _gate(language)}, key=len, reverse=True)
    firsts = "".join(sorted({word[0] for word in words}))  # a bitmap test rules most blanks out
    alternatives = "|".join(map(re.escape, words))
    return re.compile(f" (?=[{re.escape(firsts)}])(?={alternatives})")


def _gate_count(lowered: str, language: str, enough: int = 4) -> int:
    """``sum(lowered.count(word) for word in _gate(language))``, stopping at ``enough``: the
    blanks a gate word follows, each counted once per gate word that opens there (" cinq" and
    " cinquante" both open " cinquante")."""
    words = _gate(language)
    total = 0
    for m in _gate_regex(language).finditer(lowered):
        total += sum(lowered.startswith(word, m.start()) for word in words)
        if total >= enough:
            break
    return total


def _pair_words(language: str) -> tuple[str, ...]:
    """The words that say two digits at once, as they open a token (Italian compounds open
    with their tens: "cinquanta" of "cinquantacinque")."""
    pairs = _PAIRS.get(language)
    return pairs.words if pairs else ()


@cache
def _run(language: str) -> re.Pattern[str]:
    """At least four number words (or digit groups) in a row, separated by blanks, commas,
    hyphens or dots: the shape of a number read out."""
    words = sorted(_words(language), key=len, reverse=True)
    words += sorted(_pair_words(language), key=len, reverse=True)
    pairs = _PAIRS.get(language)
    rest = pairs.rest if pairs else _FR_REST
    word = r"(?:" + "|".join(map(re.escape, words)) + rf"){rest}|\d{{1,4}}"
    return re.compile(rf"(?<![\w])(?:{word})(?:[ \t,.\-–/]{{1,3}}(?:{word})){{3,}}(?![\w])", re.I)


def _french_pair(token: str) -> str | None:
    """ "douze" → "12", "trente-quatre" → "34", "quatre-vingt-dix-huit" → "98"."""
    parts = [p for p in token.lower().split("-") if p != "et"]
    digits = {w: int(d) for w, d in _words("fr").items() if d.isdigit()}
    total, i = 0, 0
    while i < len(parts):
        part = parts[i]
        if part == "quatre" and i + 1 < len(parts) and parts[i + 1] in ("vingt", "vingts"):
            total += 80
            i += 2
            continue
        if part in _FR_UNITS:
            total += _FR_UNITS[part]
        elif part in digits:
            total += digits[part]
        else:
            return None
        i += 1
    return f"{total:02d}" if total >= 10 or len(parts) > 1 else str(total)


def _spanish_pair(token: str) -> str | None:
    """ "doce" → "12", "treinta y cuatro" (joined "treinta-y-cuatro") → "34"."""
    parts = [p for p in token.split("-") if p != "y"]
    if not parts or parts[0] not in _ES_PAIRS:
        return None
    total = _ES_PAIRS[parts[0]]
    if len(parts) == 2:
        unit = _words("es").get(parts[1], "")
        if not unit.isdigit() or total % 10:
            return None
        total += int(unit)
    elif len(parts) > 2:
        return None
    return str(total)


def _italian_pair(token: str) -> str | None:
    """ "dodici" → "12", "cinquantacinque" → "55", "ventuno" → "21", "trentotto" → "38"."""
    if token in _IT_TEENS:
        return str(_IT_TEENS[token])
    for tens, value in _IT_TENS.items():
        for stem in (tens, tens[:-1]):  # "venti" + "tre", "vent" + "uno"
            if token.startswith(stem):
                unit = token[len(stem) :]
                if not unit:
                    return str(value) if stem == tens else None
                if unit in _IT_UNITS and (stem == tens) != (unit in ("uno", "otto")):
                    return str(value + _IT_UNITS[unit])
    return None


@dataclass(frozen=True)
class _Pairs:
    """How a language says two digits at once: the words that open such a token, the regex of
    the rest of its compound after them ("-quatre", "-et-un", " y cuatro", "acinque"), and how
    to read the whole token."""

    words: tuple[str, ...]
    rest: str
    read: Callable[[str], str | None]


_FR_REST = r"(?:-(?:et-)?[a-zéèû]+)*"
_PAIRS = {
    "fr": _Pairs(tuple(_FR_UNITS), _FR_REST, _french_pair),
    "es": _Pairs(tuple(_ES_PAIRS), r"(?:[ \t]+y[ \t]+[a-záéíóú]+)?", _spanish_pair),
    "it": _Pairs((*_IT_TEENS, *(tens[:-1] for tens in _IT_TENS)), r"[a-zàèéìòù]*", _italian_pair),
}


def _read(run: str, language: str) -> str | None:
    """The digits a run of words says, or None if a word is not a number."""
    words = _words(language)
    out: list[str] = []
    repeat = 1
    for token in _tokens(run):
        lowered = token.lower()
        if lowered.isdigit():
            digits = lowered
        elif lowered in words:
            value = words[lowered]
            if value.startswith("×"):
                repeat = int(value[1:])
                continue
            digits = value
        elif "-" in lowered and all(part in words for part in lowered.split("-")):
            digits = "".join(words[part] for part in lowered.split("-"))  # "tre-quattro-sette"
        elif language in _PAIRS:
            pair = _PAIRS[language].read(lowered)
            if pair is None:
                return None
            digits = pair
        else:
            return None
        out.append(digits * repeat if len(digits) == 1 else digits)
        repeat = 1
    return "".join(out)


def _tokens(run: str) -> list[str]:
    run = _Y_JOIN.sub("-y-", run)  # "treinta y cuatro" is one pair
    # Hyphens join French compounds ("trente-quatre") but separate groups ("0176-drei"): a
    # hyphenated token is kept whole when every part is a word.
    return [t for t in re.split(r"[ \t,./–]+", run) for t in _split_hyphens(t) if t]


def _split_hyphens(token: str) -> list[str]:
    if "-" not in token or not any(c.isdigit() for c in token):
        return [token]
    return token.split("-")


def spelt_numbers(
    text: str, *, ctx: Context, plausible: Callable[[str, int, int], bool]
) -> list[tuple[int, int]]:
    """Spans of phone numbers spelt in words; ``plausible(digits, start, end)`` decides (the
    phone library or a cue in the text)."""
    found: list[tuple[int, int]] = []
    lowered = text.lower()
    # A cheap gate first: four number words at least, counted as substrings after a blank
    # ("one" in "someone" counts too). Most drafts have fewer and skip the regex.
    if _gate_count(lowered, ctx.language) >= 4:
        for m in _run(ctx.language).finditer(text):
            if not any(c.isalpha() for c in m.group()):
                continue  # plain digits: the phone rule's first passes
            digits = _read(m.group(), ctx.language)
            if digits and 7 <= len(digits) <= 15 and plausible(digits, m.start(), m.end()):
                found.append(m.span())
    if ctx.language in ("ja", "zh") and _KANJI_DIGIT.search(text):
        for m in _KANJI_RUN.finditer(text):
            digits = re.sub(r"\D", "", m.group().translate(_KANJI))
            if 9 <= len(digits) <= 15 and plausible(digits, m.start(), m.end()):
                found.append(m.span())
    return found
