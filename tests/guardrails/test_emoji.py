"""emoji: pictographs and emoticons."""

from __future__ import annotations

import pytest

from guardrails import emoji_rules
from guardrails.emoji_data import package_sequences
from tests.guardrails.support import OID, assert_clean, assert_offsets, rules, run
from tests.processes import fresh_python

ORDER = f"Order {OID}."


@pytest.mark.parametrize(
    ("text", "fixed", "count"),
    [
        (f"{ORDER} Thanks 😊!", f"{ORDER} Thanks!", 1),
        (
            f"{ORDER} Great news 🎉🎉 your parcel arrived 👍",
            f"{ORDER} Great news your parcel arrived",
            2,
        ),
        (f"👋 Hi Jane,\n\n{ORDER}", f"Hi Jane,\n\n{ORDER}", 1),
        (f"{ORDER} Family pack 👨‍👩‍👧 and 👍🏽 ❤️ inside.", f"{ORDER} Family pack and inside.", 3),
        (f"{ORDER} Step 1️⃣ is easy.", f"{ORDER} Step is easy.", 1),
        (f"{ORDER} Sorry about that :( we fix it :-)", f"{ORDER} Sorry about that we fix it", 2),
        (f"{ORDER} Thanks;) See you ^^", f"{ORDER} Thanks See you", 2),
        (f"{ORDER} Done :D.", f"{ORDER} Done.", 1),
    ],
)
def test_emoji_and_emoticons_are_removed(text: str, fixed: str, count: int) -> None:
    report = run(text)
    assert report.text == fixed
    assert rules(report) == [("emoji", "fixed")] * count
    assert_offsets(text, report)


@pytest.mark.parametrize(
    "text",
    [
        f"{ORDER} The Blender X2™ and Kettle® are © 2026 by us.",
        f"{ORDER} See https://www.amazon.com/dp/B08N5WRWNW and C:\\Manuals for it.",
        f"{ORDER} Open 9:00-17:00, ratio 16:9, note: (see below).",
        f"{ORDER} Size: 20 × 15 cm – fits devices ≤ 3 kg → see the manual.",
        f"{ORDER} ご注文ありがとうございます。",
    ],
)
def test_symbols_that_are_not_emoji_survive(text: str) -> None:
    assert_clean(text)


def test_the_shipped_sequences_are_the_emoji_packages() -> None:
    # data/emoji.txt is written from the emoji package; after upgrading it, run
    # `python -m guardrails.emoji_data` (this fails until then).
    assert emoji_rules.sequences() == package_sequences()


def test_emoji_joined_by_a_zwj_unicode_does_not_list_go_as_one() -> None:
    # Bear + ZWJ + climber is no sequence of Unicode's: both go, with the joiner between them,
    # which left alone would glue what stays around it.
    text = f"{ORDER} Have fun 🐻\u200d🧗 today."
    report = run(text)
    assert report.text == f"{ORDER} Have fun today."
    assert rules(report) == [("emoji", "fixed")]


def test_a_check_does_not_import_the_emoji_package() -> None:
    probe = (
        "import sys\nfrom guardrails import check\n"
        f"check('Danke 😊 für Ihre Bestellung.', order_id={OID!r}, marketplace='amazon.de')\n"
        "print('emoji' in sys.modules)\n"
    )
    assert fresh_python(probe).strip() == "False"
