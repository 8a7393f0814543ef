"""Shared helpers for the guardrails tests."""

from __future__ import annotations

from guardrails import Report, check
from guardrails.marketplaces import HOME_MARKETPLACE

OID = "114-3941689-8772232"
OTHER_OID = "305-1234567-7654321"


def run(text: str, *, marketplace: str = "amazon.com", language: str | None = None) -> Report:
    return check(text, order_id=OID, marketplace=marketplace, language=language)


def run_home(text: str, language: str) -> Report:
    """``text`` after an order line, checked in ``language`` on that language's marketplace."""
    return run(f"Order {OID}. {text}", marketplace=HOME_MARKETPLACE[language], language=language)


def rules(report: Report) -> list[tuple[str, str]]:
    return [(f.rule, f.action) for f in report.findings]


def assert_offsets(text: str, report: Report) -> None:
    for f in report.findings:
        if f.start == f.end:
            assert f.match == "", f
        else:
            assert text[f.start : f.end] == f.match, f
        assert 0 <= f.start <= f.end <= len(text), f


def assert_clean(
    text: str, *, marketplace: str = "amazon.com", language: str | None = None
) -> None:
    """Legitimate text that already names the order comes back byte-identical, no findings."""
    report = run(text, marketplace=marketplace, language=language)
    assert report.findings == (), [f.message for f in report.findings]
    assert report.text == text
    assert report.passed


def found_rules(
    text: str, *, marketplace: str = "amazon.com", language: str | None = None
) -> set[str]:
    return {f.rule for f in run(text, marketplace=marketplace, language=language).findings}


def assert_removed(
    text: str, rule: str, gone: str, *, marketplace: str = "amazon.com", language: str | None = None
) -> None:
    """``rule`` is found and ``gone`` (the disguised part) is no longer in the fixed text."""
    report = run(text, marketplace=marketplace, language=language)
    assert rule in {f.rule for f in report.findings}, [f.message for f in report.findings]
    assert gone not in report.text, report.text
    assert_offsets(text, report)
