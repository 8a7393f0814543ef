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
from service.understand.escalation import (
    REASONS,
    claim_filed,
    detect,
    languages,
    rules,
    signals,
)
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
    """~14,000 ordinary messages (service/data/intents, bar the claims): a broad look-alike check
    of the phrase lists alone, without the intent model. The `written4` and `written5` files
    are left out: their writers were asked for escalating shapes (a charger that melted, a bulk
    order paid by bank transfer) as well as look-alikes, so they are no ordinary messages."""
    root = REPO / "service" / "data" / "intents"
    total = flagged = 0
    for path in root.glob("*/*.txt"):
        if path.name.split(".")[0] == "a_to_z_claim" or path.name.endswith(
            (".written4.txt", ".written5.txt")
        ):
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


@pytest.mark.parametrize(
    ("text", "language", "reasons"),
    [
        # A claim ruled out, a question about how one works, a joke: no signal at all.
        ("I won't file an A-to-z claim, the dent is minor.", "en", ()),
        ("What happens if I open an A-to-z claim? Just curious.", "en", ()),
        ("I'll sue you for making me addicted to this tea 😂", "en", ()),
        ("Ich werde keinen A-bis-z-Antrag stellen, alles gut.", "de", ()),
        ("Je ne compte pas ouvrir de réclamation A-à-z, rassurez-vous.", "fr", ()),
        ("No tengo intención de abrir una reclamación de la garantía de la A a la Z.", "es", ()),
        ("保証を申請するつもりはありません。", "ja", ()),
        # The same words around a real threat still count: each pattern names what it rules out.
        ("I will not wait any longer, I will file an A-to-z claim today.", "en", ("a_to_z_claim",)),
        (
            "I don't want to involve Amazon but I will open an A-to-z claim if I must.",
            "en",
            ("a_to_z_claim",),
        ),
        (
            "Ich werde nicht länger warten und einen A-bis-z-Antrag stellen.",
            "de",
            ("a_to_z_claim",),
        ),
        ("Je ne vais pas attendre, j'ouvre une réclamation A-à-z.", "fr", ("a_to_z_claim",)),
        (
            "No tengo intención de esperar más, abriré una reclamación de la A a la Z.",
            "es",
            ("a_to_z_claim",),
        ),
        (
            "待つつもりはありませんので、Amazonマーケットプレイス保証を申請します。",
            "ja",
            ("a_to_z_claim",),
        ),
    ],
)
def test_a_files_general_unless_sets_aside_a_sentence_for_every_reason(
    text: str, language: str, reasons: tuple[str, ...]
) -> None:
    assert detect(text, language=language).reasons == reasons


def test_a_sentence_set_aside_keeps_the_intent_from_calling_it_a_claim() -> None:
    text = "I won't file an A-to-z claim over a dented box."
    assert detect(text, language="en", intent="a_to_z_claim", intent_confidence=0.9).reasons == ()
    claim = "Please sort this out quickly."
    found = detect(claim, language="en", intent="a_to_z_claim", intent_confidence=0.9)
    assert found.reasons == ("a_to_z_claim",)


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        ("This is obviously a counterfeit, the logo is printed crooked.", "en", "fraud_signal"),
        ("Das ist eine Fälschung, kein Original.", "de", "fraud_signal"),
        ("Ce sac est une contrefaçon.", "fr", "fraud_signal"),
        ("La scatola conteneva dei sassi invece del trapano.", "it", "fraud_signal"),
        ("届いた財布は明らかに偽物です。", "ja", "fraud_signal"),
        ("My daughter got a rash on her arms from the blanket.", "en", "safety_incident"),
        ("肌がかぶれてしまいました。", "ja", "safety_incident"),
        ("Mon fils a avalé une pile bouton.", "fr", "safety_incident"),
        ("Can I bring it back to your shop in person for a cash refund?", "en", "off_amazon"),
        ("Je peux vous rembourser par virement directement.", "fr", "off_amazon"),
        ("Lo posso riportare di persona in negozio?", "it", "off_amazon"),
        ("If I hear nothing by Friday, Amazon will decide.", "en", "a_to_z_claim"),
        ("Ich werde mich an Amazon wenden.", "de", "a_to_z_claim"),
        ("J'ai fait une opposition bancaire.", "fr", "chargeback"),
        ("弁護士と相談しています。", "ja", "legal_threat"),
        # Set e (in-sample): a consumer-protection body named, in its own words per language.
        ("I've filed a complaint with the consumer protection bureau.", "en", "legal_threat"),
        ("Ich habe mich an die Schlichtungsstelle gewandt.", "de", "legal_threat"),
        (
            "J'ai fait un signalement sur SignalConso et contacté UFC-Que Choisir.",
            "fr",
            "legal_threat",
        ),
        ("Voy a acudir a la oficina municipal de consumo (OMIC).", "es", "legal_threat"),
        ("Mi rivolgerò a un'associazione a tutela dei consumatori.", "it", "legal_threat"),
        ("消費生活センターに相談しました。", "ja", "legal_threat"),
        ("カードの引き落としを止めてもらいます。", "ja", "chargeback"),
        ("シリアル番号が公式サイトで確認できません。本物でしょうか。", "ja", "fraud_signal"),
        ("Per 200 pezzi potremmo pagare con bonifico fuori dal sito.", "it", "off_amazon"),
        ("A mi hija se le rompió el juguete y se lastimó el dedo.", "es", "safety_incident"),
        ("Mi hijo se hizo daño en la mano con una pieza rota.", "es", "safety_incident"),
    ],
)
def test_concepts_the_blind_set_showed_missing(text: str, language: str, reason: str) -> None:
    assert reason in signals(text, language=language)


