"""No response needed: acknowledgements and closures in six languages, never with a question,
a request, a contrast or a word of trouble (service/understand/analysis.py)."""

from __future__ import annotations

import pytest

from evals.no_response import concerns_silenced, score
from service.understand.analysis import analyse, no_response_needed


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks, got it!", "en"),
        ("It arrived today, works perfectly. Have a nice weekend!", "en"),
        ("🙏", "en"),
        ("👍👍", "de"),
        ("🙏🏽❤️", "it"),
        ("Ist angekommen, alles bestens. Schönes Wochenende!", "de"),
        ("Bien reçu, c'est réglé. Merci encore !", "fr"),
        ("Ya llegó, todo perfecto. ¡Gracias de nuevo!", "es"),
        ("Arrivato oggi, tutto a posto. Grazie ancora!", "it"),
        ("無事届きました。ありがとうございました。", "ja"),
        ("No worries, I'll wait. Thanks for letting me know.", "en"),
    ],
)
def test_closures_need_no_reply(text: str, language: str) -> None:
    assert no_response_needed(text, language=language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks! When does the second one ship?", "en"),  # a question
        ("!!!", "en"),  # no word, and no thanks either
        ("😡😡", "en"),
        ("Thanks, please send the invoice too", "en"),  # a request, no question mark
        ("ok, keep me posted", "en"),
        ("Got it, but the lid is cracked.", "en"),  # a new problem after the closure
        ("Received, thanks. It does not turn on.", "en"),
        ("Thanks, I guess.", "en"),  # sarcasm
        ("Danke, aber die Rechnung fehlt noch.", "de"),
        ("Merci, par contre il manque une vis.", "fr"),
        ("Gracias, pero llegó roto.", "es"),
        ("Grazie, ma manca il manuale.", "it"),
        ("届きましたけど、壊れていました。", "ja"),
        ("ありがとうございます。領収書をお願いします、送ってください。", "ja"),
    ],
)
def test_what_still_waits_for_something_needs_a_reply(text: str, language: str) -> None:
    assert not no_response_needed(text, language=language)


def test_an_escalated_message_always_needs_a_reply() -> None:
    text = "Thanks, I have opened an A-to-z claim."
    found = analyse(text=text, locale=None, marketplace="amazon.com")
    assert found.escalation.recommended and not found.no_response_needed


@pytest.mark.eval
def test_the_development_set_is_never_silenced_wrongly() -> None:
    figures = score()
    assert set(figures) == {"en", "de", "fr", "es", "it", "ja"}
    for language, (found, quiet, wrong) in figures.items():
        assert wrong == 0, language
        assert found / quiet >= 0.2, language


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("arrived busted", "en", "damaged_item"),
        ("fattura grazie", "it", "invoice_request"),
        ("Anulen el pedido, gracias.", "es", "cancellation_request"),
    ],
)
def test_a_concern_the_intent_model_is_sure_of_always_needs_a_reply(
    text: str, language: str, intent: str
) -> None:
    # Words the phrase lists lack ("busted", an invoice named without a verb): the intent model
    # names the concern, and a concern named with confidence is never silenced.
    assert no_response_needed(text, language=language)  # what the phrase lists alone say
    assert not no_response_needed(text, language=language, intent=intent, confidence=0.9)
    assert no_response_needed(text, language=language, intent=intent, confidence=0.5)
    assert no_response_needed(text, language=language, intent="positive_feedback", confidence=1)
    assert not analyse(text=text, locale=language, marketplace="amazon.com").no_response_needed


@pytest.mark.eval
def test_no_training_message_of_a_concern_is_silenced() -> None:
    silenced, named = concerns_silenced()
    assert named > 5000 and silenced == 0
