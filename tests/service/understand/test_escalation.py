"""Escalation detector: the multilingual held-out set, the intent set, and the data files.

The sets in tests/data/escalation/<lang>.yaml are half escalations, half look-alikes (a filed
return, a lawyer friend, a fire pit); the phrase lists were developed on dev.yaml only.
"""

from __future__ import annotations

from typing import TypedDict

import pytest
import yaml
from fastapi.testclient import TestClient

from service.understand.analysis import classify_intent
from service.understand.escalation import REASONS, detect, languages, rules, signals
from tests.conftest import REPO, draft_request

DATA = REPO / "tests" / "data"
LANGUAGES = ("en", "de", "fr", "es", "it", "ja")
RECALL_FLOOR = 0.95
FALSE_CEILING = 0.05
INTENT_SET_CEILING = 0.03


class Item(TypedDict):
    text: str
    reasons: list[str]


def load(language: str, folder: str = "escalation") -> list[Item]:
    items: list[Item] = yaml.safe_load(
        (DATA / folder / f"{language}.yaml").read_text(encoding="utf-8")
    )
    return items


def escalated(text: str, language: str) -> tuple[str, ...]:
    intent, confidence = classify_intent(text)
    return detect(text, language=language, intent=intent, intent_confidence=confidence).reasons


def test_every_language_has_a_balanced_set_of_at_least_20() -> None:
    for language in LANGUAGES:
        items = load(language)
        positives = [i for i in items if i["reasons"]]
        assert len(items) >= 20, language
        assert len(positives) * 2 == len(items), language
        assert {r for i in items for r in i["reasons"]} <= set(REASONS)


@pytest.mark.eval
@pytest.mark.parametrize("folder", ["escalation", "escalation-fresh"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_recall_and_false_escalations_per_language(language: str, folder: str) -> None:
    # escalation-fresh: the blind probe (its first score was 80% recall, 8% false; see its README)
    items = load(language, folder)
    misses = [i["text"] for i in items if i["reasons"] and not escalated(str(i["text"]), language)]
    false = [i["text"] for i in items if not i["reasons"] and escalated(str(i["text"]), language)]
    positives = sum(1 for i in items if i["reasons"])
    assert 1 - len(misses) / positives >= RECALL_FLOOR, misses
    assert len(false) / (len(items) - positives) <= FALSE_CEILING, false


def test_reasons_name_the_signal() -> None:
    right = total = 0
    for language in LANGUAGES:
        for item in load(language):
            if item["reasons"]:
                total += 1
                wanted = set(item["reasons"])
                right += wanted <= set(escalated(str(item["text"]), language))
    assert right / total >= 0.9


@pytest.mark.eval
def test_few_ordinary_messages_of_the_intent_set_escalate() -> None:
    texts = []
    for language in ("de", "es", "fr", "it", "ja"):
        path = DATA / "intents" / f"{language}.yaml"
        texts += [(i["text"], language) for i in yaml.safe_load(path.read_text(encoding="utf-8"))]
    flagged = [text for text, language in texts if escalated(text, language)]
    assert len(flagged) / len(texts) <= INTENT_SET_CEILING, flagged


def test_phrase_files_cover_every_language_and_compile() -> None:
    assert set(LANGUAGES) <= set(languages())
    for language in LANGUAGES:
        assert set(rules(language)) == set(REASONS), language


def test_draft_is_still_produced_but_marked(client: TestClient) -> None:
    body = draft_request("The charger caught fire last night and my son burned his hand.")
    response = client.post("/draft", json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["text"]
    assert draft["escalation"]["recommended"] is True
    assert "safety_incident" in draft["escalation"]["reasons"]
    assert draft["policy"]["acknowledgement_suggested"] is True
    assert draft["priority"] in ("high", "urgent")


@pytest.mark.eval
def test_the_intent_models_ordinary_examples_rarely_escalate() -> None:
    """~7,900 ordinary messages (service/data/intents, bar the claims): a broad look-alike check
    of the phrase lists alone, without the intent model."""
    root = REPO / "service" / "data" / "intents"
    total = flagged = 0
    for path in root.glob("*/*.txt"):
        if path.stem == "a_to_z_claim":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                total += 1
                flagged += bool(signals(line, language=path.parent.name))
    assert total > 5_000
    assert flagged / total <= 0.005


def test_a_look_alike_cancels_only_the_words_it_is_about() -> None:
    # A lawyer who recommended the product is no threat; the same sentence with a threat is.
    assert signals("C'est mon avocat qui m'a conseillé ce fauteuil.", language="fr") == ()
    assert signals("C’est mon avocat qui m’a conseillé ce fauteuil.", language="fr") == ()
    assert signals(
        "Mon avocat m'a conseillé ce fauteuil, je vais porter plainte.", language="fr"
    ) == ("legal_threat",)
    # Flames a product is made for are no incident; a fire still is.
    assert signals("El efecto de las llamas es muy realista.", language="es") == ()
    assert signals("焚き火台、よく燃えて最高でした。", language="ja") == ()
    assert signals("El cargador se incendió.", language="es") == ("safety_incident",)
    assert signals("充電器が発火しました。", language="ja") == ("safety_incident",)


def test_short_stems_start_at_a_word() -> None:
    assert signals("Dejaré mi opinión cuando lo haya probado.", language="es") == ()
    assert signals("Siempre de buen humor.", language="es") == ()
    assert signals("Could you bring me the parcel during meetings?", language="en") == ()
    assert signals("Me han robado la tarjeta.", language="es") == ("fraud_signal",)
