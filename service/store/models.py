"""Tables and API schemas (SQLModel families: XBase / X(table=True) / XCreate / XPublic)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from guardrails import Finding, marketplaces
from guardrails.locales import LOCALE
from service.logs import note_personal

# ASCII digits only: "\d" would take full-width or Arabic-Indic digits, which would then be
# printed into the reply as they came.
ORDER_ID_RE = re.compile(r"^[0-9]{3}-[0-9]{7}-[0-9]{7}$")
# Lone surrogates and NUL survive json.loads but not UTF-8 storage (PostgreSQL rejects both).
_UNSTORABLE_RE = re.compile(r"[\x00\ud800-\udfff]")

MAX_MESSAGE_CHARS = 20_000
EXCERPT_CHARS = 160  # of the buyer's message, in a list of drafts


class DraftStatus(StrEnum):
    """Where a draft is in review: `pending` and `blocked` wait for an agent (a blocked one
    needs an edit that passes the guardrails), `approved` and `rejected` are final."""

    pending = "pending"
    blocked = "blocked"
    approved = "approved"
    rejected = "rejected"

    @classmethod
    def open(cls) -> tuple[DraftStatus, ...]:
        return (cls.pending, cls.blocked)


class MessageKind(StrEnum):
    """A reply to the buyer's message, a holding reply (acknowledgement), or a message the
    seller starts (proactive)."""

    reply = "reply"
    acknowledgement = "acknowledgement"
    proactive = "proactive"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _storable(value: str) -> str:
    if _UNSTORABLE_RE.search(value):
        raise ValueError("text contains a NUL character or an unpaired surrogate")
    return value


# Every timestamp a client sends lies in this range: deadlines are worked out from them (24 h,
# 48 h, 30 days on), and a year such as 9999 would overflow that arithmetic.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Paging offsets beyond any table: larger ones overflow the database's 64-bit integers.
MAX_OFFSET = 1_000_000_000


_NUMBER_RE = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")


def _not_a_number(value: object) -> object:
    """A timestamp is written as a date and time: a bare number ("0.5", 1700000000) would be
    read as seconds since 1970 by the parser, which no plugin means."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER_RE.fullmatch(value)):
        raise ValueError("a timestamp is an ISO 8601 date and time, e.g. 2026-11-20T09:15:00Z")
    return value


