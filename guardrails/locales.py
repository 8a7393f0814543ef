"""Locales as callers write them (``de``, ``de-DE``, ``de_DE``, ``DE``) and the language in them.

One parser for the whole product: the guardrails' ``language`` argument, the API's locale fields
and the analysis of a buyer message all read a locale here.
"""

from __future__ import annotations

import re
from typing import Final

#: A language subtag of 2-3 letters, then any region, script or variant subtags.
LOCALE: Final = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*")


def language_of(locale: str) -> str:
    """``de-DE``, ``de_DE`` or ``DE`` → ``de``; ``ValueError`` when it is no locale."""
    match = LOCALE.fullmatch(locale.strip())
    if match is None:
        raise ValueError(f"language {locale!r} is not a code like 'de', 'en-US' or 'en_US'")
    return match.group(1).lower()
