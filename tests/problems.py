"""What an error answer is (service/api/problems.py): an RFC 9457 problem, checked whole."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol

from service.api.problems import MEDIA_TYPE


class Answer(Protocol):
    """An HTTP answer, of whichever client a test uses."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def problem(response: Answer, status: int, detail: Any = None) -> dict[str, Any]:
    """The problem ``response`` answers, after checking it is one with this status (and this
    detail, when given): its media type, ``type``, ``title`` and ``status`` members."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    if body["type"] == "about:blank":
        assert body["title"] == HTTPStatus(status).phrase
    if detail is not None:
        assert body["detail"] == detail
    return body
