"""external_link and insecure_link."""

from __future__ import annotations

import pytest

from tests.guardrails.support import OID, assert_clean, assert_offsets, assert_removed, rules, run

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "fixed", "rule"),
    [
        (
            f"{ORDER} For the wiring diagram see https://shop.example.com/hx2000 please.",
            f"{ORDER} For the wiring diagram please.",
            "external_link",
        ),
        (
            f"{ORDER} The guide is on www.example.de, page 4.",
            f"{ORDER}",  # "The guide is, page 4." does not read: the sentence goes
            "external_link",
        ),
        (
            f"{ORDER} The guide for your blender is on shop.example.com as a download.",
            f"{ORDER}",
            "external_link",
        ),
        (
            f"{ORDER} Read [our setup guide](https://shop.example.com/guide) before first use.",
            f"{ORDER} Read our setup guide before first use.",
            "external_link",
        ),
        (
            f'{ORDER} Read <a href="https://shop.example.com/guide">the guide</a> first.',
            f"{ORDER} Read the guide first.",
            "external_link",
        ),
        (
            f"{ORDER} The survey at bit.ly/3xYz helps us improve our packaging a lot.",
            f"{ORDER} The survey helps us improve our packaging a lot.",
            "external_link",
        ),
        (
            f"{ORDER} Log in at https://amazon.de.evil.com/signin to see the refund status.",
            f"{ORDER} Log in to see the refund status.",
            "external_link",
        ),
        (
            f"{ORDER} The old manual is at http://manuals.example.com/hx.pdf in our archive.",
            f"{ORDER} The old manual is in our archive.",
            "insecure_link",
        ),
        (
            f"{ORDER} The listing is http://www.amazon.de/dp/B08N5WRWNW as before.",
            f"{ORDER} The listing is https://www.amazon.de/dp/B08N5WRWNW as before.",
            "insecure_link",
        ),
        (
            f"{ORDER} Photo: ![damage](http://img.example.com/a.png) as discussed.",
            f"{ORDER} Photo: as discussed.",
            "insecure_link",
        ),
    ],
)
def test_links_are_removed_or_upgraded(text: str, fixed: str, rule: str) -> None:
    report = run(text, marketplace="amazon.de", language="en")
    assert report.text == fixed
    # A markdown image removed for its host is on record as a formatting fault as well.
    image = [("formatting", "fixed")] if "![" in text and rule != "formatting" else []
    assert rules(report) == [(rule, "fixed"), *image]
    assert report.passed
    assert_offsets(text, report)


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://amazon.de@evil.com/login", "external_link"),  # the host is evil.com
        ("https://аmazon.de/login", "external_link"),  # Cyrillic "а"
        ("https://www.amazon.de.evil.com/login", "external_link"),
        ("https://forms.gle/abc", "external_link"),
        ("https://amzn.to/3abc", "external_link"),
        ("ftp://files.example.com/a", "external_link"),
        ("http://smile.amazon.de/x", "insecure_link"),
    ],
)
def test_lookalike_and_short_links(url: str, rule: str) -> None:
    text = f"{ORDER} The refund form is at {url} for you and your family."
    report = run(text, marketplace="amazon.de", language="en")
    assert rules(report) == [(rule, "fixed")]
    assert report.findings[0].match == url


def test_url_ends_where_japanese_text_starts() -> None:
    text = f"{ORDER} 詳細はhttps://shop.example.com/helpをご覧ください。"
    report = run(text, marketplace="amazon.co.jp", language="en")
    assert report.text == f"{ORDER}"  # "for details see <link>" has nothing else to say
    assert report.findings[0].match == "https://shop.example.com/help"


def test_amazon_link_in_html_keeps_text_and_url() -> None:
    text = f'{ORDER} See <a href="https://www.amazon.de/dp/B08N5WRWNW">the listing</a>.'
    report = run(text, marketplace="amazon.de", language="en")
    assert report.text == f"{ORDER} See the listing (https://www.amazon.de/dp/B08N5WRWNW)."
    assert rules(report) == [("formatting", "fixed")]


def test_link_whose_text_is_a_url_goes_entirely() -> None:
    text = f"{ORDER} The hinge drawing is on [shop.example.com](https://shop.example.com) too."
    report = run(text)
    assert report.text == ORDER  # "The hinge drawing is too." would not read
    assert rules(report) == [("external_link", "fixed")]


def test_sentence_that_only_carried_the_link_is_removed() -> None:
    text = f"Details: https://shop.example.com/x\n\n{ORDER} The refund is on its way."
    report = run(text)
    assert report.text == f"{ORDER} The refund is on its way."
    (finding,) = report.findings
    assert finding.match == "https://shop.example.com/x"
    assert "whole sentence" in finding.message


