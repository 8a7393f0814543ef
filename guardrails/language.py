"""Offline language identification (py3langid), shared by the guardrails and the service.

py3langid ships its model inside the package: nothing is downloaded. The model (and numpy) load
on the first text that needs a verdict, not at import: most checks never do (see
:mod:`guardrails.language_rule`), and a cached copy of the restricted model makes that first load
cheap (:mod:`guardrails.langid_cache`). One identifier then serves every thread
(classification only reads the model).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# Languages of Amazon's marketplaces; restricting the model keeps short messages from being
# read as one of langid's 97 languages.
DETECTABLE: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "ja",
    "pt",
    "nl",
    "sv",
    "pl",
    "tr",
    "ar",
)

_IDENTIFIER: list[LanguageIdentifier] = []
_LOCK = threading.Lock()


def _identifier() -> LanguageIdentifier:
    if not _IDENTIFIER:
        with _LOCK:
            if not _IDENTIFIER:
                from guardrails import langid_cache  # numpy and the model: only when needed

                _IDENTIFIER.append(langid_cache.load(DETECTABLE))
    return _IDENTIFIER[0]


def identify(text: str) -> tuple[str, float]:
    """The most likely language of `text` and its probability (0–1)."""
    language, probability = _identifier().classify(text)
    return str(language), float(probability)
