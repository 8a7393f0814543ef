"""formatting: HTML, blank-line runs, "!!!", invisible characters (fixed) and shouting (flagged)."""

from __future__ import annotations

import pytest

from tests.guardrails.support import OID, assert_clean, assert_offsets, rules, run

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        (f"{ORDER} We <b>really</b> care.", f"{ORDER} We really care."),
        (f"<p>Hello Jane,</p><p>{ORDER}</p>", f"Hello Jane,\n\n{ORDER}"),
        (f"Hello Jane,<br>{ORDER}<br/><br />Anna", f"Hello Jane,\n{ORDER}\n\nAnna"),
        (f"{ORDER}\n\n\n\nBest,\nAnna", f"{ORDER}\n\nBest,\nAnna"),
        (f"{ORDER}\n \n\t\n\nBest,\nAnna", f"{ORDER}\n\nBest,\nAnna"),
        (f"{ORDER} Thanks!!!", f"{ORDER} Thanks!"),
        (f"{ORDER} Thanks\u200b for\ue123 waiting.", f"{ORDER} Thanks for waiting."),
        (f"{ORDER} <!-- internal note --> Done.", f"{ORDER} Done."),
    ],
)
def test_mechanical_formatting_is_fixed(text: str, fixed: str) -> None:
    report = run(text)
    assert report.text == fixed
    assert {r for r in rules(report)} == {("formatting", "fixed")}
    assert_offsets(text, report)


def test_shouting_is_flagged_not_changed() -> None:
    text = f"{ORDER} PLEASE DO NOT OPEN THE BOX before the courier arrives."
    report = run(text)
    assert report.text == text
    assert rules(report) == [("formatting", "flagged")]
    (finding,) = report.findings
    assert finding.match == "PLEASE DO NOT OPEN THE BOX"
    assert report.passed  # a flag leaves approval possible


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} We ship with UPS, DHL or USPS; the ASIN and SKU are on the label.",
        f"{ORDER} The HX-2000 PRO MAX is an USB-C LED lamp.",
        f"{ORDER} Use the USB HDMI adapter.",
        f"{ORDER} Thanks!! See you.",
        f"Hello Jane,\n\n{ORDER}\n\nBest,\nAnna\n",
        f"{ORDER} Tags like <x> or <y> are not HTML.",
    ],
)
def test_ordinary_text_is_not_formatting(text: str) -> None:
    assert_clean(text)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (
            f"{ORDER} Wir prüfen die Gravur „FÜR IMMER DEIN“ vor dem Versand noch einmal.",
            "amazon.de",
        ),
        (f"{ORDER} Le texte « JOYEUX ANNIVERSAIRE LÉA » sera imprimé sur le mug.", "amazon.fr"),
        (
            f"{ORDER} Rechnungssteller: Beispiel GmbH, USt-IdNr. DE123456789, HRB 12345.",
            "amazon.de",
        ),
        (
            f"{ORDER} Vendeur : Exemple SARL, SIRET 812 345 678 00019, TVA FR12345678901.",
            "amazon.fr",
        ),
    ],
)
def test_quoted_capitals_and_company_acronyms_are_not_shouting(text: str, marketplace: str) -> None:
    assert rules(run(text, marketplace=marketplace)) == []


def test_capitals_outside_quotes_still_shout() -> None:
    text = f"{ORDER} The engraving „LOVE YOU“ is done. PLEASE DO NOT OPEN THE BOX EARLY."
    assert rules(run(text)) == [("formatting", "flagged")]
