"""The rules added on top of the first cut: asks for reviews, incentives, off-platform,
placeholders, tone, language, Amazon duplicates, messenger IDs, and the limits."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from guardrails import check, context, phrases
from guardrails.pipeline import MAX_CHECK_LENGTH
from tests.guardrails.support import (
    OID,
    assert_clean,
    assert_offsets,
    found_rules,
    rules,
    run,
    run_home,
)

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "rule", "fixed"),
    [
        (
            f"{ORDER} The new jug ships today. If you are happy, a 5-star review would mean a lot!",
            "review_solicitation",
            f"{ORDER} The new jug ships today.",
        ),
        (
            f"{ORDER} Now that it works, could you update your review? The warranty still applies.",
            "review_solicitation",
            f"{ORDER} The warranty still applies.",
        ),
        (
            f"{ORDER} Please contact us before leaving negative feedback. The part ships Monday.",
            "review_solicitation",
            f"{ORDER} The part ships Monday.",
        ),
        (
            f"{ORDER} The refund is done. We'll add a $10 gift card once your review is posted.",
            "incentive",
            f"{ORDER} The refund is done.",
        ),
        (
            f"{ORDER} The part ships Monday. Next time, order directly from our website.",
            "off_platform",
            f"{ORDER} The part ships Monday.",
        ),
        (
            f"{ORDER} The part ships Monday. Follow @blenderx2_help for tips.",
            "off_platform",
            f"{ORDER} The part ships Monday.",
        ),
    ],
)
def test_sentence_rules_remove_the_sentence(text: str, rule: str, fixed: str) -> None:
    report = run(text)
    assert report.text == fixed
    assert (rule, "fixed") in rules(report)
    assert report.passed
    assert_offsets(text, report)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} Thank you for your feedback; we refunded you in full and sent a free spare.",
        f"{ORDER} We reviewed your case and issued a 20% partial refund.",
        f"{ORDER} Please reply to this message through Amazon messages if anything is unclear.",
        f"{ORDER} You can print the label from Your Orders on Amazon.",
        f"{ORDER} The @home series fits; the 5-speed motor is rated 1200 W.",
        f"{ORDER} The XXL and XXXL sizes are in stock; see [1] in the manual.pdf.",
    ],
)
def test_support_wording_is_not_a_violation(text: str) -> None:
    assert_clean(text)


def test_incentive_that_leaves_nothing_is_blocked() -> None:
    text = f"{ORDER}\n\nLeave us a 5-star review and we'll refund you 10 dollars!"
    report = run(text)
    assert ("incentive", "blocked") in rules(report)
    assert not report.passed
    assert "review" not in report.text


@pytest.mark.parametrize(
    "text",
    [
        f"Hi {{{{buyer_name}}}}, {ORDER}",
        f"Dear [Customer Name], {ORDER}",
        f"{ORDER} It arrives on <DELIVERY_DATE>.",
        f"{ORDER} Your refund of $XXX is approved.",
        f"〇〇様、ご注文{OID}の件です。",
        f"{ORDER} <<<BUYER_MESSAGE Where is my parcel?",  # a model echoing its prompt
        f"{ORDER} We ship today.\nKNOWLEDGE>>>",
        f"{ORDER} ‹‹‹TEMPLATE Your parcel is on its way.",
        f"{ORDER} Your parcel arrives on DD.Mm.YYYY.",  # a date format in mixed case too
    ],
)
def test_placeholders_block(text: str) -> None:
    report = run(text)
    assert ("placeholder", "blocked") in rules(report)
    assert not report.passed
    assert report.text == text  # only the agent knows the value
    assert_offsets(text, report)


@pytest.mark.parametrize(
    ("text", "marketplace", "left"),
    [
        (f"{ORDER} Your refund of $XX.XX is on its way.", "amazon.com", "$XX.XX"),
        (f"{ORDER} Sie erhalten XX,XX € zurück.", "amazon.de", "XX,XX"),
        (f"{ORDER} Die Lieferung kommt am TT.MM.JJJJ.", "amazon.de", "TT.MM.JJJJ"),
        (f"{ORDER} Livraison le jj/mm/aaaa.", "amazon.fr", "jj/mm/aaaa"),
        (f"{ORDER} Llega el DD/MM/AAAA.", "amazon.es", "DD/MM/AAAA"),
        (f"Estimado NOMBRE: {ORDER}", "amazon.es", "NOMBRE"),
        (f"Gentile <nome cliente>, {ORDER}", "amazon.it", "<nome cliente>"),
        (f"Dear <name>, {ORDER}", "amazon.com", "<name>"),
        (f"ご注文{OID}は＊＊月＊＊日に発送します。", "amazon.co.jp", "＊＊月＊＊日"),
        (f"ご注文{OID}の件です。\n【担当者名】", "amazon.co.jp", "【担当者名】"),
    ],
)
def test_values_left_as_their_format_or_a_bare_word_block(
    text: str, marketplace: str, left: str
) -> None:
    report = run(text, marketplace=marketplace)
    assert [(f.rule, f.action, f.match) for f in report.findings] == [
        ("placeholder", "blocked", left)
    ]


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} Sizes XL, XXL and XS; refund 12,99 €.", "amazon.com"),
        (f"{ORDER} THE CABLE IS INCLUDED: the DATA cable too.", "amazon.com"),
        (f"ご注文{OID}の商品は二〇〇〇年創業の工房で作られています。", "amazon.co.jp"),
        (f"{ORDER} Use <b>only</b> the supplied charger.", "amazon.com"),
        (f"{ORDER} Setting 3 > setting 2, and 5 >= 4.", "amazon.com"),
    ],
)
def test_formats_and_capitals_that_are_not_placeholders(text: str, marketplace: str) -> None:
    assert "placeholder" not in found_rules(text, marketplace=marketplace)


def test_unprofessional_wording_is_flagged_not_changed() -> None:
    text = f"{ORDER} Honestly, this is your own fault: you should have read the manual."
    report = run(text)
    assert {r for r in rules(report)} == {("unprofessional", "flagged")}
    assert report.text == text and report.passed


@pytest.mark.parametrize(
    ("text", "language", "word"),
    [
        ("The courier made a complete clusterfuck of the delivery.", "en", "clusterfuck"),
        ("Der Fahrer ist echt ein Arschloch gewesen.", "de", "Arschloch"),
        ("Ce transporteur est un vrai connard.", "fr", "connard"),
        ("La agencia ha hecho una chapuza de mierda.", "es", "mierda"),
        ("Il corriere ha fatto una cazzata enorme.", "it", "cazzata"),
    ],
)
def test_swear_words_from_the_published_list_are_flagged(
    text: str, language: str, word: str
) -> None:
    report = run_home(text, language)
    assert [(f.rule, f.action, f.match) for f in report.findings] == [
        ("unprofessional", "flagged", word)
    ]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Please send us the invoice by fax if that is easier.", "en"),
        ("ご注文の請求書はファックスでもお送りできます。", "ja"),
        ("Il supporto va montato con la pompa spenta e il tubo ben tirato.", "it"),
        ("La pédale du vélo se fixe avec la clé fournie.", "fr"),
    ],
)
def test_words_the_published_list_holds_in_another_sense_are_left_alone(
    text: str, language: str
) -> None:
    assert "unprofessional" not in {f.rule for f in run_home(text, language).findings}


def test_language_mismatch_blocks_only_confident_long_texts() -> None:
    english = (
        f"{ORDER} We are sorry the shelf arrived damaged. A free replacement ships tomorrow "
        "with DHL, and you can keep the damaged one."
    )
    report = check(english, order_id=OID, marketplace="amazon.de")
    assert ("language_mismatch", "blocked") in rules(report)
    assert check(english, order_id=OID, marketplace="amazon.de", language="en").passed
    assert check(f"{ORDER} Thanks!", order_id=OID, marketplace="amazon.de").passed


def test_amazon_duplicate_only_for_proactive_messages() -> None:
    text = f"Hello Jane,\n\nThank you for your order {OID}! It has shipped.\n\nBest regards,\nAnna"
    proactive = check(text, order_id=OID, marketplace="amazon.com", message_kind="proactive")
    assert ("amazon_duplicate", "blocked") in rules(proactive)
    assert check(text, order_id=OID, marketplace="amazon.com").findings == ()
    useful = text.replace("It has shipped.", "Which engraving text would you like on the lid?")
    assert check(useful, order_id=OID, marketplace="amazon.com", message_kind="proactive").passed


def test_a_confirmation_in_other_words_is_a_duplicate_by_the_sentence_model() -> None:
    """No confirmation phrase of the lexicon, but the sentence model is sure it only repeats
    Amazon's delivery notice; with a request beside it, the message has substance."""
    bare = f"Bonjour, commande {OID}. Votre colis est bien arrivé chez vous ce matin."
    ctx = context(order_id=OID, marketplace="amazon.fr", language="fr", message_kind="proactive")
    assert not phrases.find("amazon_duplicate", bare, "fr", only=("confirmations",))
    assert ("amazon_duplicate", "blocked") in rules(check(bare, ctx))
    asks = bare + " Pourriez-vous nous confirmer l'état de l'emballage ?"
    assert check(asks, ctx).passed


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        (f"{ORDER} LINE ID: kagu_support99 for quick questions.", "kagu_support99"),
        (f"{ORDER} Mobile: 0490 39 07 81", "0490"),
        (f"{ORDER} They can call me at 0494 92 82 32 tomorrow.", "0494"),
        (f"{ORDER} Desk: (898)666-3621x0135", "3621"),
    ],
)
def test_messenger_ids_and_cued_numbers_are_removed(text: str, gone: str) -> None:
    report = run(text)
    assert gone not in report.text
    # A messenger name also makes the sentence off-platform, which may take the number along.
    assert {"phone_number", "off_platform"} & {f.rule for f in report.findings}