def _aware(value: datetime | None) -> datetime | None:
    """Naive timestamps are taken as UTC, the zone Amazon's APIs use; any timestamp must lie
    between EARLIEST and LATEST."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        inside = EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is past the calendar in UTC
        inside = False
    if not inside:
        raise ValueError(
            f"timestamp out of range: it must lie between {EARLIEST:%Y-%m-%d} and "
            f"{LATEST:%Y-%m-%d} (UTC)"
        )
    return value


def _order_id(value: str) -> str:
    value = value.strip()
    if not ORDER_ID_RE.match(value):
        raise ValueError("order_id must be Amazon's 17-digit 3-7-7 form, e.g. 114-3941689-8772232")
    return value


def _marketplace(value: str) -> str:
    return marketplaces.resolve(value).domain


def _locale(value: str) -> str:
    if not LOCALE.fullmatch(value):
        raise ValueError("language must be a locale such as 'de', 'de-DE' or 'de_DE'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("text is blank")
    return value


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every database (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: replydesk stores aware UTC timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Text = Annotated[str, AfterValidator(_storable)]
# The JSON schemas below tell generated clients the accepted forms; the validators, not the
# schemas, decide (and say what is wrong in words).
OrderId = Annotated[
    Text,
    Field(json_schema_extra={"pattern": ORDER_ID_RE.pattern, "examples": ["114-3941689-8772232"]}),
    AfterValidator(_order_id),
]
MarketplaceDomain = Annotated[
    Text,
    Field(
        description="a domain (amazon.de, www.amazon.de) or a marketplace id (A1PA6795UKMFR9)",
        json_schema_extra={
            "enum": sorted(
                form
                for m in marketplaces.MARKETPLACES
                for form in (m.domain, "www." + m.domain, m.marketplace_id)
            )
        },
    ),
    AfterValidator(_marketplace),
]
Locale = Annotated[
    Text,
    Field(max_length=20, json_schema_extra={"pattern": f"^{LOCALE.pattern}$"}),
    AfterValidator(_locale),
]
Body = Annotated[
    Text, Field(min_length=1, max_length=MAX_MESSAGE_CHARS), AfterValidator(_not_blank)
]
Timestamp = Annotated[datetime | None, BeforeValidator(_not_a_number), AfterValidator(_aware)]
# Known for the rest of the request, so the logs mask it (service/logs.py).
BuyerName = Annotated[Text, AfterValidator(note_personal)]
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


# ---------------------------------------------------------------- request schemas
class _In(BaseModel):
    # Plugins may send more than we read; unknown fields are ignored, never an error.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class AttachmentIn(_In):
    filename: Text = Field(min_length=1, max_length=255)
    content_type: Text = Field(min_length=1, max_length=100)
    size_bytes: int = Field(ge=0, strict=True)


class MessageIn(_In):
    text: Body
    received_at: Timestamp = None
    language: Locale | None = None
    subject: Text | None = Field(default=None, max_length=500)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class ItemIn(_In):
    asin: Text | None = Field(default=None, pattern=r"^[A-Z0-9]{10}$")
    sku: Text | None = Field(default=None, max_length=100)
    title: Text | None = Field(default=None, max_length=500)
    quantity: int = Field(default=1, ge=1, le=100_000)


class TrackingIn(_In):
    carrier: Text | None = Field(default=None, max_length=100)
    number: Text | None = Field(default=None, max_length=100)


class OrderIn(_In):
    order_id: OrderId = Field(description="17-digit Amazon order ID, 3-7-7 (114-3941689-8772232)")
    marketplace: MarketplaceDomain = Field(description="a domain (amazon.de) or marketplace id")
    buyer_name: BuyerName | None = Field(default=None, max_length=200)
    purchase_date: Timestamp = None
    status: Text | None = Field(default=None, max_length=50)
    shipped_at: Timestamp = None
    delivered_at: Timestamp = None
    earliest_delivery_date: Timestamp = None
    latest_delivery_date: Timestamp = None
    fulfillment: Text | None = Field(default=None, max_length=20)
    items: list[ItemIn] = Field(default_factory=list, max_length=100)
    tracking: TrackingIn | None = None


class ThreadEntryIn(_In):
    sender: Literal["buyer", "seller"] = Field(alias="from")
    text: Text = Field(max_length=MAX_MESSAGE_CHARS)
    sent_at: Timestamp = None


AttachmentPurpose = Literal["instruction_manual", "warranty", "invoice", "return_label"]


class SellerAttachmentIn(AttachmentIn):
    """A file the seller sends with the message (the `attachment_type` rule judges it)."""

    purpose: AttachmentPurpose | None = Field(
        default=None, description="what the file is; guessed from the file name when absent"
    )


ExternalRef = Annotated[
    Text,
    Field(
        min_length=1,
        max_length=200,
        description="the help desk's own id for this conversation (a ticket id): stored on the "
        "draft, returned with it, and a filter of GET /drafts",
        examples=["zendesk:48213"],
    ),
    AfterValidator(_not_blank),
]


class DraftRequest(_In):
    message: MessageIn
    order: OrderIn
    external_ref: ExternalRef | None = None
    thread: list[ThreadEntryIn] = Field(default_factory=list, max_length=50)
    # What the seller means to attach to the reply (not the buyer's files: those are in message).
    attachments: list[SellerAttachmentIn] = Field(default_factory=list, max_length=20)
    agent_id: Text | None = Field(default=None, max_length=100)
    instructions: Text | None = Field(default=None, max_length=2_000)
    tone: Text | None = Field(default=None, max_length=40)


# /check takes any text up to 100 KB (larger is 413, from the route): the guardrails block
# texts over their own working limit themselves, with a finding that says so.
MAX_CHECK_BYTES = 100_000
CheckText = Annotated[Text, Field(min_length=1), AfterValidator(_not_blank)]
MAX_GROUNDING_TEXTS = 20
GroundingText = Annotated[Text, Field(max_length=20_000)]


class OrderDatesIn(_In):
    """The dates of an order that decide Amazon's 30-day contact window (any order object will
    do: other fields are ignored)."""

    shipped_at: Timestamp = None
    delivered_at: Timestamp = None
    latest_delivery_date: Timestamp = None


class CheckRequest(_In):
    text: CheckText
    order_id: OrderId
    marketplace: MarketplaceDomain
    language: Locale | None = None
    message_kind: Literal["reply", "proactive"] = "reply"
    # The circumstances `/draft` knows; with them `/check` applies the same rules.
    attachments: list[SellerAttachmentIn] = Field(
        default_factory=list, max_length=20, description="files sent with it: attachment_type"
    )
    order: OrderDatesIn | None = Field(
        default=None, description="the order's dates: with them, contact_window applies"
    )
    sent_at: Timestamp = Field(
        default=None, description="when the message goes out (contact_window); default now"
    )
    template_id: Text | None = Field(default=None, max_length=200)
    template_language: Locale | None = Field(
        default=None, description="the language of the KB template the text was rendered from"
    )
    grounding: list[GroundingText] | None = Field(
        default=None,
        max_length=MAX_GROUNDING_TEXTS,
        description="the texts the reply may draw on (the order's facts, knowledge-base "
        "passages, the template, the agent's instructions): with them, unsupported_commitment "
        "applies; the dates of `order` count too",
    )


# ---------------------------------------------------------------- response schemas
class FindingPublic(BaseModel):
    rule: str
    action: Literal["fixed", "flagged", "blocked"]
    match: str
    start: int
    end: int
    message: str


def findings_json(findings: tuple[Finding, ...] | list[Finding]) -> list[dict[str, Any]]:
    """Findings as stored and served: typed objects until this point, plain JSON after."""
    return [finding.to_dict() for finding in findings]


def findings_of(stored: list[dict[str, Any]]) -> list[Finding]:
    """Stored findings typed again, for code that reasons about them."""
    return [Finding.from_dict(item) for item in stored]


class GuardrailsPublic(BaseModel):
    passed: bool
    policy_version: str
    findings: list[FindingPublic]


class CheckResponse(BaseModel):
    text: str
    passed: bool
    policy_version: str
    findings: list[FindingPublic]


class SourcePublic(BaseModel):
    id: str
    title: str
    kind: str
    score: float
    language: str | None = None  # absent on drafts stored before it was recorded


class UsagePublic(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class RepairPublic(BaseModel):
    """One rewrite the model was asked for after the guard cut or blocked its draft."""

    rules: list[str]  # what called for it: sentences removed (which rules), or a block
    outcome: Literal["rewritten", "kept_first", "failed"]
    reason: str | None = None  # why the call failed (a fallback reason)
    findings_before: list[FindingPublic]
    findings_after: list[FindingPublic] | None = None  # None when the call failed
    text_before: str  # the model's first draft
    prompt_version: str | None = None
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class IntentChoicePublic(BaseModel):
    """The model asked to name the intent of a message the classifier was unsure of."""

    intent_before: str  # the classifier's reading
    confidence_before: float
    # confirmed: the model named the same intent; changed: another one, which the draft uses;
    # failed: no usable answer (reason), and the classifier's reading stands.
    outcome: Literal["confirmed", "changed", "failed"]
    answer: str | None
    reason: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class QualityCheckPublic(BaseModel):
    check: str
    detail: str


class GeneratorPublic(BaseModel):
    kind: Literal["llm", "template"]
    model: str | None
    latency_ms: int  # all the model's calls for this draft, repairs included
    fallback_reason: str | None
    prompt_version: str | None
    usage: UsagePublic
    repairs: list[RepairPublic] = []
    # With fallback_reason low_quality: the checks the model's answer failed (echo, injection,
    # language, unanswered), each with what was found.
    quality: list[QualityCheckPublic] = []
    # When the classifier was unsure of the intent and the model was asked to name it.
    intent_choice: IntentChoicePublic | None = None


class PolicyPublic(BaseModel):
    message_kind: Literal["reply", "proactive"]
    respond_by: datetime
    contact_window_ends_at: datetime | None
    within_contact_window: bool
    # The business calendar's part (service/clock/rules.py); absent on drafts stored before it.
    respond_by_extended: datetime | None = None
    target_by: datetime | None = None
    received_in_business_hours: bool | None = None
    acknowledgement_suggested: bool = False
    answer_by: datetime | None = None
    proactive_kind: str | None = None


class EscalationPublic(BaseModel):
    recommended: bool
    reasons: list[str]


class HistoryDetails(BaseModel):
    """What a history line adds, by action: `drafted` (status, fallback_reason, rules),
    `approved` (status_before, edited, edit_ratio, undone_fixes, findings), `rejected`
    (status_before, reason), `regenerated` (status_before, instructions, and status, findings
    or fallback_reason, quality); GET /drafts/{id} leaves out the keys an action did not set."""

    status: str | None = None
    fallback_reason: str | None = None
    rules: list[str] | None = None
    status_before: str | None = None
    edited: bool | None = None
    edit_ratio: float | None = None
    undone_fixes: list[str] | None = None
    findings: list[FindingPublic] | None = None
    reason: str | None = None
    # `regenerated`: the agent's instructions; status, findings of the new text, or why the
    # model failed (fallback_reason, quality).
    instructions: str | None = None
    quality: list[QualityCheckPublic] | None = None


class HistoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    actor: str | None
    at: datetime
    text_before: str | None
    text_after: str | None
    details: HistoryDetails


class AttachmentPublic(BaseModel):
    filename: str
    content_type: str
    size_bytes: int


class MessagePublic(BaseModel):
    """The buyer's message as the request gave it; a proactive draft's is empty and names its
    kind."""

    text: str
    received_at: datetime | None = None
    language: str | None = None
    subject: str | None = None
    attachments: list[AttachmentPublic] = []
    proactive_kind: str | None = None


class ItemPublic(BaseModel):
    asin: str | None = None
    sku: str | None = None
    title: str | None = None
    quantity: int = 1


class TrackingPublic(BaseModel):
    carrier: str | None = None
    number: str | None = None


class OrderPublic(BaseModel):
    """The order as the request gave it (every field as sent; none required of stored rows)."""

    order_id: str | None = None
    marketplace: str | None = None
    buyer_name: str | None = None
    purchase_date: datetime | None = None
    status: str | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    earliest_delivery_date: datetime | None = None
    latest_delivery_date: datetime | None = None
    fulfillment: str | None = None
    items: list[ItemPublic] = []
    tracking: TrackingPublic | None = None


class ReviewPublic(BaseModel):
    reviewed_by: str
    reviewed_at: datetime
    edited: bool | None
    edit_ratio: float | None
    undone_fixes: list[str]
    reason: str | None


# ---------------------------------------------------------------- drafts: base, table, public
def excerpt(text: object) -> str:
    """The buyer's message on one line, cut to fit a list row."""
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def _uuid() -> str:
    return uuid.uuid4().hex


