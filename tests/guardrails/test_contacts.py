"""email_address and phone_number, and the cleanup of the labels they leave behind."""

from __future__ import annotations

import pytest

from tests.guardrails.support import (
    OID,
    assert_clean,
    assert_offsets,
    assert_removed,
    rules,
    run,
)

ORDER = f"Order {OID}."


# A sentence that gives an address or a number asks the buyer to use it: once the detail is
# removed, a sentence that still says "write", "mail" or "call" goes whole (off_platform); one
# that no longer asks anything keeps the rest.
INVITED = [("off_platform", "fixed")]
SHIPS = f"{ORDER} It ships today."


@pytest.mark.parametrize(
    ("text", "fixed", "invited"),
    [
        (
            f"{SHIPS} If anything is unclear, write to support@shop.example.com and we will help.",
            f"{SHIPS}",
            True,
        ),
        (
            f"{SHIPS} If anything is unclear, mail info [at] shop [dot] com with the photos.",
            f"{SHIPS}",
            True,
        ),
        (
            f"{SHIPS} If anything is unclear, mail info(at)shop(dot)de with the photos.",
            f"{SHIPS}",
            True,
        ),
        (
            f"{SHIPS} If anything is unclear, mail info＠shop.de with the photos.",
            f"{SHIPS}",
            True,
        ),
        (
            f"{SHIPS} Questions? E-Mail: service@example.de, we answer within a few hours.",
            f"{SHIPS} Questions?",
            True,
        ),
        (
            f"{SHIPS} The invoice was also sent to billing@shop-example.com, as you asked.",
            f"{SHIPS} The invoice was also sent, as you asked.",
            False,
        ),
    ],
)
def test_email_addresses_are_removed(text: str, fixed: str, invited: bool) -> None:
    report = run(text, marketplace="amazon.de", language="en")
    assert report.text == fixed
    assert rules(report) == (INVITED if invited else []) + [("email_address", "fixed")]
    assert_offsets(text, report)


@pytest.mark.parametrize(
    ("text", "fixed", "marketplace", "invited"),
    [
        (
            f"{SHIPS} If you need anything else, call us at +1 415-555-2671 today.",
            f"{SHIPS}",
            "amazon.com",
            True,
        ),
        (
            f"{SHIPS} If you need anything else, call us at (415) 555-2671 today.",
            f"{SHIPS}",
            "amazon.com",
            True,
        ),
        (
            f"{SHIPS} Wenn Sie Fragen haben, rufen Sie uns unter 030 12345678 an.",
            f"{SHIPS}",
            "amazon.de",
            True,
        ),
        (
            f"{SHIPS} Our hotline for the blender warranty team is +49 30 12345678 daily.",
            f"{SHIPS}",  # "… is daily" no longer says what it said: the sentence goes
            "amazon.com",
            False,
        ),
        (
            f"{SHIPS} Pour toute question, appelez le 01 23 45 67 89 en semaine.",
            f"{SHIPS}",
            "amazon.fr",
            True,
        ),
    ],
)
def test_phone_numbers_are_removed(text: str, fixed: str, marketplace: str, invited: bool) -> None:
    report = run(text, marketplace=marketplace)
    assert report.text == fixed
    assert rules(report) == (INVITED if invited else []) + [("phone_number", "fixed")]
    assert_offsets(text, report)


def test_labelled_number_in_another_countrys_format_is_found() -> None:
    # 030 … is a Berlin number, not valid in the US: the "Tel.:" label gives it away.
    text = f"Hello Jane,\n\n{ORDER}\n\nTel.: 030 12345678\n\nBest,\nAnna"
    report = run(text, marketplace="amazon.com", language="en")
    assert report.text == f"Hello Jane,\n\n{ORDER}\n\nBest,\nAnna"
    assert [f.match for f in report.findings] == ["030 12345678"]


def test_contact_block_goes_with_its_labels() -> None:
    text = f"{ORDER}\nE-Mail: a@shop.de, Tel.: 030 1234567, Fax: 030 1234568\nViele Grüße"
    report = run(text, marketplace="amazon.de", language="en")
    assert report.text == f"{ORDER}\nViele Grüße"
    # The block only asked the buyer to write or call: nothing of a message is left.
    assert (
        rules(report)
        == [("off_platform", "blocked"), *INVITED, ("email_address", "fixed")]
        + [("phone_number", "fixed")] * 2
    )
    assert not report.passed


