"""The public API of the guardrails (docs/api.md): check(), Report, Finding, POLICY_VERSION."""

from __future__ import annotations

import dataclasses
import json

import pytest

import guardrails
from guardrails import POLICY_VERSION, Finding, Report, check
from tests.guardrails.support import OID


def test_exports_and_policy_version() -> None:
    assert POLICY_VERSION == "2026.12"
    assert set(guardrails.__all__) == {
        "check",
        "context",
        "read_ahead",
        "warm_up",
        "Context",
        "Attachment",
        "Report",
        "Finding",
        "Grounding",
        "POLICY_VERSION",
    }


def test_report_is_frozen_and_serialises_to_json() -> None:
    report = check("Hi :)", order_id=OID, marketplace="amazon.com")
    assert isinstance(report, Report)
    assert report.policy_version == POLICY_VERSION
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(report, "text", "x")  # noqa: B010  (the assignment itself is what is tested)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is True
    assert data["policy_version"] == "2026.12"
    assert data["text"] == f"Hi\n\nOrder ID: {OID}"
    assert {f["rule"] for f in data["findings"]} == {"emoji", "order_id_missing"}
    assert set(data["findings"][0]) == {"rule", "action", "match", "start", "end", "message"}


def test_finding_to_dict() -> None:
    finding = Finding("emoji", "fixed", ":)", 3, 5, "Removed.")
    assert finding.to_dict() == {
        "rule": "emoji",
        "action": "fixed",
        "match": ":)",
        "start": 3,
        "end": 5,
        "message": "Removed.",
    }


@pytest.mark.parametrize(
    "marketplace", ["amazon.de", "www.amazon.de", "A1PA6795UKMFR9", "AMAZON.DE"]
)
def test_marketplace_as_domain_or_id(marketplace: str) -> None:
    report = check("Danke.", order_id=OID, marketplace=marketplace)
    assert report.text.startswith(f"Bestellnummer: {OID}")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"marketplace": "ebay.de"}, "unknown marketplace"),
        ({"order_id": "not-an-id"}, "order_id"),
        ({"language": "english please"}, "language"),
        ({"message_kind": "newsletter"}, "message_kind"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, str], error: str) -> None:
    args = {"order_id": OID, "marketplace": "amazon.com"} | kwargs
    with pytest.raises(ValueError, match=error):
        check("Hello", **args)


@pytest.mark.parametrize(("language", "label"), [("de-DE", "Bestellnummer"), ("fr_FR", "Numéro")])
def test_locale_forms_of_language(language: str, label: str) -> None:
    report = check("Merci.", order_id=OID, marketplace="amazon.com", language=language)
    assert report.text.startswith(label)


def test_proactive_kind_is_accepted() -> None:
    report = check(
        f"Order {OID}.", order_id=OID, marketplace="amazon.com", message_kind="proactive"
    )
    assert report.findings == ()


def test_order_id_argument_may_be_full_width() -> None:
    full_width = "１１４-３９４１６８９-８７７２２３２"
    assert check(f"Order {OID}.", order_id=full_width, marketplace="amazon.com").findings == ()


def test_a_finding_survives_its_json_form() -> None:
    report = check("See www.example.com", order_id=OID, marketplace="amazon.com")
    assert [Finding.from_dict(f.to_dict()) for f in report.findings] == list(report.findings)


def test_check_needs_a_context_or_the_order() -> None:
    with pytest.raises(ValueError, match="needs a context"):
        check("Hello")


def test_warm_up_builds_what_a_first_check_needs() -> None:
    guardrails.warm_up(["de"])
    report = check("Bitte bewerten Sie uns!", order_id=OID, marketplace="amazon.de")
    assert "review_solicitation" in {f.rule for f in report.findings}
