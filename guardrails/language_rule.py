"""``language_mismatch``: the draft is not in the buyer's language. Blocked.

The expected language is the ``language`` argument of the check, else the marketplace default.
Order IDs, links, addresses, numbers and codes say nothing about the language and, in a short
reply, can outweigh the words, so they are stripped before :func:`guardrails.language.identify`
looks. Short texts ("Danke!", a signature) are not judged at all, and only a confident verdict
blocks: a false block costs an agent more than a rare missed one.
"""

from __future__ import annotations

import re
from collections import Counter

from guardrails.language import DETECTABLE, identify
from guardrails.spans import Context, Span
from guardrails.textnorm import CJK, HAN_UNIFIED, KANA, narrow

MIN_LETTERS = 40  # below this, langid's verdicts on Latin-script text are coin flips
MIN_PROBABILITY = 0.95
SAMPLE = 400  # characters: plenty to tell the languages apart, and langid costs per byte

_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|(?<!\S)\S*[@＠]\S*|\{\{[^}]*\}\}|\[[^\]\n]*\]"
    rf"|(?<![^\s{CJK}])[^\s{CJK}]*\d[^\s{CJK}]*"  # numbers, IDs, ASINs, model numbers, prices
)
_LETTERS = re.compile(r"[^\W\d_]+")
_KANA = re.compile(f"[{KANA}]")
_KANA_RUN = re.compile(f"[{KANA}]+")

_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian"}
_NAMES |= {"ja": "Japanese", "pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "pl": "Polish"}
_NAMES |= {"tr": "Turkish", "ar": "Arabic"}


# The commonest function words of each language. When the expected language's words clearly
# outnumber every other language's, the text is in that language and langid (the expensive
# call) is skipped; anything less clear-cut goes to langid.
_FUNCTION_WORDS = {  # distinctive ones only: "la", "le", "con" belong to several languages
    "en": "the and you your we our for is are with this that have will to of in it be",
    "de": "der die das und sie ihr ihre wir ist sind mit für den dem nicht ein eine zu auf",
    "fr": "les et vous votre nous est sont avec pour dans des du pas ce sur au une",
    "es": "el los las y su sus que por para es en se usted muy está",
    "it": "il di che per è sono della non si ci gli lei suo sua questo",
}
_WORD_LANG: dict[str, set[str]] = {}
for _lang, _words in _FUNCTION_WORDS.items():
    for _word in _words.split():
        _WORD_LANG.setdefault(_word, set()).add(_lang)
# Function words are counted where a whole word (a maximal run of letters, ``[^\W\d_]+``) is
# one: the words are found and counted in C, then looked up.
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_CJK = re.compile(f"[{KANA}{HAN_UNIFIED}]")


def _letter_runs(text: str) -> Counter[str]:
    """``Counter(_LETTER_RUN.findall(text))``, counted in C where it can be: a blank-separated
    token of letters only is one run (most are); the rest ("you,", "l'ordine") are read by the
    regex."""
    seen = Counter(text.split())
    for token in [t for t in seen if not t.isalpha()]:
        count = seen.pop(token)
        for run in _LETTER_RUN.findall(token):
            seen[run] += count
    return seen


def _obvious(words: str, expected: str) -> bool:
    if expected == "ja":
        return sum(map(len, _KANA_RUN.findall(words))) >= 20
    if expected not in _FUNCTION_WORDS or (not narrow(words) and _CJK.search(words)):
        return False
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    seen = _letter_runs(words.lower())
    for word in seen.keys() & _WORD_LANG.keys():
        for lang in _WORD_LANG[word]:
            counts[lang] += seen[word]
    mine = counts.pop(expected)
    return mine >= 8 and mine >= 3 * max(counts.values())


def judge(text: str, expected: str) -> tuple[str, float] | None:
    """``(language, probability)`` when the text is long enough to judge, else None."""
    if _obvious(text[: SAMPLE * 2], expected):
        return None  # plainly the expected language (or too short to say): nothing to judge
    words = _NOISE.sub(" ", text[: SAMPLE * 3])
    letters = sum(map(len, _LETTERS.findall(words)))
    if letters < MIN_LETTERS:
        return None
    if expected == "ja" and not _KANA.search(words):
        return "en", 1.0  # no kana at all in a long text: certainly not Japanese
    return identify(" ".join(words.split())[:SAMPLE])


def mismatch(text: str, expected: str) -> tuple[str, float] | None:
    """``(language, probability)`` when ``text`` is confidently in another language than
    ``expected``; None when it is not, or cannot be told."""
    if expected not in DETECTABLE:
        return None
    verdict = judge(text, expected)
    if verdict is None or verdict[0] == expected or verdict[1] < MIN_PROBABILITY:
        return None
    return verdict


def detect(text: str, *, ctx: Context) -> list[Span]:
    expected = ctx.language
    verdict = mismatch(text, expected)
    if verdict is None:
        return []
    found, probability = verdict
    name = _NAMES.get(found, found)
    msg = (
        f"The draft reads as {name} ({probability:.0%} sure), but the buyer's language is "
        f"{_NAMES.get(expected, expected)}: write the reply in the buyer's language."
    )
    return [Span("language_mismatch", "blocked", 0, 0, "", msg)]
