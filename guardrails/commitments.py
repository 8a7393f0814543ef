"""``unsupported_commitment``: a promise the seller's own material does not back. Flagged.

A model drafts from what it was given: the order's facts, knowledge-base passages, the reply
template and the agent's instructions (the :class:`Grounding`). Whatever else it states as done
or to come is its own invention, and a buyer will hold the seller to it: a refund, a
replacement, a return label, a credit, a date, an amount of money or a tracking number. The
buyer's message supports nothing ("please refund me" is no reason to write "we have refunded
you").

What is read:

- **refund, replacement, return label, credit**: the lexicon's ``commitment`` phrases in a
  sentence that states rather than offers, asks or explains (no ``hedge`` phrase, not a
  question). Supported when a grounding text speaks of the same thing.
- **dates**: calendar dates in the buyer's language or English (month names from the CLDR via
  Babel, ISO and numeric dates with a year, 12月5日), a weekday as a deadline ("by Friday"),
  and days named from today ("tomorrow", "yesterday", "this week"). Supported when the same
  day (month and day) is an order date, the day the message is answered, or a date a grounding
  text names; a weekday when such a date of the week around today falls on it, or a grounding
  text names it; a day from today when such a date is that day (this week: any day of it).
- **amounts**: money (a currency sign, code or word beside a number, or a number in words).
  Supported when a grounding text holds the same number.
- **tracking numbers**: codes of letters and digits with eight digits or more, and long digit
  runs after a tracking label. Supported when a grounding text holds the same characters.

Silent without a grounding: a template draft says only what its template says, and ``/check``
applies the rule only when it is given the texts a reply may draw on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from guardrails import order_id as order_ids
from guardrails import phrases, sentences
from guardrails.spans import Context, Grounding, Span, quote
from guardrails.textnorm import fold

RULE = "unsupported_commitment"
_CONCEPTS = ("refund", "replacement", "return_label", "credit")
_LABEL = {  # every kind of promise, as a finding names it
    "refund": "a refund",
    "replacement": "a replacement",
    "return_label": "a return label",
    "credit": "a credit or compensation",
    "date": "a date",
    "amount": "an amount",
    "tracking_number": "a tracking number",
}


# Full-width digits, letters and signs read as ASCII, one character for one: offsets stay.
_ASCII = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)})


FAMILY = "commitment"
# Matched apart from the shared scan (phrases.SEPARATE): only a model's drafts are read for
# promises, so no other check pays for them.
_CATEGORIES = tuple(sorted(phrases.FAMILIES[FAMILY] or ()))


def _find(text: str, language: str) -> list[tuple[int, int, str]]:
    """``(start, end, category)`` of the commitment phrases in ``text``, in its offsets."""
    folded = fold(text)
    found = phrases.apart(language, FAMILY, _CATEGORIES).finditer(folded.text)
    return [(*folded.span(s, e), category) for s, e, category in found]


def _ascii(text: str) -> str:
    return text.translate(_ASCII)


# The patterns that ignore case (currency words and signs, month and weekday names, their cues)
# are written in lower case and searched in the lower-cased text: re finds where a
# case-sensitive match may start many times faster than with IGNORECASE (the currency words in
# an 800-character text: 176 µs with IGNORECASE, 22 µs in lower case; lowering takes under
# 1 µs). Lower case and IGNORECASE agree on every character but these: a dotted capital I lowers
# to two characters; the dotless i and the long s match "i" and "s" only with IGNORECASE; some
# African and IPA letters leave or enter the Latin class of _LATIN when lowered. A text holding
# one is searched with IGNORECASE; tests/guardrails/test_commitments.py checks the agreement on
# every code point.
CASE_APART = re.compile("[\u0130\u0131\u017f\u0180-\u02af\u2c60-\u2c7f\ua720-\ua7ff]")


def _lowered(text: str) -> str | None:
    """``text`` in lower case, offsets unchanged; None when it holds a character of CASE_APART."""
    return None if CASE_APART.search(text) else text.lower()


@dataclass(frozen=True, slots=True)
class _AnyCase:
    """A pattern written in lower case, compiled for lower-cased text and, for a text that
    holds a character of CASE_APART, with IGNORECASE."""

    low: re.Pattern[str]
    ignoring: re.Pattern[str]

    @classmethod
    def of(cls, source: str) -> _AnyCase:
        return cls(re.compile(source), re.compile(source, re.IGNORECASE))

    def finditer(self, text: str, lowered: str | None) -> Iterator[re.Match[str]]:
        """Matches in ``text`` (``lowered`` is ``_lowered(text)``), in its offsets."""
        return self.low.finditer(lowered) if lowered is not None else self.ignoring.finditer(text)


# --- tracking numbers ----------------------------------------------------------------------------
# Letters and digits in one code, eight digits or more: 1Z999AA10123456784, JJD0003900078,
# RR123456789DE. An ASIN (B08N5WRWNW) has too few digits.
_CODE = re.compile(r"(?<![0-9A-Za-z_-])[A-Z]{0,4}\d[A-Z0-9]{8,34}(?![0-9A-Za-z_-])")
# Digits alone, in groups: eight or more after a tracking label (a phone number or an invoice
# number is no tracking number), or a run of 16 digits or more anywhere; never a link's.
_DIGITS = re.compile(r"(?<![0-9A-Za-z_+\-=/?&#.])\d{2,8}(?:[ -]?\d{2,8}){0,5}(?![0-9A-Za-z_-])")
_LONG_RUN = 16
_LABELLED_RUN = 8  # Mondial Relay, Colissimo and others have 8-digit numbers


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", _ascii(text)).upper()


def _tracking(text: str, labels: list[int]) -> list[tuple[int, int]]:
    out = []
    for m in _CODE.finditer(text):
        if sum(c.isdigit() for c in m.group()) >= 8:
            out.append(m.span())
    for m in _DIGITS.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if digits < _LABELLED_RUN or order_ids.ORDER_ID.fullmatch(m.group()):
            continue
        labelled = any(0 <= m.start() - end <= 40 for end in labels)
        if labelled or digits >= _LONG_RUN:
            out.append(m.span())
    return out


# --- amounts --------------------------------------------------------------------------------------
_NUMBER = r"\d{1,3}(?:[.,'\u2019\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SIGNS = r"US\$|C\$|A\$|\$|€|£|¥|￥|EUR|USD|GBP|JPY|CHF"
_CURRENCY_WORDS = (
    r"€|EUR|USD|GBP|JPY|CHF|\$|円|ドル|ユーロ|euros?|dollars?|dólares|dolares|dollari|"
    r"pounds?|livres?|libras?|sterline|yen|pesos?|francs?|franken|franchi|francos"
)
# Latin letters and digits bound a number; a kana or kanji does not ("合計1,280円です").
_LATIN = r"0-9A-Za-z\u00c0-\u024f"
_MONEY = _AnyCase.of(
    rf"(?:(?<![{_LATIN}$])(?:{_SIGNS.lower()})\s?(?P<a>{_NUMBER}))"
    rf"|(?:(?<![{_LATIN}.,])(?P<b>{_NUMBER})\s?(?:{_CURRENCY_WORDS.lower()})(?![{_LATIN}]))"
)
# A number in words before a currency word: "twenty dollars", "fünfundzwanzig Euro",
# "doscientos cincuenta pesos". Words of en, de, fr, es and it; compounds are split into known
# words ("venti|cinque", "due|cento", "fünf|und|zwanzig").
_HUNDRED, _THOUSAND = -100, -1000  # multipliers, not values
_NUMBER_WORDS: dict[str, int] = {}
for _words, _values in (
    (
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen",
        range(1, 20),
    ),
    ("twenty thirty forty fifty sixty seventy eighty ninety", range(20, 100, 10)),
    (
        "eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
        "fünfzehn sechzehn siebzehn achtzehn neunzehn",
        range(1, 20),
    ),
    ("zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig", range(20, 100, 10)),
    (
        "un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize",
        range(1, 17),
    ),
    ("vingt trente quarante cinquante soixante", range(20, 70, 10)),
    (
        "uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
        "dieciséis diecisiete dieciocho diecinueve",
        range(1, 20),
    ),
    ("veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa", range(20, 100, 10)),
    (
        "doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos "
        "novecientos",
        range(200, 1000, 100),
    ),
    (
        "uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici "
        "quindici sedici diciassette diciotto diciannove",
        range(1, 20),
    ),
    ("venti trenta quaranta cinquanta sessanta settanta ottanta novanta", range(20, 100, 10)),
):
    for _word, _number in zip(_words.split(), _values, strict=True):
        _NUMBER_WORDS.setdefault(_word, _number)
_NUMBER_WORDS |= {
    "a": 1, "an": 1, "ein": 1, "eine": 1, "einen": 1, "une": 1, "una": 1, "veinti": 20,
    "quatre-vingt": 80, "quatre-vingts": 80, "cien": 100, "ciento": 100,
    "hundred": _HUNDRED, "hundert": _HUNDRED, "cent": _HUNDRED, "cents": _HUNDRED,
    "cento": _HUNDRED, "thousand": _THOUSAND, "tausend": _THOUSAND, "mille": _THOUSAND,
    "mil": _THOUSAND,
}  # fmt: skip
_NUMBER_GLUE = frozenset({"and", "und", "et", "y", "e"})
_WORD_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CURRENCY_AFTER = _AnyCase.of(rf"(?:{_CURRENCY_WORDS.lower()})(?![{_LATIN}])")


def _word_values(word: str) -> list[int] | None:
    """The number words ``word`` is made of, as values and multipliers; None if it is none."""
    word = word.casefold()
    if word in _NUMBER_WORDS:
        return [_NUMBER_WORDS[word]]
    if "-" in word:  # the longest known words first: "quatre-vingt|dix", "vingt|cinq"
        parts, out, i = word.split("-"), [], 0
        while i < len(parts):
            for j in range(len(parts), i, -1):
                joined = "-".join(parts[i:j])
                if j - i > 1:
                    known = [_NUMBER_WORDS[joined]] if joined in _NUMBER_WORDS else None
                else:
                    known = _word_values(joined)
                if known is not None:
                    out += known
                    i = j
                    break
            else:
                return None
        return out
    for cut in range(2, len(word) - 1):
        head, tail = word[:cut], word[cut:]
        if head in _NUMBER_WORDS and (rest := _word_values(tail.removeprefix("und"))):
            return [_NUMBER_WORDS[head], *rest]
    return None


def _spelt_amounts(text: str, lowered: str | None) -> list[tuple[int, int, Decimal]]:
    out = []
    for currency in _CURRENCY_AFTER.finditer(text, lowered):
        words = list(_WORD_TOKEN.finditer(text, max(0, currency.start() - 80), currency.start()))
        values: list[int] = []
        start = None
        edge = currency.start()  # where the run of words read so far begins
        for word in reversed(words):
            if text[word.end() : edge].strip(" -"):
                break  # a comma, a digit: the run of words ends
            found = _word_values(word.group())
            if found is None:
                if word.group().casefold() in _NUMBER_GLUE and values:
                    edge = word.start()
                    continue
                break
            values[:0] = found
            start = edge = word.start()
        if start is None or not any(v > 0 for v in values) or values == [1]:
            continue  # "a dollar" / "one euro" coins aside, at least one real number
        amount, end = Decimal(_spelt_value(values)), currency.end()
        # "twelve pounds fifty", "zwölf Euro fünfzig": the cents after the currency word.
        after = _WORD_TOKEN.match(text, end + 1) if text[end : end + 1] == " " else None
        cents = _word_values(after.group()) if after else None
        if after and cents and 0 < _spelt_value(cents) < 100:
            amount, end = amount + Decimal(_spelt_value(cents)) / 100, after.end()
        out.append((start, end, amount.normalize()))
    return out


def _spelt_value(values: list[int]) -> int:
    total = current = 0
    for value in values:
        if value == _HUNDRED:
            current = max(current, 1) * 100
        elif value == _THOUSAND:
            total, current = total + max(current, 1) * 1000, 0
        else:
            current += value
    return total + current


_PLAIN_NUMBER = re.compile(rf"(?<![{_LATIN}.,])(?:{_NUMBER})(?![{_LATIN}])")


def _value(number: str) -> Decimal | None:
    """ "1.234,56", "1,234.56", "15,99", "1 980", "2,000" as one value."""
    raw = re.sub(r"['\u2019\u00a0 ]", "", number)
    m = re.search(r"[.,](\d{1,2})$", raw)
    if m:
        whole = re.sub(r"[.,]", "", raw[: m.start()])
        raw = f"{whole}.{m.group(1)}"
    else:
        raw = re.sub(r"[.,]", "", raw)
    try:
        return Decimal(raw).normalize()
    except InvalidOperation:
        return None


_KANJI_DIGITS = dict(zip("〇一二三四五六七八九", range(10), strict=True)) | {"零": 0, "両": 2}
_KANJI_SCALES = {"十": 10, "百": 100, "千": 1000}
_KANJI_MONEY = re.compile(r"[〇一二三四五六七八九十百千万]+(?=円)")


def _kanji_value(numeral: str) -> int:
    """千円 1000, 三千五百円 3500, 一万二千円 12000."""
    total = section = digit = 0
    for char in numeral:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        elif char in _KANJI_SCALES:
            section += (digit or 1) * _KANJI_SCALES[char]
            digit = 0
        elif char == "万":
            total += (section + digit or 1) * 10_000
            section = digit = 0
    return total + section + digit


def _amounts(text: str) -> list[tuple[int, int, Decimal]]:
    plain = _ascii(text)
    lowered = _lowered(plain)
    out = []
    for m in _MONEY.finditer(plain, lowered):
        value = _value(m.group("a") or m.group("b"))
        if value is not None and value > 0:
            out.append((m.start(), m.end(), value))
    for m in _KANJI_MONEY.finditer(plain):
        if yen := _kanji_value(m.group()):
            out.append((m.start(), m.end() + 1, Decimal(yen)))
    return out + _spelt_amounts(plain, lowered)


def _numbers(text: str, mentions: Sequence[_Mention]) -> set[Decimal]:
    """Every number a grounding text holds outside its dates (its date ``mentions``: "25
    novembre" supports no "25 euros"), and its amounts (a KB's "15,99 €" and "15.99")."""
    plain = _ascii(text)
    dates = [(m.start, m.end) for m in mentions]
    found = {
        value
        for m in _PLAIN_NUMBER.finditer(plain)
        if not any(a <= m.start() < b for a, b in dates) and (value := _value(m.group()))
    }
    return found | {value for _, _, value in _amounts(text)}


# --- dates ---------------------------------------------------------------------------------------
Day = tuple[int, int]  # (month, day)
_WEEK = timedelta(days=7)
PAST = 7  # added to a weekday (0-6) that has been: "last Monday" is PAST + 0

_CUES = {
    "en": r"by|on|until|till|before|this|next|coming|no later than",
    "de": r"bis|am|spätestens|kommenden|nächsten|diesen|zum",
    "fr": r"d'ici|d’ici|avant|jusqu'à|jusqu’à|dès|ce|le|prochain",
    "es": r"el|antes del|hasta el|este|próximo|para el",
    "it": r"entro|prima di|questo|prossimo|il|per",
}
# A weekday that has been: "last Monday", "letzten Montag", "lundi dernier", "el lunes pasado".
_PAST_CUES = r"last|letzten|vergangenen|dernier|pasado|scorso"
# Days named relative to the message: yesterday (-1), tomorrow (+1), and "this week" (WEEK).
# German nouns are capitalised: "morgen" is tomorrow, "Morgen" a morning.
WEEK = 7
_RELATIVE: dict[int, dict[str, str]] = {
    -1: {
        "en": r"(?i:\byesterday\b)",
        "de": r"(?i:\bgestern\b)",
        "fr": r"(?i:\bhier\b)",
        "es": r"(?i:\bayer\b)",
        "it": r"(?i:\bieri\b)",
        "ja": r"昨日|きのう",
    },
    1: {
        "en": r"(?i:\btomorrow\b)",
        "de": r"(?<![Gg]uten )\bmorgen\b",
        "fr": r"(?i:\bdemain\b)",
        "es": r"(?<!la )(?<!esta )(?<!cada )(?i:\bmañana\b)",
        "it": r"(?i:\bdomani\b)",
        "ja": r"明日|あす",
    },
    WEEK: {
        "en": r"(?i:\bthis (?:very )?week\b)",
        "de": r"(?i:\b(?:diese|noch diese|in dieser) woche\b)",
        "fr": r"(?i:\bcette semaine\b)",
        "es": r"(?i:\besta (?:misma )?semana\b)",
        "it": r"(?i:\bquesta settimana\b|\bin settimana\b)",
        "ja": r"今週",
    },
}


@dataclass(frozen=True, slots=True)
class _DatePatterns:
    months: dict[str, int]
    weekdays: dict[str, int]  # name -> Monday 0 ... Sunday 6
    day_month: _AnyCase
    month_day: _AnyCase
    weekday: _AnyCase | None
    relative: dict[int, re.Pattern[str]]  # case matters: "morgen" is tomorrow, "Morgen" morning
    short: _AnyCase  # "entro il 9/12", "bis zum 5.12.": a day and month after a cue


@lru_cache(maxsize=16)
def _date_patterns(language: str) -> _DatePatterns:
    from babel.dates import get_day_names, get_month_names  # CLDR: only when dates are read

    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for lang in dict.fromkeys((language, "en")):
        if lang == "ja":
            continue
        try:
            for width in ("wide", "abbreviated"):
                for context in ("format", "stand-alone"):
                    for number, name in get_month_names(width, context, locale=lang).items():
                        months.setdefault(name.casefold().rstrip("."), number)
            for number, name in get_day_names("wide", locale=lang).items():
                weekdays.setdefault(name.casefold(), number)
        except (ValueError, LookupError):  # a language Babel does not know: English only
            continue
    names = "|".join(sorted(map(re.escape, months), key=len, reverse=True))
    day_month = _AnyCase.of(
        rf"(?<![\w.,])(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\.?\s*(?:de\s+|of\s+|di\s+)?"
        rf"(?P<m>{names})\b"
    )
    month_day = _AnyCase.of(rf"\b(?P<m>{names})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])")
    cues = "|".join(filter(None, (_CUES.get(language), _CUES["en"])))
    days = "|".join(sorted(map(re.escape, weekdays), key=len, reverse=True))
    weekday = (
        _AnyCase.of(
            rf"\b(?:(?P<past>{_PAST_CUES})|{cues})\s+(?P<w>{days})\b"
            rf"(?:\s+(?P<after>{_PAST_CUES})\b)?"
        )
        if weekdays
        else None
    )
    relative = {
        offset: re.compile(
            "|".join(dict.fromkeys(filter(None, (words.get(language), words["en"]))))
        )
        for offset, words in _RELATIVE.items()
    }
    short = _AnyCase.of(rf"\b(?:{cues})\s+(?P<a>\d{{1,2}})[./](?P<b>\d{{1,2}})(?![./]?\d)")
    return _DatePatterns(months, weekdays, day_month, month_day, weekday, relative, short)


_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<a>\d{1,2})-(?P<b>\d{1,2})\b")
_NUMERIC = re.compile(r"(?<![\d.,/])(?P<a>\d{1,2})[./](?P<b>\d{1,2})[./](?P<y>\d{4}|\d{2})(?![\d])")
_DIGIT_PAIR = re.compile(r"\d[./]\d")
_JA_DATE = re.compile(r"(?:\d{4}年\s*)?(?P<m>\d{1,2})月\s*(?P<d>\d{1,2})日")
_JA_WEEKDAY = re.compile(r"(?P<w>[月火水木金土日])曜(?:日)?(?:まで|中|に)")
_JA_WEEKDAYS = {c: i for i, c in enumerate("月火水木金土日")}


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    days: tuple[Day, ...] = ()  # any of these (a numeric date may be read two ways)
    weekday: int | None = None  # Monday 0 … Sunday 6; PAST added for one that has been
    relative: int | None = None  # a day from today (-1, 1), or WEEK: this week