def test_signature_keeps_the_name() -> None:
    text = f"{ORDER}\n\nAnna Smith | Tel: +49 30 12345678 | anna@shop.de"
    report = run(text, marketplace="amazon.de", language="en")
    assert report.text == f"{ORDER}\n\nAnna Smith"


def test_sentence_reduced_to_a_label_is_not_left_dangling() -> None:
    report = run(f"{ORDER} Please call us at +1 415-555-2671. Thanks for your patience.")
    assert report.text == f"{ORDER} Thanks for your patience."
    assert "call us at ." not in report.text


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} Your refund of $24.99 (12,99 €, 1.234,56 €) was issued.",
        f"{ORDER} Tracking 1Z999AA10123456784, DHL 00340434161234567890, 9400111899223856428499.",
        f"{ORDER} ASIN B08N5WRWNW, model HX-2000, part FLT-2231-B, SKU BLND-01.",
        f"{ORDER} VAT DE123456789, invoice INV-2026-000123, EAN 4006381333931.",
        f"{ORDER} Size 20 x 15 x 5 cm, 3.5 mm, 1.5 kg.",
        f"{ORDER} It ships on 2026-11-20 (20.11.2026, 11/20/2026).",
        f"{ORDER} We answer 9:00-17:00, Mon-Fri, and 10:00 - 14:00 on Saturdays.",
        f"{ORDER} Seller Support case 12345678901 is open; part 12345-67890 is on its way.",
        f"{ORDER} Your other question about the @home series: yes, it fits.",
        # Possible-but-invalid numbers: these pin Leniency.VALID (POSSIBLE would remove them).
        f"{ORDER} Refund 123456789012 was processed for a pack of 1234567 units.",
    ],
)
@pytest.mark.parametrize("marketplace", ["amazon.com", "amazon.de", "amazon.in", "amazon.co.jp"])
def test_numbers_that_are_not_phones_survive(text: str, marketplace: str) -> None:
    assert_clean(text, marketplace=marketplace, language="en")


def test_address_inside_japanese_text() -> None:
    # The sentence only says "send questions to <address>", so it goes whole.
    text = f"注文番号{OID}。ご質問はinfo@shop.example.jpまでお送りください。ありがとうございます。"
    report = run(text, marketplace="amazon.co.jp", language="en")
    assert report.text == f"注文番号{OID}。ありがとうございます。"
    sentence = "ご質問はinfo@shop.example.jpまでお送りください。"
    assert [f.match for f in report.findings] == [sentence, "info@shop.example.jp"]
    assert [f.rule for f in report.findings] == ["off_platform", "email_address"]


def test_long_japanese_sentence_keeps_its_other_content() -> None:
    text = (
        f"注文番号{OID}。交換品は本日発送いたしましたので、到着まで今しばらくお待ちください、"
        "ご不明な点はinfo@shop.example.jpまで。"
    )
    report = run(text, marketplace="amazon.co.jp", language="en")
    assert "交換品は本日発送いたしました" in report.text
    assert "info@" not in report.text


def test_phone_number_inside_japanese_text() -> None:
    text = f"注文番号{OID}。交換品は本日発送しました。お急ぎの場合はお電話03-1234-5678までどうぞ。"
    report = run(text, marketplace="amazon.co.jp", language="en")
    assert report.text == f"注文番号{OID}。交換品は本日発送しました。"
    sentence = "お急ぎの場合はお電話03-1234-5678までどうぞ。"
    assert [f.match for f in report.findings] == [sentence, "03-1234-5678"]


@pytest.mark.parametrize(
    ("text", "rule", "left"),
    [
        (f"Order {OID}. Write to info@sh\u200bop-berlin.de today.", "email_address", "berlin"),
        (f"Order {OID}. Visit sh\u043ep-berlin.de today.", "external_link", "berlin"),
        (f"Order {OID}. Call +49 30 1234\u200b5678 now.", "phone_number", "5678"),
        (f"Order {OID}. The desk is info@sh\u00adop-berlin.de today.", "email_address", "berlin"),
    ],
)
def test_invisible_characters_and_look_alike_letters_hide_nothing(
    text: str, rule: str, left: str
) -> None:
    assert_removed(text, rule, left, marketplace="amazon.de", language="en")


def test_greek_and_russian_words_are_not_look_alikes() -> None:
    assert_clean(f"Order {OID}. Ваш заказ отправлен. Το δέμα έφτασε.", language="en")


