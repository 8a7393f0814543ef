"""Tables and API schemas (`service.store.models`): what a request may hold, the enums, the
views a stored draft offers its public models, and findings as stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

import guardrails
from service.store.models import (
    EXCERPT_CHARS,
    ApproveRequest,
    CheckRequest,
    Draft,
    DraftDetail,
    DraftListItem,
    DraftPublic,
    DraftRequest,
    DraftStatus,
    MessageKind,
    RejectRequest,
    UTCDateTime,
    excerpt,
    findings_json,
    findings_of,
)
from tests.conftest import ORDER_ID, draft_request
from tests.factories import draft_request_with
from tests.service.ops.support import at, draft, finding, store

POLICY = {
    "message_kind": "reply",
    "respond_by": "2026-11-11T08:00:00+00:00",
    "contact_window_ends_at": None,
    "within_contact_window": True,
}
PLUS_ONE = timezone(timedelta(hours=1))


def invalid(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as error:
        DraftRequest.model_validate(body)
    return str(error.value)


# --- What a request may hold --------------------------------------------------------------


def test_the_order_id_is_amazons_3_7_7_form_spaces_aside() -> None:
    accepted = DraftRequest.model_validate(draft_request_with("order.order_id", f" {ORDER_ID}\n"))
    assert accepted.order.order_id == ORDER_ID
    for bad in ("1143941689-8772232", "114-394168-8772232", "ABC-3941689-8772232", ""):
        assert "3-7-7" in invalid(draft_request_with("order.order_id", bad))


@pytest.mark.parametrize(
    ("given", "domain"),
    [("amazon.de", "amazon.de"), ("A1PA6795UKMFR9", "amazon.de"), ("amazon.co.jp", "amazon.co.jp")],
)
def test_a_marketplace_is_stored_as_its_domain(given: str, domain: str) -> None:
    body = draft_request_with("order.marketplace", given)
    assert DraftRequest.model_validate(body).order.marketplace == domain


def test_an_unknown_marketplace_is_refused() -> None:
    assert "unknown marketplace" in invalid(draft_request_with("order.marketplace", "amazon.xyz"))


@pytest.mark.parametrize("locale", ["de", "de-DE", "de_DE", "pt-BR", "ja"])
def test_locales_in_either_spelling_are_accepted(locale: str) -> None:
    body = draft_request_with("message.language", locale)
    assert DraftRequest.model_validate(body).message.language == locale


@pytest.mark.parametrize("locale", ["german!", "d", "de-DE-x-" + "a" * 20])
def test_anything_else_as_a_locale_is_refused(locale: str) -> None:
    message = invalid(draft_request_with("message.language", locale))
    assert "locale" in message or "at most 20" in message


def test_blank_texts_are_refused_where_a_text_is_needed() -> None:
    assert "text is blank" in invalid(draft_request_with("message.text", " \n\t "))
    with pytest.raises(ValidationError, match="text is blank"):
        CheckRequest.model_validate(
            {"text": "  ", "order_id": ORDER_ID, "marketplace": "amazon.com"}
        )
    with pytest.raises(ValidationError, match="text is blank"):
        RejectRequest.model_validate({"agent_id": "anna", "reason": "   "})
    with pytest.raises(ValidationError, match="text is blank"):
        ApproveRequest.model_validate({"agent_id": " "})


@pytest.mark.parametrize(
    "path", ["message.text", "message.subject", "order.buyer_name", "order.items", "thread"]
)
@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b", "\udfff"])
def test_nul_and_lone_surrogates_cannot_reach_storage(path: str, bad: str) -> None:
    value: Any = bad
    if path == "order.items":
        value = [{"title": bad}]
    elif path == "thread":
        value = [{"from": "buyer", "text": bad}]
    with pytest.raises(ValidationError) as error:
        DraftRequest.model_validate(draft_request_with(path, value))
    [problem] = error.value.errors()
    assert ".".join(str(part) for part in problem["loc"]).startswith(path)


def test_the_refusal_names_the_characters() -> None:
    message = invalid(draft_request_with("message.text", "hello\x00world"))
    assert "text contains a NUL character or an unpaired surrogate" in message


def test_a_time_without_a_zone_is_utc_and_a_zone_given_is_kept() -> None:
    naive = DraftRequest.model_validate(
        draft_request_with("message.received_at", "2026-11-20T09:15:00")
    )
    assert naive.message.received_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    aware = DraftRequest.model_validate(
        draft_request_with("order.shipped_at", "2026-11-20T10:15:00+01:00")
    )
    assert aware.order.shipped_at is not None
    assert aware.order.shipped_at.utcoffset() == timedelta(hours=1)


def test_unknown_fields_are_ignored_and_the_thread_says_who_wrote() -> None:
    body = draft_request() | {"helpdesk": {"ticket": 7}}
    body["thread"] = [{"from": "seller", "text": "Thanks!", "channel": "email"}]
    request = DraftRequest.model_validate(body)
    assert request.thread[0].sender == "seller"
    assert "helpdesk" not in request.model_dump()
    assert request.model_dump(by_alias=True)["thread"][0]["from"] == "seller"


# --- Timestamps in the database -----------------------------------------------------------


def test_timestamps_are_stored_as_utc_and_read_back_aware() -> None:
    column = UTCDateTime()
    dialect = sqlite.dialect()
    berlin_morning = datetime(2026, 11, 20, 10, 15, tzinfo=PLUS_ONE)
    assert column.process_bind_param(berlin_morning, dialect) == datetime(
        2026, 11, 20, 9, 15, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(datetime(2026, 11, 20, 9, 15), dialect)
    # SQLite gives back what it stored without a zone: that is UTC.
    read = column.process_result_value(datetime(2026, 11, 20, 9, 15), dialect)
    assert read == datetime(2026, 11, 20, 9, 15, tzinfo=UTC) and read.tzinfo is UTC
    assert column.process_bind_param(None, dialect) is None


def test_a_draft_keeps_its_instants_on_either_database(db_url: str) -> None:
    received = datetime(2026, 11, 20, 10, 15, tzinfo=PLUS_ONE)
    row = draft(received_at=received, policy=POLICY)
    engine = store(db_url, [row])
    try:
        with Session(engine) as session:
            loaded = session.get(Draft, row.id)
            assert loaded is not None
            assert loaded.received_at == received and loaded.received_at.utcoffset() == timedelta(0)
        naive = draft(received_at=datetime(2026, 11, 20, 9, 15), policy=POLICY)
        with (
            pytest.raises(sa.exc.StatementError, match="naive datetime"),
            Session(engine) as session,
        ):
            session.add(naive)
            session.commit()
    finally:
        engine.dispose()


# --- Statuses and kinds -------------------------------------------------------------------


def test_statuses_and_message_kinds_are_their_values() -> None:
    assert [s.value for s in DraftStatus] == ["pending", "blocked", "approved", "rejected"]
    assert DraftStatus.open() == (DraftStatus.pending, DraftStatus.blocked)
    assert DraftStatus.approved == "approved"
    assert [k.value for k in MessageKind] == ["reply", "acknowledgement", "proactive"]
    with pytest.raises(ValidationError, match="'pending', 'blocked', 'approved' or 'rejected'"):
        draft(status="sent")
    with pytest.raises(ValidationError):
        draft(message_kind="newsletter")


# --- Views of a stored draft --------------------------------------------------------------


def test_message_and_order_are_read_from_the_stored_request() -> None:
    row = draft(policy=POLICY)
    assert row.message == {"text": "Where is my parcel?"}
    assert row.order["buyer_name"] == "Jane" and row.buyer_name == "Jane"
    assert row.draft_id == row.id
    proactive = draft(
        request={"order": {"order_id": ORDER_ID}}, message_kind="proactive",
        proactive_kind="usage_guide", policy=POLICY,
    )  # fmt: skip
    assert proactive.message == {"text": "", "proactive_kind": "usage_guide"}
    assert proactive.buyer_name is None and proactive.message_excerpt == ""
    assert draft(request={}, policy=POLICY).order == {}


def test_generator_guardrails_and_review_are_grouped_for_the_api() -> None:
    row = draft(
        generator_kind="llm", generator_model="gpt-4o-mini", latency_ms=812,
        prompt_version="draft_reply@abc", prompt_tokens=321, completion_tokens=87,
        guardrails_passed=False, policy_version="2026.11",
        findings=[finding("emoji")], policy=POLICY,
    )  # fmt: skip
    assert row.generator == {
        "kind": "llm", "model": "gpt-4o-mini", "latency_ms": 812, "fallback_reason": None,
        "prompt_version": "draft_reply@abc",
        "usage": {"prompt_tokens": 321, "completion_tokens": 87}, "repairs": [], "quality": [],
        "intent_choice": None,
    }  # fmt: skip
    assert row.guardrails == {
        "passed": False, "policy_version": "2026.11", "findings": [finding("emoji")],
    }  # fmt: skip
    assert row.review is None
    reviewed = draft(
        status="rejected", reviewed_by="ben", reviewed_at=at(12), reject_reason="wrong tone",
        policy=POLICY,
    )  # fmt: skip
    assert reviewed.review == {
        "reviewed_by": "ben", "reviewed_at": at(12), "edited": None, "edit_ratio": None,
        "undone_fixes": [], "reason": "wrong tone",
    }  # fmt: skip


def test_the_excerpt_is_the_message_on_one_line_cut_to_fit() -> None:
    assert excerpt("  Where is\n\n my   parcel?  ") == "Where is my parcel?"
    assert excerpt(None) == ""
    fits = "x" * EXCERPT_CHARS
    assert excerpt(fits) == fits
    cut = excerpt("y" * (EXCERPT_CHARS + 1))
    assert cut == "y" * (EXCERPT_CHARS - 1) + "…" and len(cut) == EXCERPT_CHARS
    row = draft(request={"message": {"text": "A\nlong\tstory " * 40}, "order": {}}, policy=POLICY)
    assert row.message_excerpt.startswith("A long story A long story")
    assert len(row.message_excerpt) == EXCERPT_CHARS


def test_the_public_models_read_a_draft_as_the_api_answers_it() -> None:
    row = draft(policy=POLICY | {"acknowledgement_suggested": True}, tags=["Shipping"])
    public = DraftPublic.model_validate(row).model_dump(mode="json")
    assert public["draft_id"] == row.id
    assert public["generator"]["usage"] == {"prompt_tokens": 0, "completion_tokens": 0}
    assert public["guardrails"] == {"passed": True, "policy_version": "2026.11", "findings": []}
    assert public["policy"]["acknowledgement_suggested"] is True
    assert public["policy"]["answer_by"] is None  # absent on older drafts: None, not an error
    assert public["review"] is None and public["tags"] == ["Shipping"]
    assert "raw_text" not in public and "request" not in public  # only the detail shows them
    item = DraftListItem.model_validate(row).model_dump()
    assert (item["buyer_name"], item["message_excerpt"]) == ("Jane", "Where is my parcel?")
    detail = DraftDetail.model_validate(row, update={"history": []})
    # Typed, and served as sent: GET /drafts/{id} leaves out what the request left out.
    assert detail.message.model_dump(mode="json", exclude_unset=True) == row.message
    assert detail.raw_text == "text"


# --- Findings as stored -------------------------------------------------------------------


def test_findings_round_trip_through_json() -> None:
    report = guardrails.check(
        "Hi, see https://shop.example.com or mail a@b.com",
        order_id=ORDER_ID,
        marketplace="amazon.com",
    )
    assert report.findings
    stored = findings_json(report.findings)
    assert all(
        set(item) == {"rule", "action", "match", "start", "end", "message"} for item in stored
    )
    assert findings_of(stored) == list(report.findings)
    assert findings_json([]) == [] and findings_of([]) == []