def _dates(text: str, language: str) -> list[_Mention]:
    plain = _ascii(text)
    lowered = _lowered(plain)
    found = _date_patterns(language)
    out: list[_Mention] = []
    for m in _ISO.finditer(plain):
        month, day = int(m.group("a")), int(m.group("b"))
        if _valid(month, day):
            out.append(_Mention(m.start(), m.end(), ((month, day),)))
    # "05/12/2026", "entro il 9/12": read both ways. Both need a digit, "." or "/", a digit.
    if _DIGIT_PAIR.search(plain):
        numeric = _NUMERIC.finditer(plain)
        for m in (*numeric, *found.short.finditer(plain, lowered)):
            a, b = int(m.group("a")), int(m.group("b"))
            readings = tuple(r for r in ((b, a), (a, b)) if _valid(*r))
            if readings:
                out.append(_Mention(m.start(), m.end(), readings))
    if "月" in plain:
        for m in _JA_DATE.finditer(plain):
            month, day = int(m.group("m")), int(m.group("d"))
            if _valid(month, day):
                out.append(_Mention(m.start(), m.end(), ((month, day),)))
    for pattern in (found.day_month, found.month_day):
        for m in pattern.finditer(plain, lowered):
            named = found.months.get(m.group("m").casefold().rstrip("."))
            day = int(m.group("d"))
            if named and _valid(named, day):
                out.append(_Mention(m.start(), m.end(), ((named, day),)))
    if found.weekday is not None:
        for m in found.weekday.finditer(plain, lowered):
            day = found.weekdays[m.group("w").casefold()]
            past = bool(m.group("past") or m.group("after"))
            out.append(_Mention(m.start(), m.end(), weekday=day + (PAST if past else 0)))
    if "曜" in plain:
        for m in _JA_WEEKDAY.finditer(plain):
            out.append(_Mention(m.start(), m.end(), weekday=_JA_WEEKDAYS[m.group("w")]))
    for offset, relative in found.relative.items():
        for m in relative.finditer(plain):
            out.append(_Mention(m.start(), m.end(), relative=offset))
    # One mention per place: "5. Dezember 2026" is read by two patterns.
    out.sort(key=lambda mention: (mention.start, -mention.end))
    kept: list[_Mention] = []
    for mention in out:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _local_days(moment: datetime, ctx: Context) -> set[date]:
    """The day of `moment` in UTC and at the marketplace."""
    days = {moment.date()}
    with suppress(ValueError, KeyError, OSError):
        days.add(moment.astimezone(ZoneInfo(ctx.marketplace.timezone)).date())
    return days