# Stored as VARCHAR with a CHECK constraint (not a native PostgreSQL enum, which a migration
# could not extend inside a transaction); the values are the enum's values.
def _enum_column(enum: type[StrEnum], *, name: str) -> sa.Enum:
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class DraftBase(SQLModel):
    """What a draft is, as stored and as served: the fields the table and the API share."""

    status: DraftStatus = SQLField(
        sa_type=_enum_column(DraftStatus, name="ck_drafts_status"), index=True
    )
    text: str = SQLField(sa_type=sa.Text)
    language: str = SQLField(max_length=8)
    intent: str = SQLField(max_length=40, index=True)
    intent_confidence: float
    # What decided the intent: "model" (the classifier), "escalation" (an A-to-z claim made) or
    # "llm" (the classifier was unsure and the configured model chose); migration 0012, null
    # for drafts stored before it.
    intent_source: str | None = SQLField(default=None, max_length=16)
    tags: list[str] = SQLField(default_factory=list, sa_type=JSONType)
    priority: str = SQLField(max_length=16)
    no_response_needed: bool = False
    order_id: str = SQLField(max_length=19, index=True)
    marketplace: str = SQLField(max_length=32)
    # The help desk's ticket id, as the request gave it (migration 0008).
    external_ref: str | None = SQLField(default=None, max_length=200, index=True)
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)