def test_a_claim_closed_against_the_buyer_still_escalates() -> None:
    # "Resolved" and "settled" end a dispute; "closed" alone does not say in whose favour.
    text = "My A-to-z claim was closed without a refund, so I'm taking legal action."
    assert "legal_threat" in signals(text, language="en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Is it normal that it smokes a little the first time?", "en"),
        ("È normale che faccia un po' di fumo al primo utilizzo?", "it"),
        (
            "Ist das Spielzeug für Kinder unter drei Jahren geeignet, oder sind da verschluckbare "
            "Kleinteile dabei?",
            "de",
        ),
        ("The box was crushed and the packaging filler was everywhere.", "en"),
        ("Is the leather genuine or synthetic?", "en"),
    ],
)
def test_look_alikes_of_those_concepts_do_not_escalate(text: str, language: str) -> None:
    assert signals(text, language=language) == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # A claim or dispute the buyer withdrew is over: nothing to escalate.
        ("The refund arrived, so I withdrew the dispute with my bank. Thanks!", "en"),
        ("Ya he cancelado la disputa con la tarjeta, todo resuelto.", "es"),
        ("J'ai finalement retiré la contestation faite auprès de ma banque.", "fr"),
        ("Ho già ritirato la contestazione con la banca, grazie.", "it"),
        ("Die Rückbuchung habe ich inzwischen zurückgezogen.", "de"),
        ("先月の保証申請は、すぐ対応いただけたので取り下げました。", "ja"),
        # The same said otherwise: the claim named "A-to-z", other verbs, a pronoun, a passive.
        ("Just so you know, I cancelled the A-to-z since the refund came through.", "en"),
        ("My A-to-z claim is no longer open, thanks for sorting it.", "en"),
        ("Den Käuferschutz-Fall bei PayPal habe ich wieder geschlossen, Teil ist da.", "de"),
        (
            "J'avais fait opposition, je l'ai annulée auprès de ma banque.",
            "fr",
        ),
        ("Je retire mes accusations d'arnaque, le colis est bien arrivé.", "fr"),
        ("La richiesta di garanzia A-to-z è stata ritirata, la questione è chiusa.", "it"),
        ("La reclamación de la garantía de la A a la Z ya está retirada.", "es"),
        ("A-to-zの申請は撤回しました。", "ja"),
        # A dispute of the past, said to be resolved (set e, in-sample), and a claim ruled out.
        ("Last year I had a dispute with my bank over another order, it was resolved.", "en"),
        ("Tuve una disputa con la tarjeta el año pasado, ya está resuelta.", "es"),
        ("J'avais une contestation bancaire avec un autre vendeur, elle est réglée.", "fr"),
        ("Pas question de passer par la garantie A-to-z, je veux juste mon colis.", "fr"),
        ("カード会社への異議申し立ては解決済みです。", "ja"),
        ("A-to-z保証は使いません。発送状況だけ教えてください。", "ja"),
        # A claim ruled out, with the complaint that follows it ("…, but the parcel is stuck").
        (
            "I'm not going to open an A-to-z claim, but the parcel has been stuck for a week.",
            "en",
        ),
        ("No quiero poner ninguna reclamación, solo saber cuándo llega.", "es"),
        ("保証の申請とか大げさなことをするつもりは全くありません。", "ja"),
        # A worry about fire is a question; a joke is a joke; a return at the carrier is a return.
        ("万が一発火したら怖いので、安全機能について教えてください。", "ja"),
        ("I'm a bit worried it could overheat if left charging overnight.", "en"),
        ("My husband says he'll sue me if this gift is late lol", "en"),
        ("OK, I'll drop it off at the post office tomorrow.", "en"),
        # Asking whether a claim would be needed if something happens: a question about options.
        ("If it never shows up, should I open an A-to-z claim or will you resend?", "en"),
        ("Si no llega, ¿tendría que abrir una reclamación de la A a la Z?", "es"),
        ("Se non arriva, conviene aprire la garanzia dalla A alla Z?", "it"),
        ("Falls es nicht kommt, muss ich dann einen A-bis-z-Antrag stellen?", "de"),
        ("Si le colis n'arrive pas, dois-je ouvrir une réclamation A-à-z ?", "fr"),
        ("届かない場合は保証を申請した方がいいでしょうか。", "ja"),
        # Fraud words in praise; sand from a broken hourglass; a return sent straight back.
        ("Für den Preis ist das fast Betrug, so gut ist es 😄", "de"),
        ("The vase broke in transit and there was sand and glass everywhere in the box.", "en"),
        ("Devo spedire il reso direttamente a voi?", "it"),
    ],
)
def test_a_claim_withdrawn_ruled_out_or_feared_is_no_signal(text: str, language: str) -> None:
    assert signals(text, language=language) == ()


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        (
            "I won't open an A-to-z claim yet, but if it's not here Monday I will.",
            "en",
            "a_to_z_claim",
        ),
        ("next step is amazon's a to z thing", "en", "a_to_z_claim"),
        ("Sinon j'ouvre un AtoZ demain.", "fr", "a_to_z_claim"),
        ("He puesto una reclamación ante mi banco por el cargo.", "es", "chargeback"),
        ("Apro una contestazione con la carta di credito.", "it", "chargeback"),
        ("Mi avete venduto un falso.", "it", "fraud_signal"),
        ("Queste cuffie non sono affatto originali.", "it", "fraud_signal"),
        ("Can I drop it off at your shop instead?", "en", "off_amazon"),
        ("Kann ich es vorbeibringen und Sie geben mir das Geld bar zurück?", "de", "off_amazon"),
        ("Meine Tochter (1) hatte die lose Kugel schon im Mund.", "de", "safety_incident"),
        ("J'ai fait opposition auprès de ma banque.", "fr", "chargeback"),
        ("Le service client d'Amazon a pris le relais.", "fr", "a_to_z_claim"),
        ("Al posto del telefono c'era un pezzo di legno.", "it", "fraud_signal"),
        (
            "The box had been opened and resealed, and instead of the drill there was a brick.",
            "en",
            "fraud_signal",
        ),
    ],
)
def test_threats_in_plain_or_squashed_words_still_count(
    text: str, language: str, reason: str
) -> None:
    assert reason in signals(text, language=language)


@pytest.mark.parametrize(
    ("text", "language", "filed"),
    [
        ("I have opened an A-to-z claim.", "en", True),
        ("I will open an A-to-z claim on Friday.", "en", False),
        ("Ich habe einen A-bis-z-Antrag gestellt.", "de", True),
        ("Ich werde einen A-bis-z-Antrag stellen.", "de", False),
        ("J'ai ouvert une réclamation A à Z.", "fr", True),
        ("He abierto una reclamación de la garantía de la A a la Z.", "es", True),
        ("Ho aperto un reclamo dalla A alla Z.", "it", True),
        ("Amazonマーケットプレイス保証を申請しました。", "ja", True),
        ("Amazonマーケットプレイス保証を申請します。", "ja", False),
    ],
)
def test_a_claim_made_is_told_from_a_claim_threatened(
    text: str, language: str, filed: bool
) -> None:
    assert claim_filed(text, language=language) is filed