# --- support -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Days:
    """The days one kind of event covers: calendar days, weekdays (PAST added for one that has
    been), days from today (and WEEK)."""

    days: frozenset[Day]
    weekdays: frozenset[int]
    relative: frozenset[int]

    def hold(self, mention: _Mention) -> bool:
        if mention.relative is not None:
            return mention.relative in self.relative
        if mention.weekday is not None:
            return mention.weekday in self.weekdays
        return any(day in self.days for day in mention.days)


@dataclass(frozen=True, slots=True)
class _Support:
    concepts: frozenset[str]
    dated: dict[str, _Days]  # by event: "" (any), "shipping", "delivery"
    numbers: frozenset[Decimal]
    codes: str  # every grounding text's letters and digits, upper case, "|" between texts


# "Do not offer a credit", "keine Erstattung", "pas de remboursement", "返金はできません": a
# grounding that rules a thing out does not support it.
_NEGATION = re.compile(
    r"\b(?:not?|never|don't|do not|nicht|kein\w*|nie|pas|ne|jamais|aucun\w*|nunca|ningún|"
    r"ninguna|non|mai|nessun\w*)\b|n't|ません|ない|できかね|不可",
    re.IGNORECASE,
)


_RULED_OUT = 40  # characters after a negation (before it, in Japanese) that it rules out


