"""Guardrails for text an agent wrote by hand."""

from __future__ import annotations

from fastapi import APIRouter, Depends

import guardrails
from service.analysis import language_code
from service.deps import require
from service.models import CheckRequest, CheckResponse

router = APIRouter(tags=["guardrails"])


@router.post("/check", response_model=CheckResponse, dependencies=[Depends(require("plugin"))])
def check_text(body: CheckRequest) -> CheckResponse:
    """Run the guardrails on a text and return the fixed text with findings."""
    report = guardrails.check(
        body.text,
        order_id=body.order_id,
        marketplace=body.marketplace,
        language=language_code(body.language) if body.language else None,
        message_kind=body.message_kind,
    )
    return CheckResponse.model_validate(report.to_dict())
