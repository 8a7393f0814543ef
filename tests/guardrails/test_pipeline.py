"""The whole pipeline: overlaps, one finding per violation, offsets, convergence, idempotence."""

from __future__ import annotations

import builtins
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from guardrails import check, pipeline
from guardrails.sentences import LABEL_SEAM, SEAM
from guardrails.spans import Context, Span
from tests.guardrails.corpus import CORPUS, GONE, HANDWRITTEN
from tests.guardrails.support import OID, assert_clean, assert_offsets, rules, run

DRAFT = HANDWRITTEN[0]


def test_draft_full_of_violations_comes_out_clean_with_one_finding_each() -> None:
    report = run(DRAFT)
    assert report.text == (
        "Hello Jane,\n\n"
        f"Sorry for the delay with order {OID}. For a faster answer, you can also reach our "
        "warranty team during office hours. You can download the manual as well.\n\n"
        "Best regards,\nAnna"
    )
    assert rules(report) == [
        ("order_id_mismatch", "fixed"),
        ("emoji", "fixed"),
        ("email_address", "fixed"),
        ("phone_number", "fixed"),
        ("external_link", "fixed"),
        ("marketing", "fixed"),
    ]
    assert report.passed
    assert_offsets(DRAFT, report)
    for finding in report.findings:
        assert finding.message.endswith(".") and len(finding.message) > 30


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_corpus_fix_converges_and_reads_clean(index: int) -> None:
    text = CORPUS[index]
    report = run(text)
    out = report.text
    blocked = [f.message for f in report.findings if f.action == "blocked"]
    assert all("left no message" in m for m in blocked), blocked
    assert_offsets(text, report)
    again = run(out)
    assert again.text == out
    assert [f for f in again.findings if f.action != "flagged"] == []
    assert SEAM not in out and LABEL_SEAM not in out
    assert "\n\n\n" not in out
    assert not re.search(r"[ \t][.,;!?]|\(\s*\)|\( | \)|  |[ \t]$|^[ \t]|\A\s", out, re.M), out
    assert not re.search(r"<[a-z/][^>]*>", out), out
    for fragment in GONE:
        assert fragment not in out, fragment
    assert OID in out


def test_every_finding_has_a_rule_action_and_message() -> None:
    for text in CORPUS:
        for finding in run(text).findings:
            assert finding.rule and finding.message
            assert finding.action in ("fixed", "flagged", "blocked")


@pytest.mark.parametrize(
    "text",
    [
        f"Hello Jane,\n\nYour refund for order {OID} is on its way.\n\nBest regards,\nAnna",
        f"Order {OID}: we issued a 20% partial refund of $24.99 and sent a free replacement.",
        f"Order {OID}. Tracking 1Z999AA10123456784; ASIN B08N5WRWNW; model HX-2000.",
        f"Order {OID}. VAT DE123456789; 20 x 15 x 5 cm; 3.5 mm; 2026-11-20; 9:00-17:00.",
        f"Order {OID}. https://www.amazon.com/dp/B08N5WRWNW and manual.pdf.",
        f"Order {OID}. We reviewed your case. Thank you for your feedback.",
        f"Order {OID}.\n\n- one\n- two\n\n  indented  text stays  as written\n",
    ],
)
def test_clean_text_is_byte_identical(text: str) -> None:
    assert_clean(text)


def test_amazon_link_on_its_own_marketplace_survives() -> None:
    assert_clean(f"Order {OID}: https://www.amazon.de/dp/B08N5WRWNW", marketplace="amazon.de")


def test_sentence_removal_swallows_the_fixes_inside_it_and_still_names_them() -> None:
    text = f"Order {OID}. Use coupon SAVE10 at https://shop.example.com 😊! Thanks."
    report = run(text)
    assert report.text == f"Order {OID}. Thanks."  # one edit: the sentence
    fixed = [f for f in report.findings if f.action == "fixed"]
    assert [f.rule for f in fixed] == ["marketing", "external_link", "emoji"]
    link = fixed[1]
    assert text[link.start : link.end] == link.match == "https://shop.example.com"
    assert link.message.endswith("It went with its sentence, which another rule removed.")


def test_containing_span_wins_over_the_span_inside() -> None:
    # The phone number and the e-mail address sit inside the URL: one finding, for the URL.
    text = f"Order {OID}. Form: https://shop.example.com/c?tel=+14155552671&m=a@b.com for it."
    report = run(text)
    assert [f.match for f in report.findings] == [
        "https://shop.example.com/c?tel=+14155552671&m=a@b.com"
    ]


def test_length_is_flagged_on_the_fixed_text() -> None:
    long_text = f"Order {OID}. " + "We are sorry for the delay. " * 80
    report = run(long_text)
    (finding,) = report.findings
    assert (finding.rule, finding.action) == ("length", "flagged")
    assert report.passed
    short_after_fix = f"Order {OID}. " + "Use coupon SAVE10 now. " * 100
    assert "length" not in {f.rule for f in run(short_after_fix).findings}


def test_a_fix_that_does_not_converge_blocks_the_draft(monkeypatch: pytest.MonkeyPatch) -> None:
    def stubborn(text: str, *, ctx: Context) -> list[Span]:
        # A buggy detector whose fix re-creates what it fixes.
        at = text.find("zz")
        if at < 0:
            return []
        return [Span("formatting", "fixed", at, at + 2, "zz", "Fix zz.", replacement="zz")]

    monkeypatch.setattr(pipeline, "DETECTORS", (*pipeline.DETECTORS, stubborn))
    report = run(f"Order {OID}. Buzz.")
    assert not report.passed
    assert ("formatting", "blocked") in rules(report)


def test_no_io_and_no_network_during_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("guardrails did I/O during a check")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    international = "Call +81 3-1234-5678, +33 1 23 45 67 89, +61 2 9374 4000 or +55 11 2345-6789."
    for text in [*CORPUS[:10], international, "ß ﬁ 😊 ＣＯＵＰＯＮ 田中様"]:
        for marketplace in ("amazon.com", "amazon.co.jp", "amazon.com.br", "amazon.sa"):
            check(text, order_id=OID, marketplace=marketplace)


def test_concurrent_checks_agree_with_sequential_ones() -> None:
    expected = [run(text) for text in CORPUS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(run, CORPUS * 3))
    assert got == expected * 3