def _affirmed(text: str, language: str) -> str:
    """``text`` with what it rules out blanked ("do not offer a credit", "keine Erstattung",
    "返金はできません"): a grounding supports nothing it denies. Offsets stay."""
    chars = list(text)
    for m in _NEGATION.finditer(text):
        if language == "ja":  # back to the sentence's start, at most _RULED_OUT // 2
            start, stop = max(0, m.start() - _RULED_OUT // 2), m.end()
            ends = [i + 1 for i in range(start, m.start()) if text[i] in ".!?。！？\n"]
            start = max([start, *ends])
        else:  # on to the clause's end, at most _RULED_OUT
            start, end = m.start(), min(len(text), m.end() + _RULED_OUT)
            stop = next((i for i in range(start, end) if text[i] in ".!?:;。！？\n"), end)
        chars[start:stop] = " " * (stop - start)
    return "".join(chars)


def _offered(text: str, language: str) -> set[str]:
    """The concepts (refund, replacement, …) a grounding text names."""
    found = _find(text, language)
    return {category for _, _, category in found if category in _CONCEPTS}


def _days(calendar: set[date], today: date | None, texts: Sequence[_Mention]) -> _Days:
    days = {(d.month, d.day) for d in calendar}
    weekdays: set[int] = set()
    relative: set[int] = set()
    for mention in texts:
        days.update(mention.days)
        if mention.weekday is not None:
            weekdays.add(mention.weekday)
        if mention.relative is not None:
            relative.add(mention.relative)
    if today is not None:
        # "By Friday": a date of the week ahead falls on it; "last Monday", of the week past.
        weekdays |= {d.weekday() for d in calendar if timedelta(0) < d - today <= _WEEK}
        weekdays |= {PAST + d.weekday() for d in calendar if timedelta(0) < today - d <= _WEEK}
        relative |= {(d - today).days for d in calendar if abs(d - today) <= timedelta(1)}
        if any(d.isocalendar()[:2] == today.isocalendar()[:2] for d in calendar - {today}):
            relative.add(WEEK)
    return _Days(frozenset(days), frozenset(weekdays), frozenset(relative))


@lru_cache(maxsize=1024)  # knowledge-base articles and templates ground request after request
def _read(
    text: str, language: str
) -> tuple[frozenset[str], tuple[_Mention, ...], frozenset[Decimal], str]:
    """What one grounding text offers (its concepts), the dates it names and its numbers, all
    outside what it rules out; and its letters and digits (the codes it holds)."""
    said = _affirmed(text, language)
    mentions = tuple(_dates(said, language))
    offered, numbers = frozenset(_offered(said, language)), frozenset(_numbers(said, mentions))
    return offered, mentions, numbers, _alnum(text)


# A check, its re-check and a repair's check read one grounding, and a service reads it ahead
# while the model drafts (read_ahead), for every draft in flight: a worker may have a hundred.
@lru_cache(maxsize=256)
def _support(grounding: Grounding, ctx: Context) -> _Support:
    concepts: set[str] = set()
    numbers: set[Decimal] = set()
    today = min(_local_days(ctx.now, ctx)) if ctx.now else None
    calendar: set[date] = set()  # days of no particular event: the purchase, today, the texts'
    for moment in (*grounding.dates, *((ctx.now,) if ctx.now else ())):
        calendar |= _local_days(moment, ctx)
    mentioned: list[_Mention] = []
    codes: list[str] = []
    for text in grounding.texts:
        offered, mentions, held, code = _read(text, ctx.language)
        codes.append(code)
        concepts |= offered
        numbers |= held
        for mention in mentions:
            mentioned.append(mention)
            if today is not None:  # "9 December" in a text: a day of the calendar, this year
                for month, day in mention.days:
                    with suppress(ValueError):
                        calendar.add(date(today.year, month, day))
    shipping = {d for moment in grounding.shipping for d in _local_days(moment, ctx)}
    delivery = {d for moment in grounding.delivery for d in _local_days(moment, ctx)}
    dated = {
        "": _days(calendar | shipping | delivery, today, mentioned),
        "shipping": _days(calendar | shipping, today, mentioned),
        "delivery": _days(calendar | delivery, today, mentioned),
    }
    return _Support(frozenset(concepts), dated, frozenset(numbers), "|".join(codes))


def read_ahead(ctx: Context) -> None:
    """Work out now what :func:`detect` reads from ``ctx.grounding`` alone (what its texts offer,
    the dates and numbers they name, their codes) and keep it for a check in ``ctx``: a service
    does it while the model drafts, so the check of the answer reads only the answer."""
    if ctx.grounding is not None:
        _support(ctx.grounding, ctx)


# What a date is the date of: the verbs of shipping and of delivery in its clause. "It left
# our warehouse on 15 November" needs a shipping date; "it arrives on 21 November" a delivery
# date (or a date of no particular event).
_SHIPPING = re.compile(
    r"\b(?:ship\w*|dispatch\w*|leav\w*|left|versand\w*|versendet|verschickt\w*|verlässt|"
    r"abgeschickt|expédi\w*|quitt\w*|partir\w*|partira|despach\w*|saldrá|sale|spedi\w*|"
    r"partirà|lascerà)\b|発送|出荷",
    re.IGNORECASE,
)
_DELIVERY = re.compile(
    r"\b(?:arriv\w*|deliver\w*|reach\w*|ankomm\w*|ankommt|angekommen|zugestellt|zustell\w*|"
    r"geliefert|liefer\w*|livr\w*|lleg\w*|entreg\w*|consegn\w*)\b|届|到着|配達",
    re.IGNORECASE,
)
_EVENT_REACH = 60  # characters around a date where its verb may stand


def _event(text: str, mention: _Mention, same_clause: Callable[[int, int], bool]) -> str:
    """ "shipping" or "delivery" when the date's clause speaks of one of them only, else ""."""
    low, high = max(0, mention.start - _EVENT_REACH), mention.end + _EVENT_REACH
    found = {
        event
        for event, pattern in (("shipping", _SHIPPING), ("delivery", _DELIVERY))
        for m in pattern.finditer(text, low, high)
        if same_clause(m.start(), mention.start)
    }
    return found.pop() if len(found) == 1 else ""


# --- the rule ------------------------------------------------------------------------------------
_QUESTION = re.compile(r"[?？]\s*$|か[。．]?\s*$")  # "…ご希望でしょうか。" asks too
# Where one clause ends and the next begins: punctuation, and "and" / "then" in each language
# ("… in Your Orders and we will refund the full price").
# A comma before "that" / "whether" goes on with the same thought ("I understand that you
# would like a refund", "ich verstehe, dass Sie eine Erstattung wünschen").
_CLAUSE_BREAK = re.compile(
    r"[,，](?!\s*(?:that|whether|dass|ob|que|qu'|qu’|si|che|se)\b)|[;:、]"
    r"|\s(?:and|then|und|dann|et|puis|y|luego|e|poi|quindi)\s",
    re.IGNORECASE,
)


def detect(text: str, *, ctx: Context) -> list[Span]:
    grounding = ctx.grounding
    if grounding is None:
        return []
    support = _support(grounding, ctx)
    hits = _find(text, ctx.language)
    bounds = sentences.bounds(text)
    hedges = [start for start, _, cat in hits if cat == "hedge"]
    denials = [start for start, _, cat in hits if cat == "denial"]
    labels = [end for _, end, cat in hits if cat == "tracking_labels"]

    def sentence_of(at: int) -> tuple[int, int]:
        for start, end in bounds:
            if start <= at < end:
                return start, end
        return at, at

    def same_clause(a: int, b: int) -> bool:
        low, high = min(a, b), max(a, b)
        return not _CLAUSE_BREAK.search(text, low, high)

    def hedged(at: int) -> bool:
        """Does the sentence ask, or deny or offer or explain in the clause that names the thing
        ("a refund is not possible yet", "you can request a refund")? A hedge after it
        ("…, which you can use any time") takes nothing back, except in Japanese."""
        start, end = sentence_of(at)
        question = _QUESTION.search(text[start:end]) is not None
        # "A refund before the return arrives is not possible", "we won't send a replacement"
        denied = any(start <= d < end and same_clause(d, at) for d in denials)
        # A hedge reaches to the end of its clause: "You can start the return in Your Orders,
        # and we will refund you" still promises the refund. Japanese puts the verb last:
        # "ご返金をご希望とのこと" hedges after the thing, within the clause.
        before = ctx.language != "ja"
        return (
            question
            or denied
            or any(
                start <= h < end and (h < at or not before) and same_clause(h, at) for h in hedges
            )
        )

    found: list[tuple[int, int, str]] = []
    stated: set[tuple[tuple[int, int], str]] = set()  # one finding per sentence and concept
    for start, end, category in hits:
        if category not in _CONCEPTS or category in support.concepts or hedged(start):
            continue
        if (sentence_of(start), category) not in stated:
            stated.add((sentence_of(start), category))
            found.append((start, end, category))
    for mention in _dates(text, ctx.language):
        if not support.dated[_event(text, mention, same_clause)].hold(mention):
            found.append((mention.start, mention.end, "date"))
    for start, end, value in _amounts(text):
        if value not in support.numbers:
            found.append((start, end, "amount"))
    for start, end in _tracking(_ascii(text), labels):
        code = _alnum(text[start:end])
        if code and code not in support.codes:
            found.append((start, end, "tracking_number"))
    spans = []
    taken = -1
    for start, end, kind in sorted(found):
        if start < taken:
            continue  # one finding per place: a code is read as a code and as digits
        taken = end
        match = text[start:end]
        msg = (
            f'"{quote(match)}" states {_LABEL[kind]} that nothing the draft was written from '
            "supports (the order's facts, the knowledge base, the template, the agent's "
            "instructions): confirm it before sending, or take it out."
        )
        spans.append(Span(RULE, "flagged", start, end, match, msg))
    return spans