PROACTIVE_SLOT_WHERE = "message_kind = 'proactive' AND status IN ('pending', 'blocked', 'approved')"


class Draft(DraftBase, table=True):
    """One drafted message and its review. The request it answers is stored once (`request`);
    `message`, `order` and the public views are read from the columns, never mapped by hand."""

    __tablename__ = "drafts"
    __table_args__ = (
        # The review queue: one status, oldest deadline first.
        sa.Index("ix_drafts_status_respond_by", "status", "respond_by"),
        # One free-form proactive message per order; the case pack's timeline (migration 0003).
        sa.Index("ix_drafts_order_id_message_kind", "order_id", "message_kind"),
        # The database, not a read-then-write check, keeps two concurrent /proactive calls from
        # both taking an order's one slot; rejecting a draft frees it (migration 0005).
        sa.Index(
            "uq_drafts_one_proactive_per_order",
            "order_id",
            unique=True,
            sqlite_where=sa.text(PROACTIVE_SLOT_WHERE),
            postgresql_where=sa.text(PROACTIVE_SLOT_WHERE),
        ),
    )

    id: str = SQLField(default_factory=_uuid, primary_key=True, max_length=32)
    # The Idempotency-Key of the request that made it: unique, so storing the draft is what
    # completes the key's claim (service/compose/idempotency.py; migration 0008).
    idempotency_key: str | None = SQLField(default=None, max_length=255, unique=True, index=True)
    agent_id: str | None = SQLField(default=None, max_length=100)
    received_at: datetime = SQLField(sa_type=UTCDateTime)
    respond_by: datetime = SQLField(sa_type=UTCDateTime, index=True)
    target_by: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    # The request as the plugin sent it (message, order, thread, attachments, …; migration 0006).
    request: dict[str, Any] = SQLField(sa_type=JSONType)
    message_kind: MessageKind = SQLField(
        default=MessageKind.reply,
        sa_type=_enum_column(MessageKind, name="ck_drafts_message_kind"),
        sa_column_kwargs={"server_default": "reply"},
    )
    proactive_kind: str | None = SQLField(default=None, max_length=32)
    raw_text: str = SQLField(sa_type=sa.Text)
    findings: list[dict[str, Any]] = SQLField(default_factory=list, sa_type=JSONType)
    guardrails_passed: bool
    policy_version: str = SQLField(max_length=20)
    sources: list[dict[str, Any]] = SQLField(default_factory=list, sa_type=JSONType)
    policy: dict[str, Any] = SQLField(sa_type=JSONType)
    escalation: dict[str, Any] = SQLField(sa_type=JSONType)
    generator_kind: str = SQLField(max_length=16)
    generator_model: str | None = SQLField(default=None, max_length=200)
    prompt_version: str | None = SQLField(default=None, max_length=64)
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallback_reason: str | None = SQLField(default=None, max_length=40)
    # The model's rewrites after the guard (service/compose/repair.py; migration 0007).
    repairs: list[dict[str, Any]] = SQLField(
        default_factory=list, sa_type=JSONType, sa_column_kwargs={"server_default": "[]"}
    )
    # The quality checks the model's answer failed (`low_quality`; migration 0010).
    quality: list[dict[str, str]] = SQLField(
        default_factory=list, sa_type=JSONType, sa_column_kwargs={"server_default": "[]"}
    )
    # The model asked for the intent (service/compose/intent_choice.py; migration 0012).
    intent_choice: dict[str, Any] | None = SQLField(default=None, sa_type=JSONType)
    # The review (migration 0002): set once, by the one approval or rejection that wins.
    reviewed_by: str | None = SQLField(default=None, max_length=100)
    reviewed_at: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    edited: bool | None = None
    edit_ratio: float | None = None
    undone_fixes: list[str] = SQLField(default_factory=list, sa_type=JSONType)
    reject_reason: str | None = SQLField(default=None, sa_type=sa.Text)

    # -- views of the columns, read by the public models (from_attributes) --------------------
    @property
    def draft_id(self) -> str:
        return self.id

    @property
    def message(self) -> dict[str, Any]:
        """The buyer's message; a proactive draft answers none and says which kind it is."""
        stored = self.request.get("message")
        if isinstance(stored, dict):
            return stored
        return {"text": "", "proactive_kind": self.proactive_kind}

    @property
    def order(self) -> dict[str, Any]:
        stored = self.request.get("order")
        return stored if isinstance(stored, dict) else {}

    @property
    def generator(self) -> dict[str, Any]:
        return {
            "kind": self.generator_kind,
            "model": self.generator_model,
            "latency_ms": self.latency_ms,
            "fallback_reason": self.fallback_reason,
            "prompt_version": self.prompt_version,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
            },
            "repairs": self.repairs or [],
            "quality": self.quality or [],
            "intent_choice": self.intent_choice,
        }

    @property
    def guardrails(self) -> dict[str, Any]:
        return {
            "passed": self.guardrails_passed,
            "policy_version": self.policy_version,
            "findings": self.findings,
        }

    @property
    def buyer_name(self) -> str | None:
        name = self.order.get("buyer_name")
        return str(name) if name is not None else None

    @property
    def message_excerpt(self) -> str:
        return excerpt(self.message.get("text"))

    @property
    def review(self) -> dict[str, Any] | None:
        if self.reviewed_by is None or self.reviewed_at is None:
            return None
        return {
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at,
            "edited": self.edited,
            "edit_ratio": self.edit_ratio,
            "undone_fixes": self.undone_fixes,
            "reason": self.reject_reason,
        }


