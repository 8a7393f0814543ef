"""Bad input: a clear 4xx naming the problem, never a 500, and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api.app import create_app
from tests.conftest import draft_request, repo_settings
from tests.factories import draft_request_with


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for all fuzz examples (hypothesis reuses it across examples)."""
    settings = repo_settings(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'replydesk.db'}")
    with TestClient(create_app(settings)) as client:
        yield client


def _count_drafts(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one()
    engine.dispose()
    return int(count)


def _without(path: str) -> dict[str, Any]:
    body = draft_request()
    *parents, leaf = path.split(".")
    node: Any = body
    for key in parents:
        node = node[key]
    del node[leaf]
    return body


CASES: list[tuple[str, Any, str]] = [
    ("missing message.text", _without("message.text"), "text"),
    ("missing order", _without("order"), "order"),
    ("missing order.order_id", _without("order.order_id"), "order_id"),
    ("missing marketplace", _without("order.marketplace"), "marketplace"),
    ("text is a number", draft_request_with("message.text", 42), "text"),
    ("text is blank", draft_request_with("message.text", "   "), "blank"),
    ("items not a list", draft_request_with("order.items", "B08N5WRWNW"), "items"),
    ("order id not 3-7-7", draft_request_with("order.order_id", "1143941689-8772232"), "3-7-7"),
    ("order id too short", draft_request_with("order.order_id", "114-394168-8772232"), "3-7-7"),
    (
        "unknown marketplace",
        draft_request_with("order.marketplace", "amazon.xyz"),
        "unknown marketplace",
    ),
    ("bad date", draft_request_with("message.received_at", "yesterday"), "received_at"),
    ("bad locale", draft_request_with("message.language", "not a locale!"), "locale"),
    ("NUL in text", draft_request_with("message.text", "hello\u0000world"), "NUL"),
    ("lone surrogate", draft_request_with("message.text", "hello \ud800"), "surrogate"),
    ("1 MB message", draft_request_with("message.text", "x" * 1_000_000), "text"),
    (
        "quantity zero",
        draft_request_with("order.items", [{"asin": "B08N5WRWNW", "quantity": 0}]),
        "quantity",
    ),
    ("bad asin", draft_request_with("order.items", [{"asin": "not-an-asin"}]), "asin"),
    ("thread sender", draft_request_with("thread", [{"from": "amazon", "text": "hi"}]), "from"),
]


@pytest.mark.parametrize(("name", "body", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_draft_request(
    name: str,
    body: Any,
    says: str,
    db_url: str,
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(database_url=db_url)
    # ensure_ascii keeps lone surrogates encodable: the server decodes them back.
    payload = json.dumps(body, ensure_ascii=True)
    response = client.post("/draft", content=payload, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert says.lower() in json.dumps(response.json()["detail"]).lower(), response.text
    assert _count_drafts(db_url) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b"message=hi", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
def test_non_json_bodies_are_4xx(content: bytes, content_type: str, client: TestClient) -> None:
    response = client.post("/draft", content=content, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"text": "hi", "order_id": "bad", "marketplace": "amazon.com"},
        {"text": "hi", "order_id": "114-3941689-8772232", "marketplace": "ebay.com"},
        {"text": "", "order_id": "114-3941689-8772232", "marketplace": "amazon.com"},
        {
            "text": "hi",
            "order_id": "114-3941689-8772232",
            "marketplace": "amazon.com",
            "message_kind": "newsletter",
        },
    ],
)
def test_bad_check_request(body: dict[str, Any], client: TestClient) -> None:
    response = client.post("/check", json=body)
    assert response.status_code == 422, response.text


def test_unknown_fields_are_ignored(client: TestClient) -> None:
    body = draft_request()
    body["order"]["fulfillment_channel"] = "AFN"
    body["helpdesk_ticket"] = {"id": 1}
    assert client.post("/draft", json=body).status_code == 201


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    """A valid request with one field somewhere replaced by an arbitrary JSON value."""
    paths = [
        "message",
        "message.text",
        "message.received_at",
        "message.language",
        "message.attachments",
        "order",
        "order.order_id",
        "order.marketplace",
        "order.buyer_name",
        "order.items",
        "order.tracking",
        "order.delivered_at",
        "thread",
        "instructions",
        "tone",
    ]
    return st.tuples(st.sampled_from(paths), json_values).map(lambda pv: draft_request_with(*pv))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_mutations())
def test_no_request_body_gets_a_500(body: dict[str, Any], fuzz_client: TestClient) -> None:
    # TestClient re-raises server errors, so any unhandled exception fails here.
    response = fuzz_client.post("/draft", json=body)
    assert response.status_code in (201, 413, 422), response.text


@settings(max_examples=100, deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from(["text", "order_id", "marketplace", "language", "message_kind"]),
        json_values,
    )
)
def test_no_check_body_gets_a_500(body: dict[str, Any], fuzz_client: TestClient) -> None:
    response = fuzz_client.post("/check", json=body)
    assert response.status_code in (200, 413, 422), response.text


FAR_FUTURE = "9999-12-31T23:59:59+00:00"


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (path, where)
        for path in ("/draft", "/triage", "/acknowledge", "/proactive")
        for where in ("message.received_at", "order.latest_delivery_date", "order.delivered_at")
        if not (path == "/proactive" and where.startswith("message."))  # it has no message
    ],
)
def test_a_timestamp_past_the_clocks_range_is_422_not_500(
    path: str, where: str, client: TestClient
) -> None:
    """Deadlines are worked out from these times: year 9999 overflowed that arithmetic."""
    body = draft_request_with(where, FAR_FUTURE)
    if path == "/proactive":  # the seller's own message: an order and a kind
        body = {"order": body["order"], "kind": "delivery_followup"}
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert "timestamp out of range" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "/stats?since=0001-01-01T00:00:00%2B14:00",  # before the calendar in UTC
        "/stats?until=9999-12-31T23:59:59-12:00",  # after it
        "/stats?until=0.5",  # a number is no date and time
        "/stats?since=1700000000",
        "/drafts?offset=9223372036854775808",  # past the database's 64-bit integers
        "/audits?offset=9223372036854775808",
    ],
)
def test_query_times_and_offsets_out_of_range_are_422(query: str, client: TestClient) -> None:
    response = client.get(query)
    assert response.status_code == 422, response.text


def test_an_audit_since_out_of_range_is_422(client: TestClient) -> None:
    response = client.post("/audit", json={"since": "0001-01-01T00:00:00+14:00"})
    assert response.status_code == 422, response.text
    assert "timestamp out of range" in response.text


@pytest.mark.parametrize(
    "order_id",
    ["１１４-３９４１６８９-８７７２２３２", "١١٤-٣٩٤١٦٨٩-٨٧٧٢٢٣٢"],  # full-width, Arabic-Indic
)
def test_an_order_id_in_other_digits_is_422_not_printed_into_a_reply(
    order_id: str, client: TestClient
) -> None:
    response = client.post("/draft", json=draft_request_with("order.order_id", order_id))
    assert response.status_code == 422, response.text
    assert "17-digit" in response.text
