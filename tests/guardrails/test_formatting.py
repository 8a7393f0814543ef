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