class DraftPublic(DraftBase):
    """A draft as `POST /draft` and the read routes answer it."""

    model_config = ConfigDict(from_attributes=True)  # type: ignore[assignment]

    draft_id: str
    sources: list[SourcePublic]
    generator: GeneratorPublic
    guardrails: GuardrailsPublic
    policy: PolicyPublic
    escalation: EscalationPublic
    review: ReviewPublic | None = None


class DraftDetail(DraftPublic):
    message: MessagePublic
    order: OrderPublic
    raw_text: str
    history: list[HistoryPublic]


class DraftListItem(DraftPublic):
    buyer_name: str | None
    message_excerpt: str


class DraftList(BaseModel):
    data: list[DraftListItem]
    count: int


AgentId = Annotated[Text, Field(min_length=1, max_length=100), AfterValidator(_not_blank)]


class ApproveRequest(_In):
    agent_id: AgentId
    text: Body | None = Field(default=None, description="the final text; the draft's when absent")


class RegenerateRequest(_In):
    agent_id: AgentId
    instructions: Annotated[
        Text,
        Field(min_length=1, max_length=2_000, description="what the new draft should do"),
        AfterValidator(_not_blank),
    ]


class RegenerateResponse(BaseModel):
    draft_id: str
    regenerated: bool  # false: the model failed and the draft is unchanged
    reason: str | None  # why it failed: a fallback reason (timeout, low_quality…)
    quality: list[QualityCheckPublic]  # low_quality: the checks the answer failed
    draft: DraftPublic


