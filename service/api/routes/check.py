"""Guardrails for text an agent wrote by hand."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

import guardrails
from service import lanes
from service.api.deps import NowDep, require
from service.compose.pipeline import grounding_of, guard_context, order_dates
from service.store.models import MAX_CHECK_BYTES, CheckRequest, CheckResponse, findings_json

router = APIRouter(tags=["guardrails"])


@router.post("/check", response_model=CheckResponse, dependencies=[Depends(require("plugin"))])
async def check_text(body: CheckRequest, now: NowDep) -> CheckResponse:
    """Run the guardrails on a text and return the fixed text with findings."""
    size = len(body.text.encode("utf-8", "surrogatepass"))
    if size > MAX_CHECK_BYTES:
        raise HTTPException(413, f"text is {size:,} bytes; /check accepts at most 100 KB")
    ctx = guard_context(
        order_id=body.order_id,
        marketplace=body.marketplace,
        dates=body.order,
        language=body.language,
        message_kind=body.message_kind,
        attachments=body.attachments,
        now=body.sent_at or now,
        template_id=body.template_id,
        template_language=body.template_language,
        grounding=_grounding(body),
    )
    report = await lanes.cpu(guardrails.check, body.text, ctx)
    return CheckResponse(
        text=report.text,
        passed=report.passed,
        policy_version=report.policy_version,
        findings=findings_json(report.findings),
    )


def _grounding(body: CheckRequest) -> guardrails.Grounding | None:
    """The texts the request says the reply draws on, and the order's dates by event."""
    if body.grounding is None:
        return None
    dates = order_dates(body.order) if body.order else ()
    return grounding_of({}, texts=body.grounding, dates=dates)
