"""The problems with the item that a message states beside its main request.

"Kaputt angekommen, wann bekomme ich mein Geld zurück?" asks about a refund (the intent) and
says the item arrived broken (a concern): the reply must answer the refund and own the damage.
A concern is one of the item-problem intents (damaged, defective, wrong item, missing parts),
read from phrase patterns per language in `service/data/concerns/<lang>.yaml` (the format of
service/understand/phrase_rules.py; English is read for every message). Only explicit words
count: a reply never apologises for a problem the buyer did not name.
"""

from __future__ import annotations

from typing import Final

from service import DATA_DIR
from service.understand import phrase_rules

PHRASES_DIR: Final = DATA_DIR / "concerns"
CONCERNS: Final = ("damaged_item", "defective_item", "wrong_item", "missing_parts")
# A message whose intent is itself an item problem is answered for it; thanks need no apology.
_NOT_FOR: Final = frozenset(CONCERNS) | {"positive_feedback"}
BOOK: Final = phrase_rules.RuleBook(PHRASES_DIR, names=CONCERNS)


def languages() -> tuple[str, ...]:
    return BOOK.languages()


def found(text: str, *, language: str) -> tuple[str, ...]:
    """Every concern the text states, in CONCERNS order."""
    return BOOK.read(text, language)[0]


def secondary(text: str, *, language: str, intent: str) -> tuple[str, ...]:
    """The concerns a reply to a message of ``intent`` must also answer (none when the intent
    is an item problem itself, or thanks)."""
    if intent in _NOT_FOR:
        return ()
    return found(text, language=language)


def warm_up() -> None:
    BOOK.warm_up()