class RejectRequest(_In):
    agent_id: AgentId
    reason: Annotated[Text, Field(min_length=1, max_length=2_000), AfterValidator(_not_blank)]


class ApproveResponse(BaseModel):
    draft_id: str
    status: Literal["approved"]
    text: str
    edited: bool
    edit_ratio: float
    undone_fixes: list[str]
    findings: list[FindingPublic]


class RejectResponse(BaseModel):
    draft_id: str
    status: Literal["rejected"]
    reason: str


class DraftEvent(SQLModel, table=True):
    """One line of a draft's history: who did what, when, and the text before and after."""

    __tablename__ = "draft_events"

    id: int | None = SQLField(default=None, primary_key=True)
    draft_id: str = SQLField(foreign_key="drafts.id", index=True, max_length=32)
    at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)
    action: str = SQLField(max_length=32)
    actor: str | None = SQLField(default=None, max_length=100)
    text_before: str | None = SQLField(default=None, sa_type=sa.Text)
    text_after: str | None = SQLField(default=None, sa_type=sa.Text)
    details: dict[str, Any] = SQLField(default_factory=dict, sa_type=JSONType)


class IdempotencyKey(SQLModel, table=True):
    """A claimed Idempotency-Key: the request that holds it, by route and body fingerprint; the
    draft it made carries the key (``Draft.idempotency_key``)."""

    __tablename__ = "idempotency_keys"

    key: str = SQLField(primary_key=True, max_length=255)
    route: str = SQLField(max_length=32)
    fingerprint: str = SQLField(max_length=64)
    # Who holds the claim now: a retry that takes over an abandoned claim writes its own.
    token: str = SQLField(max_length=32)
    claimed_at: datetime = SQLField(sa_type=UTCDateTime)
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)


class CaseTimelineEntry(BaseModel):
    """One line of a case pack's timeline: a message of the thread, or a step of a draft."""

    at: str | None = Field(description="ISO 8601; null for a thread message without a time")
    what: str = Field(examples=["buyer message", "reply drafted", "reply approved"])
    text: str | None = None
    draft_id: str | None = None
    actor: str | None = None
    reason: str | None = None


class CaseTracking(BaseModel):
    carrier: str | None = None
    tracking_number: str | None = None
    order_status: str | None = None
    fulfillment: str | None = None
    purchase_date: str | None = None
    shipped_at: str | None = None
    delivered_at: str | None = None
    latest_delivery_date: str | None = None


class CasePolicy(BaseModel):
    id: str
    text: str


class CaseDeadlines(BaseModel):
    respond_by: str | None = None
    respond_by_extended: str | None = None
    target_by: str | None = None
    contact_window_ends_at: str | None = None


class CasePack(BaseModel):
    """`GET /drafts/{id}/case`: what a Seller Support case about the order needs."""

    draft_id: str
    summary: str
    order_id: str
    marketplace: str
    buyer_name: str | None
    escalation: EscalationPublic
    timeline: list[CaseTimelineEntry]
    tracking: CaseTracking
    policies: list[CasePolicy]
    deadlines: CaseDeadlines


class Liveness(BaseModel):
    """`GET /healthz`."""

    status: Literal["ok", "failed"]
    start: Literal["ready", "starting", "failed"]


class KnowledgeBaseCheck(BaseModel):
    entries: int
    errors: list[str]
    stale: list[str] = Field(description="files that failed to reload, served as last loaded")


class ReadinessChecks(BaseModel):
    start: str = Field(examples=["ok", "starting", "failed: …"])
    database: str | None = Field(
        default=None, examples=["ok", "migrations pending", "unreachable: OperationalError"]
    )
    knowledge_base: KnowledgeBaseCheck | None = None
    llm: Literal["configured", "templates only"] | None = None


class Readiness(BaseModel):
    """`GET /readyz`: 200 when ready, 503 with the same shape when not."""

    status: Literal["ready", "not ready"]
    checks: ReadinessChecks


class TriageResponse(BaseModel):
    """`POST /triage`: what a help desk needs to tag and sort a message, no draft written."""

    language: str
    intent: str
    intent_confidence: float
    # /triage reads without a model: the classifier, or an escalation's A-to-z claim.
    intent_source: Literal["model", "escalation"] = "model"
    tags: list[str]
    priority: Literal["low", "normal", "high", "urgent"]
    respond_by: datetime
    target_by: datetime
    escalation: EscalationPublic
    no_response_needed: bool
    # Item problems stated beside the intent (damaged_item, defective_item, wrong_item,
    # missing_parts): "arrived broken, when is my refund?" is refund_status with damaged_item.
    intents_secondary: list[str] = []
    # Return requests and A-to-z claims: Amazon's 48 hours, beside (never instead of) the 24.
    respond_by_extended: datetime | None = None