def test_cued_pass_leaves_addresses_and_ip_numbers() -> None:
    assert_clean(f"{ORDER} Our office is at 17031 2202 Rissik St; the server is 36.160.14.148.")


def test_text_over_the_working_limit_is_blocked_unread() -> None:
    text = f"{ORDER} " + "We are sorry. " * (MAX_CHECK_LENGTH // 10)
    report = run(text)
    assert report.text == text
    assert rules(report) == [("length", "blocked")]


def test_check_endpoint_offsets_and_size_limit(client: TestClient) -> None:
    text = f"Hi Jane 😊 {ORDER} Mail me at anna@shop.example.com."
    body = {"text": text, "order_id": OID, "marketplace": "amazon.com"}
    response = client.post("/check", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    for finding in data["findings"]:
        if finding["end"] > finding["start"]:
            assert text[finding["start"] : finding["end"]] == finding["match"]
    assert "@" not in data["text"] and "😊" not in data["text"]
    assert client.post("/check", json=body | {"text": "a" * 60_000}).status_code == 200
    big = client.post("/check", json=body | {"text": "ä" * 50_001})
    assert big.status_code == 413, big.text


def test_a_longer_katakana_word_is_not_the_phrase_inside_it() -> None:
    """プレビュー (preview) contains レビュー (review) but is not a review request."""
    order = "114-3941689-8772232"
    head = f"お客様\n\nご注文番号：{order}\n"
    preview = (
        head + "デザインのプレビューをお送りしますので、ご確認ください。\n\nカスタマーサービス"
    )
    asked = head + "商品が届きました。レビューをお願いします。\n\nカスタマーサービス"
    kwargs = {"order_id": order, "marketplace": "amazon.co.jp", "language": "ja"}
    assert check(preview, **kwargs).findings == ()
    rules = [f.rule for f in check(asked, **kwargs).findings]
    assert rules == ["review_solicitation"]


def test_a_link_to_amazons_review_form_asks_for_a_review() -> None:
    text = f"{ORDER} Loved it? https://www.amazon.de/review/create-review?asin=B08N5WRWNW\n\nAnna"
    report = run(text, marketplace="amazon.de")
    assert "review_solicitation" in {f.rule for f in report.findings}
    assert "create-review" not in report.text
    listing = f"{ORDER} The listing: https://www.amazon.com/dp/B08N5WRWNW"
    assert_clean(listing)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} The f***ing courier lost it again.", "amazon.com"),
        (f"{ORDER} You installed it wrong, that is all.", "amazon.com"),
        (f"{ORDER} Wer lesen kann, ist klar im Vorteil.", "amazon.de"),
        (f"{ORDER} À votre âge, c'est normal de ne pas comprendre.", "amazon.fr"),
    ],
)
def test_masked_profanity_and_condescension_are_flagged(text: str, marketplace: str) -> None:
    report = run(text, marketplace=marketplace)
    assert ("unprofessional", "flagged") in rules(report) and report.text == text


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} Price: 5*3 = 15 pieces; see the *note* below.",
        f"{ORDER} Reading glasses ship today.",
    ],
)
def test_stars_and_glasses_are_not_rude(text: str) -> None:
    assert "unprofessional" not in found_rules(text)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} We can refund you via PayPal right away if you prefer.", "amazon.com"),
        (f"{ORDER} Senden Sie uns einfach Ihre IBAN mit, dann überweisen wir.", "amazon.de"),
        (f"{ORDER} Pour le remboursement, envoyez-nous votre RIB.", "amazon.fr"),
        (f"{ORDER} Next time, order directly and save the commission.", "amazon.com"),
        (f"{ORDER} Search for us on Google and use our contact form.", "amazon.com"),
    ],
)
def test_payments_and_contact_outside_amazon_go(text: str, marketplace: str) -> None:
    assert "off_platform" in found_rules(text, marketplace=marketplace)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} Your refund was issued to the original payment method.",
        f"{ORDER} Amazon never asks for your IBAN or a bank transfer by message.",
    ],
)
def test_refunds_through_amazon_stay(text: str) -> None:
    assert "off_platform" not in found_rules(text)


