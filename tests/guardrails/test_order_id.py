"""order_id_mismatch and order_id_missing."""

from __future__ import annotations

import pytest

from guardrails import check
from tests.guardrails.support import OID, OTHER_OID, assert_offsets, rules, run


def test_other_order_id_is_replaced() -> None:
    text = f"Your order {OTHER_OID} shipped."
    report = run(text)
    assert report.text == f"Your order {OID} shipped."
    assert rules(report) == [("order_id_mismatch", "fixed")]
    assert report.findings[0].match == OTHER_OID
    assert_offsets(text, report)


def test_full_width_other_order_id_is_replaced() -> None:
    text = "ご注文３０５－１２３４５６７－７６５４３２１について"
    report = run(text, marketplace="amazon.co.jp")
    assert report.text == f"ご注文{OID}について"
    assert rules(report) == [("order_id_mismatch", "fixed")]


def test_full_width_own_order_id_counts_as_present() -> None:
    text = "ご注文１１４－３９４１６８９－８７７２２３２について"
    assert run(text, marketplace="amazon.co.jp").findings == ()


def test_longer_digit_runs_are_not_order_ids() -> None:
    text = f"Order {OID}. Reference 1114-3941689-87722321 is unrelated."
    assert run(text).findings == ()


@pytest.mark.parametrize(
    ("text", "marketplace", "language", "fixed", "at"),
    [
        (
            "Hello Jane,\n\nYour refund was issued.\n\nBest,\nAnna",
            "amazon.com",
            None,
            f"Hello Jane,\n\nOrder ID: {OID}\n\nYour refund was issued.\n\nBest,\nAnna",
            13,
        ),
        (
            "Hallo Herr Müller,\nIhre Erstattung ist unterwegs.",
            "amazon.de",
            None,
            f"Hallo Herr Müller,\nBestellnummer: {OID}\n\nIhre Erstattung ist unterwegs.",
            19,
        ),
        (
            "Bonjour Marie,\n\nVotre colis est en route.",
            "amazon.fr",
            None,
            f"Bonjour Marie,\n\nNuméro de commande : {OID}\n\nVotre colis est en route.",
            16,
        ),
        (
            "Hola María:\n\nSu reembolso está en camino.",
            "amazon.es",
            None,
            f"Hola María:\n\nNúmero de pedido: {OID}\n\nSu reembolso está en camino.",
            13,
        ),
        (
            "Ciao Luca,\n\nIl pacco è in viaggio.",
            "amazon.it",
            None,
            f"Ciao Luca,\n\nNumero d'ordine: {OID}\n\nIl pacco è in viaggio.",
            12,
        ),
        (
            "田中様\n\nご注文ありがとうございます。",
            "amazon.co.jp",
            None,
            f"田中様\n\n注文番号：{OID}\n\nご注文ありがとうございます。",
            5,
        ),
        (
            "Your refund was issued.",
            "amazon.com",
            None,
            f"Order ID: {OID}\n\nYour refund was issued.",
            0,
        ),
        (
            "Your refund was issued.",
            "amazon.de",
            "en-US",
            f"Order ID: {OID}\n\nYour refund was issued.",
            0,
        ),
        (
            "Olá Ana,\n\nO reembolso foi emitido.",
            "amazon.com.br",
            None,
            f"Olá Ana,\n\nNúmero do pedido: {OID}\n\nO reembolso foi emitido.",
            10,
        ),
        ("Hi Jane,", "amazon.com", None, f"Hi Jane,\n\nOrder ID: {OID}", 8),
        ("", "amazon.com", None, f"Order ID: {OID}", 0),
    ],
)
def test_missing_order_id_is_inserted_in_the_buyers_language(
    text: str, marketplace: str, language: str | None, fixed: str, at: int
) -> None:
    report = check(text, order_id=OID, marketplace=marketplace, language=language)
    assert report.text == fixed
    (finding,) = report.findings
    assert (finding.rule, finding.action, finding.match) == ("order_id_missing", "fixed", "")
    assert finding.start == finding.end == at
    assert OID in finding.message


def test_order_id_removed_with_a_sentence_is_inserted_again() -> None:
    text = f"Hello Jane,\n\nUse coupon SAVE10 on order {OID}.\n\nThanks for waiting."
    report = run(text)
    assert report.text == f"Hello Jane,\n\nOrder ID: {OID}\n\nThanks for waiting."
    assert rules(report) == [("order_id_missing", "fixed"), ("marketing", "fixed")]
    assert_offsets(text, report)


def test_malformed_order_id_argument_is_rejected() -> None:
    with pytest.raises(ValueError, match="order_id"):
        check("Hi", order_id="12345", marketplace="amazon.com")