# ---------------------------------------------------------------- audits (migration 0004)
AuditMode = Literal["recent", "random"]


class AuditRequest(_In):
    sample_size: int = Field(default=50, ge=1, le=1_000, strict=True)
    since: Timestamp = None
    mode: AuditMode = "recent"
    seed: int | None = Field(
        default=None, strict=True, description="random mode: same seed, same sample"
    )


class Audit(SQLModel, table=True):
    """One compliance audit: the current guardrails re-run on a sample of sent replies."""

    __tablename__ = "audits"

    id: str = SQLField(default_factory=_uuid, primary_key=True, max_length=32)
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    requested_by: str | None = SQLField(default=None, max_length=100)
    mode: str = SQLField(max_length=16)
    sample_size: int
    since: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    sampled: int
    with_violations: int
    template_errors: int
    policy_version: str = SQLField(max_length=20)
    report: dict[str, Any] = SQLField(sa_type=JSONType)


class AuditSummary(BaseModel):
    audit_id: str
    created_at: datetime
    requested_by: str | None
    mode: str
    sample_size: int
    since: datetime | None
    sampled: int
    with_violations: int
    template_errors: int
    policy_version: str


class AuditList(BaseModel):
    data: list[AuditSummary]
    count: int


# ---------------------------------------------------------------- proactive messages (issue 6)
ProactiveKind = Literal[
    "delivery_followup",
    "usage_guide",
    "return_question",
    "invoice",
    "custom_design",
    "bulky_delivery",
    "review_request",  # never drafted: refused with Amazon's "Request a Review" window
]


class ProactiveRequest(_In):
    order: OrderIn
    kind: ProactiveKind
    external_ref: ExternalRef | None = None
    buyer_opted_out: bool = False
    language: Locale | None = Field(default=None, description="the buyer's locale, if known")
    instructions: Text | None = Field(default=None, max_length=2_000)
    agent_id: Text | None = Field(default=None, max_length=100)
    attachments: list[SellerAttachmentIn] = Field(default_factory=list, max_length=20)
    text: Body | None = Field(
        default=None, description="the seller's own message; drafted from the template if absent"
    )


# ---------------------------------------------------------------- operations: stats and audits
class ResponseTimes(BaseModel):
    median: float | None = Field(description="seconds from the buyer's message to approval")
    p90: float | None


class MessageFigures(BaseModel):
    received: int
    answered: int
    no_response_needed: int
    due: int
    answered_within_24h: int
    share_within_24h: float | None
    overdue_now: int
    response_time_s: ResponseTimes


class DraftFigures(BaseModel):
    total: int
    pending: int
    approved: int
    approved_unedited: int
    acceptance_rate: float | None
    mean_edit_ratio: float | None
    rejected: int
    blocked: int


class Figures(BaseModel):
    messages: MessageFigures
    drafts: DraftFigures
    findings_by_rule: dict[str, dict[str, int]] = Field(
        description="rule -> action (fixed, flagged, blocked) -> findings"
    )


class RuleAcceptance(BaseModel):
    fixed: int
    approved: int
    undone: int
    undo_rate: float | None


class SourceUse(BaseModel):
    id: str
    kind: str | None
    approved: int
    edited: int
    mean_edit_ratio: float


class FallbackShare(BaseModel):
    count: int
    rate: float | None


class Latency(BaseModel):
    p50: float | None
    p95: float | None


class ModelUsage(BaseModel):
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


class LlmUsage(BaseModel):
    calls: int
    prompt_tokens: int
    completion_tokens: int
    fallbacks: int
    fallback_rate: dict[str, FallbackShare]
    latency_ms: Latency
    by_model: dict[str, ModelUsage]
    cost_usd: float
    unpriced_models: list[str]


class Stats(Figures):
    """`GET /stats`: the figures of the window, and the same by agent, intent and language."""

    since: datetime
    until: datetime
    generated_at: datetime
    by_agent: dict[str, Figures]
    by_intent: dict[str, Figures]
    by_language: dict[str, Figures]
    guardrail_acceptance: dict[str, RuleAcceptance]
    sources: list[SourceUse]
    llm: LlmUsage
    definitions: dict[str, str]


class AuditSample(BaseModel):
    mode: AuditMode
    requested: int
    since: datetime | None
    seed: int | None
    sampled: int


