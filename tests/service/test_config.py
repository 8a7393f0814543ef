"""Settings: the names README documents, OpenAI's variables as fallbacks, secrets kept secret."""

from __future__ import annotations

import pytest

from service.config import Settings, parse_api_keys


def test_defaults_match_api_md() -> None:
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///./data/replydesk.db"
    assert str(settings.kb_dir) == "knowledge_base"
    assert str(settings.prompts_dir) == "prompts"
    assert settings.llm_model == "gpt-4o-mini"
    assert settings.llm_timeout_s == 20
    assert settings.timezone == "UTC"
    assert settings.business_hours == "Mon-Fri 09:00-17:00"
    assert not settings.llm_configured
    assert settings.key_roles() == {}


def test_openai_variables_are_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    settings = Settings(_env_file=None)
    assert settings.llm_configured
    assert settings.llm_base_url == "http://localhost:11434/v1"
    monkeypatch.setenv("REPLYDESK_LLM_API_KEY", "sk-replydesk")
    settings = Settings(_env_file=None)
    assert settings.llm_api_key is not None
    assert settings.llm_api_key.get_secret_value() == "sk-replydesk"


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYDESK_LLM_API_KEY", "sk-very-secret")
    monkeypatch.setenv("REPLYDESK_API_KEYS", "ops:also-secret")
    settings = Settings(_env_file=None)
    assert "sk-very-secret" not in repr(settings)
    assert "also-secret" not in repr(settings)


def test_base_url_alone_enables_the_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYDESK_LLM_BASE_URL", "http://127.0.0.1:8001/v1")
    assert Settings(_env_file=None).llm_configured


def test_bad_api_keys_fail_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYDESK_API_KEYS", "root:abc")
    with pytest.raises(ValueError, match="unknown role"):
        Settings(_env_file=None)


@pytest.mark.parametrize("raw", ["admin:x", "plugin", "plugin:", ":abc"])
def test_malformed_key_settings_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_api_keys(raw)


def test_key_settings_parse() -> None:
    assert parse_api_keys(" plugin:a , agent:b,") == {"a": "plugin", "b": "agent"}
