"""The error base of domain code (`service.errors`): a status per class, one per instance when
given, and the detail kept as the object it was."""

from __future__ import annotations

import pytest

from service.errors import NotFound, ServiceError, Unavailable


@pytest.mark.parametrize(
    ("error", "status"), [(ServiceError, 400), (NotFound, 404), (Unavailable, 503)]
)
def test_each_class_has_its_status(error: type[ServiceError], status: int) -> None:
    assert error("x").status_code == status


def test_a_status_given_to_one_error_is_that_errors_alone() -> None:
    conflict = ServiceError("taken", status_code=409)
    assert conflict.status_code == 409
    assert ServiceError("other").status_code == 400
    assert NotFound("x", status_code=410).status_code == 410
    assert NotFound("y").status_code == 404


def test_the_detail_is_kept_as_given_and_the_message_is_its_text() -> None:
    detail = {"rule": "contact_window", "ends_at": "2026-12-02"}
    error = ServiceError(detail, status_code=422)
    assert error.detail is detail
    assert str(error) == str(detail)
    with pytest.raises(ServiceError, match="no draft 'abc'"):
        raise NotFound("no draft 'abc'")
