"""Offline language identification (py3langid), shared by the guardrails and the service.

py3langid ships its model inside the package: nothing is downloaded, and one identifier,
built at import, serves every thread (classification only reads the model).
"""

from __future__ import annotations

from py3langid.langid import MODEL_FILE, LanguageIdentifier

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

_IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
_IDENTIFIER.set_languages(list(DETECTABLE))


def identify(text: str) -> tuple[str, float]:
    """The most likely language of `text` and its probability (0–1)."""
    language, probability = _IDENTIFIER.classify(text)
    return str(language), float(probability)
