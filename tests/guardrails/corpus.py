"""Drafts for the whole-pipeline tests: hand-written ones and ~50 generated from fragments.

The generator is seeded, so a failure names a case that reproduces. It mixes legitimate
sentences (that must survive) with every kind of violation in every position: inside sentences,
as whole sentences, at the start and end of the text, next to each other, inside bullets.
"""

from __future__ import annotations

import random

from tests.guardrails.support import OID, OTHER_OID

LEGIT = [
    "Thank you for your message.",
    "We are sorry the blender arrived damaged.",
    "We issued a 20% partial refund of $24.99.",
    "Tracking: 1Z999AA10123456784 (UPS).",
    "The replacement HX-2000 ships on 2026-11-20.",
    "It measures 20 x 15 x 5 cm and weighs 3.5 kg.",
    "We are available 9:00-17:00, Monday to Friday.",
    "See https://www.amazon.com/dp/B08N5WRWNW for the listing.",
    "The manual.pdf is attached, e.g. for the wiring.",
    "We reviewed your case.",
    "Thank you for your feedback.",
    "Our VAT number is DE123456789.",
    f"Your order {OID} is covered.",
]
SENTENCE_VIOLATIONS = [
    "Use coupon code SAVE10 for 10% off!",
    "Follow us on Instagram for tips.",
    "Sign up for our newsletter to hear about deals.",
    "Check out our other products too.",
]
INLINE = [
    "https://shop.example.com/help",
    "www.example.de",
    "bit.ly/abc",
    "support@shop.example.com",
    "info [at] shop [dot] com",
    "+1 415-555-2671",
    "+49 30 12345678",
    "[our shop](https://shop.example.com)",
    "http://manuals.example.com/hx.pdf",
]
TEMPLATES = [
    "If you need anything else, reach us at {x} during the week.",
    "More details: {x}.",
    "The spare part ({x}) ships today.",
    "{x} Thanks again for your patience.",
    "You can also find the wiring diagram on {x} or in the box.",
]
DECORATION = ["😊", "🎉🎉", ":)", "!!!", "👍🏽"]
GREETINGS = [
    "Hello Jane,",
    "Hi Tom,",
    "Dear Mr. Smith,",
    "Hallo Herr Müller,",
    "Bonjour Marie,",
    "",
]
SIGNATURES = ["Best regards,\nAnna", "Anna | Tel: +49 30 12345678 | www.shop.example.com", "Anna"]
GONE = [
    "shop.example.com",
    "example.de",
    "bit.ly",
    "@",
    "[at]",
    "415",
    "30 12345678",
    "SAVE10",
    "Instagram",
    "newsletter",
    "other products",
    "😊",
    "🎉",
    ":)",
    "!!!",
    "<b>",
    "👍",
    OTHER_OID,
    "http://",
]

HANDWRITTEN = [
    (
        f"Hello Jane,\n\nSorry for the delay with order {OTHER_OID} 😊. For a faster answer, you "
        "can also reach our warranty team at support@shop.example.com or on +1 415-555-2671 "
        "during office hours. You can download the manual from https://shop.example.com/manuals "
        "as well.\n\nUse coupon code SAVE10 for 10% off your next order!\n\nBest regards,\nAnna"
    ),
    f"<p>Hello <b>Jane</b>,</p><p>Thanks!!! {OID} PLEASE DO NOT OPEN THE BOX :)</p>",
    f"Hallo,\n\nTel.: 030 12345678\nE-Mail: info [at] shop [dot] de\n\n\n\nBestellung {OID}",
    "- Use code SAVE10 for 10% off\n- Refund issued\n- Visit https://shop.example.com",
    f"Reach us at https://shop.example.com/help (24/7). Order {OID}",
    f"Order {OID} (see amazon.de.evil.com/login) thanks",
    "田中様\n\nご注文３０５－１２３４５６７－７６５４３２１ありがとうございます😊。",
    "",
    "Use coupon SAVE10!",
]


def generated(count: int = 50, seed: int = 20261127) -> list[str]:
    rng = random.Random(seed)
    drafts = []
    for _ in range(count):
        paragraphs = []
        for _ in range(rng.randint(1, 4)):
            sentences = []
            for _ in range(rng.randint(1, 3)):
                roll = rng.random()
                if roll < 0.45:
                    sentence = rng.choice(LEGIT)
                elif roll < 0.6:
                    sentence = rng.choice(SENTENCE_VIOLATIONS)
                elif roll < 0.9:
                    sentence = rng.choice(TEMPLATES).format(x=rng.choice(INLINE))
                else:
                    sentence = f"The case for order {OTHER_OID} is <b>closed</b>."
                if rng.random() < 0.2:
                    decoration = rng.choice(DECORATION)
                    glue = "" if decoration == "!!!" else " "
                    sentence = sentence.rstrip(".!") + glue + decoration
                sentences.append(sentence)
            bullet = rng.random() < 0.2
            joiner = "\n- " if bullet else " "
            paragraphs.append(("- " if bullet else "") + joiner.join(sentences))
        breaks = rng.choice(["\n\n", "\n\n", "\n", "\n\n\n\n", "<br><br>"])
        text = breaks.join([rng.choice(GREETINGS), *paragraphs, rng.choice(SIGNATURES)])
        drafts.append(text.strip())
    return drafts


CORPUS = HANDWRITTEN + generated()