@pytest.mark.parametrize(
    ("text", "marketplace", "rule"),
    [
        (f"{ORDER} If you could amend your review now that it works, we'd be grateful.",
         "amazon.com", "review_solicitation"),
        (f"{ORDER} Please come to us first before posting anything publicly.", "amazon.com",
         "review_solicitation"),
        (f"{ORDER} Könnten Sie Ihre Bewertung vielleicht überdenken?", "amazon.de",
         "review_solicitation"),
        (f"{ORDER} We refund the shipping costs once your thoughts are up on the product page.",
         "amazon.com", "incentive"),
        (f"{ORDER} By the way, it pairs perfectly with our new grinder.", "amazon.com",
         "marketing"),
    ],
)  # fmt: skip
def test_indirect_asks_offers_and_cross_sells_go(text: str, marketplace: str, rule: str) -> None:
    assert rule in found_rules(text, marketplace=marketplace)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} We reviewed your case and refunded the shipping costs.", "amazon.com"),
        (f"{ORDER} Le remboursement est assorti d'un bon de retour.", "amazon.fr"),
        (f"{ORDER} The item is back in the warehouse and ships today.", "amazon.com"),
        # The carrier's card is an "avis" that asks for nothing.
        (
            f"{ORDER} Le facteur a laissé un avis de passage dans votre boîte aux lettres.",
            "amazon.fr",
        ),
        # Warnings against scams name channels without inviting anyone to use them.
        (
            f"{ORDER} We will never ask you to pay by WhatsApp or Telegram; that is fraud.",
            "amazon.com",
        ),
        (f"{ORDER} Nunca le pediremos datos bancarios por WhatsApp ni por correo.", "amazon.es"),
        # A coupon already used on the order explains the refund; it promotes nothing.
        (
            f"{ORDER} The coupon applied at checkout lowered what you paid, so the refund is "
            "the amount you were charged.",
            "amazon.com",
        ),
        (
            f"{ORDER} Da Sie den Gutschein bei der Bestellung eingelöst haben, erstatten wir "
            "den tatsächlich bezahlten Betrag.",
            "amazon.de",
        ),
    ],
)
def test_support_that_sounds_like_it_stays(text: str, marketplace: str) -> None:
    assert found_rules(text, marketplace=marketplace) <= {"order_id_missing"}