def test_message_names_the_link_and_the_reason() -> None:
    report = run(f"{ORDER} Download it at https://shop.example.com/x today.")
    (finding,) = report.findings
    assert finding.match == "https://shop.example.com/x"
    assert "https://shop.example.com/x" in finding.message
    assert "Amazon" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} See https://www.amazon.de/dp/B08N5WRWNW for the listing.",
        f"{ORDER} Your return label: https://sellercentral.amazon.de/returns/label.",
        f"{ORDER} You ordered on amazon.de and Amazon.com ships it.",
        f"{ORDER} The manual.pdf and photo.jpg are attached; also see readme.txt.",
        f"{ORDER} Use 3.5 mm screws, e.g. the spare ones; v1.2.3 firmware; z.B. heute.",
        f"{ORDER} It fits the HX-2000.It was tested, thanks.Best wishes.",
        f"{ORDER} Trailing [note] (not a link) and a < b > c.",
    ],
)
def test_legitimate_dots_and_amazon_links_survive(text: str) -> None:
    assert_clean(text, marketplace="amazon.de", language="en")


@pytest.mark.parametrize(
    ("text", "marketplace", "address"),
    [
        (f"{ORDER} Mehr auf shop-berlin punkt de Schrägstrich hilfe.", "amazon.de", "shop-berlin"),
        (f"{ORDER} See example dot com slash support for more.", "amazon.com", "example"),
        (f"{ORDER} Visite tiendamoda punto com barra ayuda.", "amazon.es", "tiendamoda"),
        (f"{ORDER} Dettagli su www . negozio . it oggi.", "amazon.it", "negozio"),
        (f"{ORDER} Voir monsite (point) fr pour la suite.", "amazon.fr", "monsite"),
        (f"注文{OID}の詳細はｗｗｗ．ｓｈｏｐ－ｓａｍｐｌｅ．ｊｐへ。", "amazon.co.jp", "ｓｈｏｐ"),
        (f"注文{OID}の詳細はsample-shopドットcomへ。", "amazon.co.jp", "sample-shop"),
    ],
)
def test_spelt_out_and_full_width_addresses_are_removed(
    text: str, marketplace: str, address: str
) -> None:
    assert_removed(text, "external_link", address, marketplace=marketplace)


@pytest.mark.parametrize(
    ("text", "marketplace"),
    [
        (f"{ORDER} À ce point de vue, tout va bien. Le point relais est ouvert.", "amazon.fr"),
        (f"{ORDER} El punto es que llega mañana. Este punto es importante.", "amazon.es"),
        (f"{ORDER} Press the small dot at the top, then the red dot on the side.", "amazon.com"),
        (f"{ORDER} Version 2 . 1 fixes it; see point 3 . 2 of the manual.", "amazon.com"),
        (f"{ORDER} Der Punkt ist: Seite 4 . 2 beachten. Sie ist da. Punkt.", "amazon.de"),
        (f"{ORDER} Il punto di ritiro è aperto. Questo punto io lo conosco.", "amazon.it"),
    ],
)
def test_ordinary_points_and_dots_are_not_addresses(text: str, marketplace: str) -> None:
    assert_clean(text, marketplace=marketplace)


def test_a_markdown_image_from_outside_is_a_link_and_a_formatting_fault() -> None:
    text = f"{ORDER} Here is a photo: ![box](https://i.imgur.com/abc.png) of the part."
    report = run(text)
    assert rules(report) == [("external_link", "fixed"), ("formatting", "fixed")]
    assert "imgur" not in report.text
    assert_offsets(text, report)


@pytest.mark.parametrize(
    ("text", "fixed", "language"),
    [
        # A host of kana or kanji after a scheme; the link still ends where Japanese resumes.
        (
            f"{ORDER} 詳しくは https://ショップ.jp/help をご覧ください。明日発送いたします。",
            f"{ORDER} 明日発送いたします。",
            "ja",
        ),
        (
            f"{ORDER} 交換品は明日発送いたします。http://ああ.com",
            f"{ORDER} 交換品は明日発送いたします。",
            "ja",
        ),
        # Accented letters in a bare domain's name.
        (
            f"{ORDER} You can compare it with the model on tiendaespaña.com if you like.",
            f"{ORDER} You can compare it with the model if you like.",
            "en",
        ),
    ],
)
def test_internationalised_hosts_are_links(text: str, fixed: str, language: str) -> None:
    report = run(text, language=language)
    assert report.text == fixed
    assert {f.rule for f in report.findings} <= {"external_link", "insecure_link"}


def test_a_link_whose_text_names_amazon_but_goes_elsewhere_loses_its_text() -> None:
    text = f"{ORDER} Start it on [Amazon's returns page](https://amazon-returns.example.com/go)."
    report = run(text)
    assert "Amazon" not in report.text
    assert ("external_link", "fixed") in rules(report)
