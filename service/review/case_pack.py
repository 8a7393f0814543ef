"""A Seller Support case pack for one draft: what a case needs, in JSON and markdown.

A summary, the order ID, the message timeline (the thread the plugin sent, the buyer's
message, every draft for the same order with its approvals and rejections), the tracking facts,
the policies that apply (by escalation reason) and the deadlines. Built from stored rows only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, col, select

from service.store.models import Draft, DraftEvent

POLICIES: Final[dict[str, str]] = {
    "reply_time": "Contact Response Time: Amazon measures a reply within 24 hours of receipt, "
    "weekends and holidays included; auto-responders do not count.",
    "a_to_z_claim": "A-to-z Guarantee: answer Amazon's information request within 48 hours; an "
    "unanswered claim is granted to the buyer; a decision can be appealed within 30 days.",
    "chargeback": "Chargeback: answer Amazon's chargeback notification in Seller Central with the "
    "proof of delivery and tracking; never settle it outside Amazon.",
    "legal_threat": "Legal threat: no admission of liability in the reply; forward the matter to "
    "Seller Support (and counsel) with this pack; keep all contact in Buyer-Seller Messaging.",
    "safety_incident": "Product safety: report the incident in Seller Central (Account Health), "
    "ask for no product return until advised, and keep the buyer's description and photos.",
    "fraud_signal": "Suspected fraud: ship nothing to another address or person, take no payment "
    "outside Amazon; report the order to Seller Support.",
    "off_amazon": "Communication guidelines and Seller Code of Conduct: no sales, payments or "
    "contact outside Amazon; links, e-mail addresses and phone numbers are removed from replies.",
    "contact_window": "Messages more than 30 days after order completion: replies are allowed "
    "but flagged; proactive messages are not allowed.",
}


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


def build(session: Session, draft: Draft) -> dict[str, Any]:
    order = draft.order
    siblings = session.exec(
        select(Draft).where(Draft.order_id == draft.order_id).order_by(col(Draft.created_at))
    ).all()
    ids = [d.id for d in siblings]
    events = session.exec(
        select(DraftEvent)
        .where(col(DraftEvent.draft_id).in_(ids))
        .order_by(col(DraftEvent.at), col(DraftEvent.id))
    ).all()
    timeline: list[dict[str, Any]] = []
    for entry in draft.request.get("thread") or []:
        timeline.append(
            {
                "at": entry.get("sent_at"),
                "what": f"{entry.get('from')} message",
                "text": entry.get("text"),
            }
        )
    for sibling in siblings:
        if sibling.message.get("text"):
            timeline.append(
                {
                    "at": _iso(sibling.received_at),
                    "what": "buyer message",
                    "text": sibling.message["text"],
                }
            )
    kinds = {d.id: d.message_kind for d in siblings}
    for event in events:
        item: dict[str, Any] = {
            "at": _iso(event.at),
            "what": f"{kinds.get(event.draft_id, 'reply')} {event.action}",
            "draft_id": event.draft_id,
            "actor": event.actor,
        }
        if event.action in ("drafted", "approved"):
            item["text"] = event.text_after
        if event.details.get("reason"):
            item["reason"] = event.details["reason"]
        timeline.append(item)
    # Unknown times (a thread entry without sent_at) keep their place at the start.
    timeline.sort(key=lambda item: item["at"] or "")
    tracking = order.get("tracking") or {}
    reasons = list(draft.escalation.get("reasons") or [])
    policy = draft.policy
    applies = ["reply_time", *reasons]
    if not policy.get("within_contact_window", True):
        applies.append("contact_window")
    summary = (
        f"Buyer message on order {draft.order_id} ({draft.marketplace}), intent "
        f"{draft.intent.replace('_', ' ')}, language {draft.language}. "
        + (
            f"Escalation recommended: {', '.join(r.replace('_', ' ') for r in reasons)}. "
            if reasons
            else "No escalation signal. "
        )
        + f"Draft {draft.id} is {draft.status}; {len(siblings)} draft(s) on this order."
    )
    return {
        "draft_id": draft.id,
        "summary": summary,
        "order_id": draft.order_id,
        "marketplace": draft.marketplace,
        "buyer_name": order.get("buyer_name"),
        "escalation": draft.escalation,
        "timeline": timeline,
        "tracking": {
            "carrier": tracking.get("carrier"),
            "tracking_number": tracking.get("number"),
            "order_status": order.get("status"),
            "fulfillment": order.get("fulfillment"),
            "purchase_date": order.get("purchase_date"),
            "shipped_at": order.get("shipped_at"),
            "delivered_at": order.get("delivered_at"),
            "latest_delivery_date": order.get("latest_delivery_date"),
        },
        "policies": [{"id": key, "text": POLICIES[key]} for key in applies if key in POLICIES],
        "deadlines": {
            "respond_by": policy.get("respond_by"),
            "respond_by_extended": policy.get("respond_by_extended"),
            "target_by": policy.get("target_by"),
            "contact_window_ends_at": policy.get("contact_window_ends_at"),
        },
    }


def markdown(pack: dict[str, Any]) -> str:
    lines = [f"# Case pack: order {pack['order_id']}", "", pack["summary"], ""]
    lines += ["## Order", f"- Order ID: {pack['order_id']}"]
    lines.append(f"- Marketplace: {pack['marketplace']}")
    facts = pack["tracking"].items()
    lines += [f"- {k.replace('_', ' ').capitalize()}: {v}" for k, v in facts if v]
    lines += ["", "## Deadlines"]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in pack["deadlines"].items() if v]
    lines += ["", "## Policies that apply"] + [f"- {p['text']}" for p in pack["policies"]]
    lines += ["", "## Timeline"]
    for item in pack["timeline"]:
        head = f"- {item['at'] or 'time unknown'}: {item['what']}"
        if item.get("actor"):
            head += f" by {item['actor']}"
        if item.get("reason"):
            head += f" (reason: {item['reason']})"
        lines.append(head)
        if item.get("text"):
            lines += ["", *[f"  > {line}" for line in str(item["text"]).splitlines()], ""]
    return "\n".join(lines).rstrip() + "\n"
