"""Guardrails for text an agent wrote by hand."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

import guardrails
from service.api.deps import require
from service.store.models import MAX_CHECK_BYTES, CheckRequest, CheckResponse
from service.understand.analysis import language_code

router = APIRouter(tags=["guardrails"])


@router.post("/check", response_model=CheckResponse, dependencies=[Depends(require("plugin"))])
def check_text(body: CheckRequest) -> CheckResponse:
    """Run the guardrails on a text and return the fixed text with findings."""
    size = len(body.text.encode("utf-8", "surrogatepass"))
    if size > MAX_CHECK_BYTES:
        raise HTTPException(413, f"text is {size:,} bytes; /check accepts at most 100 KB")
    report = guardrails.check(
        body.text,
        order_id=body.order_id,
        marketplace=body.marketplace,
        language=language_code(body.language) if body.language else None,
        message_kind=body.message_kind,
    )
    return CheckResponse.model_validate(report.to_dict())
