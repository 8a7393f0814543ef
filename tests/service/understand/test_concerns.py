"""Item problems stated beside a message's intent (`service.understand.concerns`)."""

from __future__ import annotations

import pytest

from service.understand import concerns
from service.understand.analysis import analyse

LANGUAGES = ("en", "de", "fr", "es", "it", "ja")

STATED = [
    ("en", "The jar came cracked, I want a refund.", "damaged_item"),
    ("en", "It stopped working after two days, how do I return it?", "defective_item"),
    ("en", "You sent me the wrong size, can I send it back?", "wrong_item"),
    ("en", "Two screws were missing from the box, please refund part of it.", "missing_parts"),
    ("de", "Die Lampe kam beschädigt an, ich möchte mein Geld zurück.", "damaged_item"),
    ("de", "Das Gerät funktioniert nicht, wie kann ich es zurückschicken?", "defective_item"),
    ("de", "Sie haben mir die falsche Farbe geschickt, bitte Erstattung.", "wrong_item"),
    ("de", "Es fehlen zwei Schrauben, wann kommt die Erstattung?", "missing_parts"),
    ("fr", "Le vase est arrivé cassé, je voudrais être remboursé.", "damaged_item"),
    ("fr", "L'appareil ne s'allume pas, comment le retourner ?", "defective_item"),
    ("fr", "J'ai reçu la mauvaise taille, puis-je la renvoyer ?", "wrong_item"),
    ("fr", "Il manque des vis dans le carton, où en est mon remboursement ?", "missing_parts"),
    ("es", "La taza llegó rota, ¿cuándo me devuelven el dinero?", "damaged_item"),
    ("es", "El cargador no funciona, quiero devolverlo.", "defective_item"),
    ("es", "Me han enviado el modelo equivocado, ¿cómo lo devuelvo?", "wrong_item"),
    ("es", "Faltan piezas en la caja, quiero el reembolso.", "missing_parts"),
    ("it", "La lampada è arrivata rotta, vorrei il rimborso.", "damaged_item"),
    ("it", "Il frullatore non si accende, come posso restituirlo?", "defective_item"),
    ("it", "Mi avete mandato la taglia sbagliata, posso restituirla?", "wrong_item"),
    ("it", "Mancano due viti nella confezione, quando arriva il rimborso?", "missing_parts"),
    ("ja", "商品が割れて届きました。返金はいつになりますか。", "damaged_item"),
    ("ja", "電源が入らないので返品したいです。", "defective_item"),
    ("ja", "注文したものと違う商品が届きました。返品できますか。", "wrong_item"),
    ("ja", "部品が足りないので返金してください。", "missing_parts"),
]

NOT_STATED = [
    ("en", "The box was a bit crushed but the item inside is fine. When is my refund due?"),
    ("en", "The colours just don't work in our living room, I'd like to return it."),
    ("en", "The tracking number doesn't work, where is my parcel?"),
    ("en", "What happens if it arrives broken? Just asking before I order."),
    ("en", "I ordered the wrong size myself, can I return it?"),
    ("en", "It is not defective, I simply don't like it. Can I return it?"),
    ("de", "Ich habe die falsche Größe bestellt, kann ich sie zurückschicken?"),
    ("de", "Der Artikel ist nicht beschädigt, gefällt mir aber nicht. Rücksendung bitte."),
    ("de", "Falls der Artikel beschädigt ankommt, was passiert dann?"),
    ("fr", "Je me suis trompé de taille, puis-je la retourner ?"),
    ("fr", "Il manque le digicode dans l'adresse, pouvez-vous l'ajouter ?"),
    ("es", "El número de seguimiento no funciona, ¿dónde está mi paquete?"),
    ("es", "La caja llegó golpeada pero el producto está en perfecto estado. ¿Y el reembolso?"),
    ("it", "Non è difettoso, semplicemente non mi piace. Posso restituirlo?"),
    ("ja", "箱の凹みは気にしていません。返金はいつですか。"),
    ("ja", "追跡番号が使えないのですが、荷物はどこですか。"),
]


def test_every_language_has_a_concern_file_that_compiles() -> None:
    assert set(concerns.languages()) >= set(LANGUAGES)
    concerns.warm_up()


@pytest.mark.parametrize(("language", "text", "concern"), STATED)
def test_a_stated_problem_is_found(language: str, text: str, concern: str) -> None:
    assert concern in concerns.found(text, language=language)


@pytest.mark.parametrize(("language", "text"), NOT_STATED)
def test_a_problem_not_stated_is_not_found(language: str, text: str) -> None:
    assert concerns.found(text, language=language) == ()


def test_an_item_problem_intent_or_thanks_gets_no_concern_beside_it() -> None:
    text = "It arrived broken."
    assert concerns.secondary(text, language="en", intent="damaged_item") == ()
    assert concerns.secondary(text, language="en", intent="positive_feedback") == ()
    assert concerns.secondary(text, language="en", intent="refund_status") == ("damaged_item",)


def test_analysis_tags_a_refund_question_with_the_damage_it_states() -> None:
    got = analyse(
        text="Kam kaputt an. Wann bekomme ich mein Geld zurück?",
        locale=None,
        marketplace="amazon.de",
    )
    assert got.intent == "refund_status" and got.concerns == ("damaged_item",)
    assert got.tags == ("Refunds", "Product issue", "Damaged")