@pytest.mark.parametrize(
    ("text", "marketplace", "rule"),
    [
        (f"{ORDER} Merci de laisser un avis sur Amazon.", "amazon.fr", "review_solicitation"),
        (f"{ORDER} Write to us on WhatsApp for a faster answer.", "amazon.com", "off_platform"),
        (
            f"{ORDER} We refunded you; use coupon SAVE10 on your next order.",
            "amazon.com",
            "marketing",
        ),
    ],
)
def test_the_same_words_as_an_ask_still_go(text: str, marketplace: str, rule: str) -> None:
    assert rule in found_rules(text, marketplace=marketplace)


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("Quick questions also work on Telegram, where I am @werkstatt_ulm.", "@werkstatt_ulm"),
        ("LINEでも受け付けています（ID：@kagu_room）。", "@kagu_room"),
    ],
)
def test_a_handle_a_few_words_after_a_messenger_is_its_id(text: str, handle: str) -> None:
    from guardrails import messengers

    assert [s.match for s in messengers.detect_messengers(text)] == [handle]


def test_a_handle_far_from_any_messenger_is_no_id() -> None:
    from guardrails import messengers

    text = "Follow the line of the seam. Our designer @anna_k drew it with care."
    assert messengers.detect_messengers(text) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The lamp projects 5 stars and a moon onto the ceiling of the nursery.", "en"),
        ("Le projecteur affiche cinq étoiles et une lune au plafond de la chambre.", "fr"),
        ("星空プロジェクターは、5つの投影モードを搭載しております。", "ja"),
    ],
)
def test_a_number_of_stars_that_is_a_product_feature_is_no_review_ask(
    text: str, language: str
) -> None:
    assert "review_solicitation" not in {f.rule for f in run_home(text, language).findings}


@pytest.mark.parametrize(
    ("text", "language", "rule"),
    [
        ("If you are happy, five stars would make our day!", "en", "review_solicitation"),
        ("Wenn Sie zufrieden sind, freuen wir uns über 5 Sterne.", "de", "review_solicitation"),
        ("Für 5 Sterne schicken wir Ihnen ein zweites Exemplar kostenlos.", "de", "incentive"),
    ],
)
def test_a_number_of_stars_asked_for_or_paid_for_is_still_removed(
    text: str, language: str, rule: str
) -> None:
    report = run_home(text, language)
    assert (rule, "fixed") in rules(report) and text not in report.text