@pytest.mark.parametrize(
    ("text", "marketplace", "gone"),
    [
        (f"Bestellung {OID}. Schreiben Sie mir an max.mueller bei gmx punkt de.", "amazon.de",
         "gmx"),
        (f"Commande {OID}. Écrivez à marie chez orange point fr.", "amazon.fr", "orange"),
        (f"ご注文{OID}の件は info★shop-sample.jp までご連絡ください。", "amazon.co.jp", "info"),
    ],
)  # fmt: skip
def test_addresses_with_a_spelt_or_star_at_are_removed(
    text: str, marketplace: str, gone: str
) -> None:
    assert_removed(text, "email_address", gone, marketplace=marketplace)


def test_bei_and_chez_in_sentences_are_no_addresses() -> None:
    assert_clean(f"Bestellung {OID}. Bei Fragen melden Sie sich bei uns. Punkt 1 gilt.",
                 marketplace="amazon.de")  # fmt: skip
    assert_clean(f"Commande {OID}. Livré chez vous, point final.", marketplace="amazon.fr")


def test_a_number_right_after_a_sentence_end_is_read_from_there() -> None:
    # The matcher reads "(. +1 415-555-2671" as one candidate; the valid part is after the ".".
    text = f"{ORDER} More on the site (. +1 415-555-2671 is the line."
    report = run(text)
    assert "415" not in report.text
    assert ("phone_number", "fixed") in rules(report)


@pytest.mark.parametrize(
    ("text", "marketplace", "fixed"),
    [
        # A name spelt out before the at word goes with the address.
        (
            f"{ORDER} Gute Nachricht! Erreichen Sie mich unter lena punkt vogt bei web punkt de.",
            "amazon.de",
            f"{ORDER} Gute Nachricht!",  # and the sentence that asked to write there
        ),
        # "Tél." is no sentence end: the label goes with the number, and the dash before it.
        (
            f"{ORDER} Merci.\nPaul Roux – Atelier Roux – Tél. 06 12 34 56 78",
            "amazon.fr",
            f"{ORDER} Merci.\nPaul Roux – Atelier Roux",
        ),
    ],
)
def test_spelt_names_and_abbreviated_labels_leave_no_fragment(
    text: str, marketplace: str, fixed: str
) -> None:
    assert run(text, marketplace=marketplace).text == fixed


def test_the_note_that_says_how_to_read_a_disguised_address_goes_with_it() -> None:
    text = (
        f"ご注文{OID}の領収書は、keiri★kagu-shop.jp（★を@に変えてください）宛てにご連絡ください。"
    )
    report = run(text, marketplace="amazon.co.jp")
    assert "★" not in report.text
    assert "@" not in report.text
    assert ("email_address", "fixed") in rules(report)


@pytest.mark.parametrize(
    ("text", "marketplace", "language"),
    [
        # An invitation said to be needless, a messenger named as what a watch shows, thanks
        # for an opinion given: none asks the buyer anything.
        (f"{ORDER} No need to email us separately, this thread is enough.", "amazon.com", "en"),
        (
            f"{ORDER} The watch shows WhatsApp notifications once the app may send them.",
            "amazon.com",
            "en",
        ),
        (
            f"Commande {OID}. Elle affiche les notifications Instagram si l'application le permet.",
            "amazon.fr",
            "fr",
        ),
        (
            f"Commande {OID}. Merci pour votre avis sur le couvercle, nous l'avons transmis.",
            "amazon.fr",
            "fr",
        ),
    ],
)
def test_what_asks_nothing_of_the_buyer_stays(text: str, marketplace: str, language: str) -> None:
    assert_clean(text, marketplace=marketplace, language=language)


def test_an_invitation_to_a_messenger_still_goes() -> None:
    report = run(f"{ORDER} It ships today. Message us on WhatsApp for faster answers.")
    assert ("off_platform", "fixed") in rules(report)


@pytest.mark.parametrize(
    "sentence",
    [
        "We do not offer phone support, but message us on WhatsApp for faster answers.",
        "There is no need to wait, but you can also message us on WhatsApp.",
    ],
)
def test_a_negation_before_a_contrast_does_not_cover_what_follows(sentence: str) -> None:
    report = run(f"{ORDER} It ships today. {sentence}")
    assert ("off_platform", "fixed") in rules(report)
