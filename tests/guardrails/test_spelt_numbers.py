"""Phone numbers spelt in words in six languages and in kanji numerals are phone numbers;
counting, lists of steps and dates in words are not."""

from __future__ import annotations

import pytest

from tests.guardrails.support import OID, assert_clean, assert_removed, found_rules, rules, run

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "marketplace", "number"),
    [
        (f"{ORDER} Call me on five five five, one two three, four five six seven.", "amazon.com",
         "five five five"),
        (f"{ORDER} Ring us: oh two oh, double seven nine four, six five four three.",
         "amazon.co.uk", "double seven"),
        (f"{ORDER} Rufen Sie an: null eins sieben sechs, drei vier fünf, sechs sieben acht neun.",
         "amazon.de", "null eins"),
        (f"{ORDER} Appelez le zéro six, douze, trente-quatre, cinquante-six, quatre-vingt-dix.",
         "amazon.fr", "trente-quatre"),
        (f"{ORDER} Mi móvil: seis uno dos, tres cuatro cinco, seis siete ocho.", "amazon.es",
         "seis uno dos"),
        (f"{ORDER} Il mio cellulare è tre tre nove, uno due tre, quattro cinque sei sette.",
         "amazon.it", "tre tre nove"),
        (f"ご注文{OID}の件、携帯〇九〇－一二三四－五六七八までご連絡ください。", "amazon.co.jp",
         "〇九〇"),
        # Pairs, and a label with its verb before the number.
        (f"{ORDER} Mi móvil es el seis, uno, dos, veintitrés, cuarenta y cinco, sesenta y siete.",
         "amazon.es", "cuarenta y cinco"),
        (f"{ORDER} Il suo cellulare è tre-quattro-nove, ventuno, trentotto, quarantasei, dodici.",
         "amazon.it", "trentotto"),
        (f"{ORDER} Seine Mobilnummer lautet null eins fünf eins, zwei drei vier, fünf sechs acht.",
         "amazon.de", "null eins"),
        (f"{ORDER} Son numéro : zéro six, onze, vingt-deux, trente-trois, quarante-quatre.",
         "amazon.fr", "onze"),
    ],
)  # fmt: skip
def test_numbers_spelt_out_are_removed(text: str, marketplace: str, number: str) -> None:
    assert_removed(text, "phone_number", number, marketplace=marketplace)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} One or two of the three parts, four screws and five washers are in the box.",
         "amazon.com"),
        (f"{ORDER} Étape un, deux, trois, quatre, cinq : c'est tout.", "amazon.fr"),
        (f"{ORDER} Schritt eins, zwei, drei, vier: fertig.", "amazon.de"),
        (f"{ORDER} Pedimos doce, treinta y cuatro o cincuenta unidades, según la talla.",
         "amazon.es"),
        (f"{ORDER} Il set ha dodici, ventuno o trentotto pezzi, a seconda del modello.",
         "amazon.it"),
        (f"ご注文{OID}は二〇二六年一二月五日に発送いたしました。", "amazon.co.jp"),
    ],
)  # fmt: skip
def test_counting_in_words_is_not_a_number(text: str, marketplace: str) -> None:
    assert "phone_number" not in found_rules(text, marketplace=marketplace)


def test_a_number_with_middle_dots_is_a_number() -> None:
    text = f"{ORDER} Tel. 0 30·12 34·56 78"
    report = run(text, marketplace="amazon.de")
    assert ("phone_number", "fixed") in rules(report) and "34·56" not in report.text


def test_plain_replies_stay_clean() -> None:
    assert_clean(f"{ORDER} We ship one parcel today and two more on Monday.")


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "it", "ja"])
def test_the_gate_counts_what_str_count_counts(language: str) -> None:
    from guardrails.spelt_numbers import _gate, _gate_count

    texts = [
        " cinquante cinq  one one\tone someone zero-zero  uno una cinquantacinque",
        " null eins drei vier fünf sechs  sieben acht neun one two three",
        "no number words here at all",
    ]
    for text in texts:
        lowered = text.lower()
        expected = sum(lowered.count(word) for word in _gate(language))
        assert _gate_count(lowered, language, enough=99) == expected
        assert min(_gate_count(lowered, language), 4) == min(expected, 4)
