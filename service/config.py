"""Settings from the environment (or `.env`), documented in README.md ("Configuration")."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from service.clock.calendar import BusinessCalendar

# service.clock.calendar is imported where it is used: it pulls in `holidays`, FastAPI and the
# guardrails, and every `replydesk` command (and every uvicorn worker, which re-imports the
# command's module before it can answer its supervisor) imports this module.

Role = Literal["plugin", "agent", "ops"]
ROLES: tuple[Role, ...] = ("plugin", "agent", "ops")


class Price(BaseModel):
    """US dollars per million tokens."""

    prompt: float = Field(ge=0)
    completion: float = Field(ge=0)


# List prices of 2026-11 for the models most sellers use; REPLYDESK_LLM_PRICES overrides them
# (a JSON object of model → {"prompt", "completion"}), e.g. for Azure or a self-hosted model.
DEFAULT_LLM_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(prompt=0.15, completion=0.60),
    "gpt-4o": Price(prompt=2.50, completion=10.00),
    "gpt-4.1-mini": Price(prompt=0.40, completion=1.60),
    "gpt-4.1": Price(prompt=2.00, completion=8.00),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REPLYDESK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    database_url: str = "sqlite:///./data/replydesk.db"
    # PostgreSQL: give up connecting after this (libpq counts whole seconds, at least 2) and on
    # a statement, or a connection that stops answering, after that; the API then answers 503.
    db_connect_timeout_s: int = Field(default=5, ge=2, le=300)
    db_statement_timeout_s: float = Field(default=15.0, gt=0, le=3_600)
    # Apply pending migrations at start (every database; workers take turns under a lock). Off:
    # a server database that is behind refuses to start (`replydesk db upgrade` first). The
    # embedded SQLite file is always kept current.
    migrate_on_start: bool = True
    kb_dir: Path = Path("./knowledge_base")
    prompts_dir: Path = Path("./prompts")
    kb_watch: bool = True  # reload the KB when its files change (service/knowledge/watch.py)
    # Explicit aliases so the OpenAI SDK's own variables work as fallbacks.
    llm_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REPLYDESK_LLM_BASE_URL", "OPENAI_BASE_URL")
    )
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("REPLYDESK_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=20.0, gt=0, le=600)
    llm_max_retries: int = Field(default=1, ge=0, le=5)
    llm_temperature: float = Field(default=0.3, ge=0, le=2)
    # Ask for the answer as a stream: at the deadline the connection closes, and a local
    # server that aborts on disconnect stops generating. Off for servers that cannot stream.
    llm_stream: bool = True
    # Model calls this process keeps open at once (0: no limit); a call waits for a slot
    # within its deadline. 1 per slot of a local server (llama.cpp's --parallel).
    llm_max_in_flight: int = Field(default=0, ge=0, le=10_000)
    # The model's context window in tokens (service/generate/budget.py): the prompt is cut to
    # fit it with the reply. llama.cpp serves 4,096 by default, Ollama 2,048-4,096.
    llm_context_tokens: int = Field(default=8_192, ge=1_024, le=10_000_000)
    # max_tokens of a reply; 0: enough for Amazon's 2,000 characters in the buyer's language.
    llm_reply_tokens: int = Field(default=0, ge=0, le=100_000)
    # Ask the model once to rewrite a draft the guard had to cut sentences from or blocks.
    llm_repair: bool = True
    # Ask the model to name the intent when the classifier's confidence is below this (0: never;
    # service/compose/intent_choice.py). 0.5 asks for the least certain readings, about four in
    # ten on our hardest routing set, where the classifier is right about half the time.
    llm_intent_below: float = Field(default=0.5, ge=0.0, le=1.0)
    api_keys: SecretStr = SecretStr("")
    # Business calendar (service/clock/calendar.py). UTC by default (the contract); a seller sets
    # their own zone (Europe/Berlin). An explicitly blank value means the marketplace's zone.
    timezone: str | None = "UTC"
    business_hours: str = "Mon-Fri 09:00-17:00"
    holidays: str | None = None
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    llm_prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_LLM_PRICES))
    # Webhooks (service/ops/webhooks.py): every event POSTed here, signed with the secret.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=300)
    webhook_retry_max_s: float = Field(default=300.0, gt=0, le=86_400)
    # JSON log lines (service/logs.py); `replydesk serve` turns it on.
    log_json: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("llm_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("llm_prices")
    @classmethod
    def _prices_extend_defaults(cls, value: dict[str, Price]) -> dict[str, Price]:
        # Setting one model's price must not make the cost of the others unknown.
        return DEFAULT_LLM_PRICES | value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.strip().startswith(("http://", "https://")):
            raise ValueError("REPLYDESK_WEBHOOK_URL must be an http:// or https:// URL")
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if self.webhook_url and len(secret) < 16:
            raise ValueError(
                "REPLYDESK_WEBHOOK_SECRET: at least 16 characters are needed to sign webhooks"
            )
        return self

    @field_validator("api_keys")
    @classmethod
    def _api_keys_parse(cls, value: SecretStr) -> SecretStr:
        parse_api_keys(value.get_secret_value())  # fail at start-up, not at the first request
        return value

    @field_validator("timezone", "holidays", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _timezone_known(cls, value: str | None) -> str | None:
        if value is not None:
            from service.clock import calendar

            calendar.parse_timezone(value)  # fail at start-up with the setting's name
        return value

    @field_validator("business_hours")
    @classmethod
    def _business_hours_parse(cls, value: str) -> str:
        from service.clock import calendar

        calendar.parse_business_hours(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays_known(cls, value: str | None) -> str | None:
        if value is not None:
            from service.clock import calendar

            calendar.parse_holidays(value)
        return value

    def business_calendar(self, marketplace: str) -> BusinessCalendar:
        from service.clock import calendar

        return calendar.calendar_for(
            marketplace=marketplace,
            timezone=self.timezone,
            business_hours=self.business_hours,
            holidays=self.holidays,
        )

    @property
    def llm_configured(self) -> bool:
        key = self.llm_api_key.get_secret_value() if self.llm_api_key else ""
        return bool(key.strip() or self.llm_base_url)

    def key_roles(self) -> dict[str, Role]:
        return parse_api_keys(self.api_keys.get_secret_value())


def parse_api_keys(raw: str) -> dict[str, Role]:
    """`role:key,role:key` → {key: role}; raises ValueError on a malformed entry."""
    keys: dict[str, Role] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        role, sep, key = item.partition(":")
        role = role.strip()
        key = key.strip()
        if not sep or not key:
            raise ValueError("REPLYDESK_API_KEYS entries must look like role:key")
        if role not in ROLES:
            raise ValueError(
                f"unknown role {role!r} in REPLYDESK_API_KEYS (use {', '.join(ROLES)})"
            )
        keys[key] = role
    return keys


@lru_cache
def get_settings() -> Settings:
    return Settings()