class AuditFigures(BaseModel):
    replies: int
    with_violations: int
    violation_rate: float | None
    findings: int
    templates_checked: int
    templates_with_errors: int


class AuditExample(BaseModel):
    draft_id: str
    agent: str | None
    reviewed_at: datetime | None
    policy_version_when_sent: str
    action: str
    match: str
    excerpt: str
    message: str


class AuditRule(BaseModel):
    findings: int
    replies: int
    actions: dict[str, int]
    examples: list[AuditExample]


class AuditGroup(BaseModel):
    name: str
    replies: int
    with_violations: int
    violation_rate: float
    rules: dict[str, int]


class AuditTemplate(BaseModel):
    id: str
    path: str
    errors: list[str]
    warnings: list[str]


class AuditReply(BaseModel):
    draft_id: str
    agent: str | None
    reviewed_at: datetime | None
    intent: str
    language: str
    sources: list[str]
    rules: list[str]


class AuditReport(BaseModel):
    """`POST /audit` and `GET /audits/{id}` as JSON (`audit_id` once stored)."""

    audit_id: str | None = None
    created_at: datetime
    policy_version: str
    sample: AuditSample
    summary: AuditFigures
    by_rule: dict[str, AuditRule]
    by_agent: list[AuditGroup]
    by_template: list[AuditGroup]
    by_source: list[AuditGroup]
    templates: list[AuditTemplate]
    replies: list[AuditReply]
    recommendations: list[str]
    definitions: dict[str, str]


# ---------------------------------------------------------------- events (GET /events, webhooks)
class EventType(StrEnum):
    """What happened to a draft. One change may make two: an escalated draft is created, then
    escalated; an edited draft is edited, then approved."""

    created = "draft.created"
    escalated = "draft.escalated"
    edited = "draft.edited"
    approved = "draft.approved"
    rejected = "draft.rejected"
    regenerated = "draft.regenerated"  # the model drafted it again with an agent's instructions


class Event(SQLModel, table=True):
    """One event, written in the transaction of the change it reports (so none is lost and
    none reports a change that did not happen); ``id`` orders them."""

    __tablename__ = "events"

    id: int | None = SQLField(default=None, primary_key=True)
    at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)
    type: EventType = SQLField(sa_type=sa.String(32))
    draft_id: str = SQLField(max_length=32, index=True)
    data: dict[str, Any] = SQLField(default_factory=dict, sa_type=JSONType)


class EventData(BaseModel):
    """The draft as the event left it."""

    status: DraftStatus
    order_id: str
    marketplace: str
    external_ref: str | None = None
    message_kind: MessageKind
    intent: str
    language: str
    respond_by: datetime
    agent_id: str | None = Field(default=None, description="the agent who reviewed it")
    escalation_reasons: list[str] = Field(default_factory=list)
    edit_ratio: float | None = None
    reject_reason: str | None = None


class EventPublic(BaseModel):
    """`GET /events` and each webhook delivery."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="increasing; `GET /events?after=<id>` continues after it")
    type: EventType
    at: datetime
    draft_id: str
    data: EventData


class EventList(BaseModel):
    data: list[EventPublic]
    next_after: int = Field(description="the `after` of the next page: the last id, or yours")


class Gloss(SQLModel, table=True):
    """The buyer's message and the draft, translated into an agent's language by the model
    (`GET /drafts/{id}/gloss`); `source_hash` says which texts (migration 0011)."""

    __tablename__ = "glosses"

    draft_id: str = SQLField(foreign_key="drafts.id", primary_key=True, max_length=32)
    language: str = SQLField(primary_key=True, max_length=8)
    source_hash: str = SQLField(max_length=64)
    message: str = SQLField(sa_type=sa.Text)
    draft: str = SQLField(sa_type=sa.Text)
    model: str | None = SQLField(default=None, max_length=200)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime)


class GlossPublic(BaseModel):
    draft_id: str
    language: str  # the agent's, the translations'
    available: bool  # false: no model, or the model's translation failed (see `reason`)
    reason: str | None = None
    message: str | None = None  # the buyer's message in `language`
    draft: str | None = None  # the draft's text in `language`
    model: str | None = None  # null when nothing needed translating
    cached: bool = False


class WebhookState(SQLModel, table=True):
    """Where webhook delivery stands (one row): the last event the receiver took, and which
    worker delivers now (a lease, so one worker of many does)."""

    __tablename__ = "webhook_state"

    id: int = SQLField(default=1, primary_key=True)
    delivered_through: int = 0
    lease_owner: str | None = SQLField(default=None, max_length=64)
    lease_until: datetime | None = SQLField(default=None, sa_type=UTCDateTime)
    failures: int = 0
    last_error: str | None = SQLField(default=None, sa_type=sa.Text)
