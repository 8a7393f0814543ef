"""The words around a phone number, from the lexicon (``contacts``): labels ("Tel.:", "Fax"),
cues ("call me at") and code labels ("tracking no."), each one case-blind alternation.

Compiled on the first text that has a number to judge: most replies have none, and the
alternations of every language's words cost more to compile than a check.
"""

from __future__ import annotations

import re
from functools import cache

from guardrails.contacts import any_of as _any_of
from guardrails.textnorm import GLUE

# Not glued to letters: tracking numbers, ASINs and VAT IDs never start a phone number.
_SEPARATORS = r" \u00a0\-–－/()（）·•・"
# A dot separates digit groups ("030.1234.567") but a dot and a blank end a sentence: a number
# never runs on past one ("… 12345678. 0 https://…" is a number, then something else).
SEPARATOR = rf"(?:[\d{_SEPARATORS}]|\.(?!\s))"
_NUMBER = rf"[+＋]?[(（]?\d{SEPARATOR}{{5,}}\d"
# Shapes around or instead of a phone number: a date, an IP address, an extension after it.
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
EXTENSION = re.compile(rf"[ \t]?(?:x|ext\.?|内線)[ \t]?\d{{1,5}}(?![{GLUE}])")


@cache
def labelled() -> re.Pattern[str]:
    """A number right behind a phone label, in any country's format: "Tel.: 030 1234567"."""
    return re.compile(
        rf"(?<![{GLUE}])(?:{_any_of('phone_labels')})[ \t]*\.?[ \t]*[:：]?[ \t]*"
        rf"(?:(?:{_any_of('prepositions')})[ \t]+)?(?P<num>{_NUMBER})",
        re.IGNORECASE,
    )


@cache
def after_code_label() -> re.Pattern[str]:
    """Text that ends in a code label ("Tracking no.:"): the number after it is a code."""
    return re.compile(
        rf"(?<![{GLUE}])(?:{_any_of('code_labels')})\.?[ \t]*(?:no\.?|nr\.?|number|id|#)?"
        r"[ \t]*[:#：は]?[ \t]*\Z",
        re.IGNORECASE,
    )


# A cue shortly before the number on its line ("call me at", "answering at"), a label right
# before it ("Fax:", "Phone:" alone on the line above), or a label right after it ("… office",
# "-Fax"). Labels must touch the number: "the office is at 17031 2202 Rissik St" is an address.
@cache
def cue_before() -> re.Pattern[str]:
    return re.compile(
        rf"(?<![{GLUE}])(?:(?:{_any_of('phone_cues')})(?![{GLUE}])[^\n.!?。]{{0,24}}"
        rf"|(?:{_any_of('phone_labels')})(?![{GLUE}]){_COPULA}"
        r"[ \t]*\.?[ \t]*[:：]?[ \t]*\n?[ \t]*)\Z",
        re.IGNORECASE,
    )


# "my mobile is …", "su móvil es el …", "il suo cellulare è …", "seine Nummer lautet …": a
# label and its verb still announce the number.
_COPULA = r"(?:[ \t]+(?:is|are|es(?:[ \t]+el)?|son|è|est|ist|lautet|sind))?"


@cache
def cue_after() -> re.Pattern[str]:
    return re.compile(
        rf"[ \t]*[-–(]?[ \t]*(?:{_any_of('phone_labels')})(?![{GLUE}])", re.IGNORECASE
    )
