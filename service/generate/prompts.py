"""Prompt files (`prompts/*.j2`), rendered by one Jinja2 environment with StrictUndefined."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import jinja2

from guardrails import Finding
from service.generate.drafter import DraftJob

_STEMS = {
    "reply": "draft_reply",
    "proactive": "draft_proactive",
    "repair": "repair_reply",
    "gloss": "gloss",
    "intent": "choose_intent",
}


class Prompts:
    """The prompt files, rendered by one Jinja2 environment with StrictUndefined.

    Buyer and KB text are passed in as variables and escaped by the `data` filter, so they can
    neither be compiled as templates nor close the delimiters they sit between.
    """

    def __init__(self, prompts_dir: Path) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(prompts_dir),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self._env.filters["data"] = _neutralise_delimiters
        self._env.filters["moment"] = moment
        self._pairs: dict[str, tuple[jinja2.Template, jinja2.Template]] = {}
        self._versions: dict[str, str] = {}
        for purpose, stem in _STEMS.items():
            names = (f"{stem}.system.j2", f"{stem}.user.j2")
            self._pairs[purpose] = (
                self._env.get_template(names[0]),
                self._env.get_template(names[1]),
            )
            digest = hashlib.sha256()
            for name in names:
                digest.update((prompts_dir / name).read_bytes())
            self._versions[purpose] = f"{stem}@{digest.hexdigest()[:10]}"

    def version(self, job: DraftJob) -> str:
        return self._versions[job.purpose]

    def repair_version(self) -> str:
        return self._versions["repair"]

    def messages(self, job: DraftJob) -> list[dict[str, str]]:
        return self._render(job.purpose, {"job": job})

    def repair_messages(
        self, job: DraftJob, *, draft: str, findings: Sequence[Finding]
    ) -> list[dict[str, str]]:
        """The model's own draft and what the guard found in it, to be rewritten."""
        return self._render("repair", {"job": job, "draft": draft, "findings": findings})

    def gloss_version(self) -> str:
        return self._versions["gloss"]

    def gloss_messages(self, *, message: str, draft: str, target: str) -> list[dict[str, str]]:
        """The buyer's message and the draft, to be translated into ``target`` (a code)."""
        variables = {"message": message, "draft": draft, "target_name": language_name(target)}
        return self._pair("gloss", variables)

    def intent_version(self) -> str:
        return self._versions["intent"]

    def intent_messages(self, *, message: str, language: str) -> list[dict[str, str]]:
        """A buyer's message, for the model to name its intent (the list is in the system
        prompt, which holds no variable)."""
        variables = {"message": message, "language_name": language_name(language)}
        return self._pair("intent", variables)

    def _render(self, purpose: str, variables: dict[str, object]) -> list[dict[str, str]]:
        job = variables["job"]
        assert isinstance(job, DraftJob)
        return self._pair(purpose, variables | {"language_name": language_name(job.language)})

    def _pair(self, purpose: str, variables: Mapping[str, object]) -> list[dict[str, str]]:
        """The purpose's system and user messages, rendered with ``variables``."""
        system, user = self._pairs[purpose]
        return [
            {"role": "system", "content": system.render(variables)},
            {"role": "user", "content": user.render(variables)},
        ]


# The data blocks' delimiters (<<<NAME … NAME>>>), and what they become inside the data, so that
# no buyer text can close a block: an answer holding any of them gives its prompt away.
DELIMITERS = {"<<<": "‹‹‹", ">>>": "›››"}
MARKERS = (*DELIMITERS, *DELIMITERS.values())


def moment(value: datetime) -> str:
    """ "Monday 7 December 2026, 14:03 (Europe/Berlin)": English words, whatever the buyer's
    language (the prompt's instructions are English)."""
    zone = getattr(value.tzinfo, "key", None) or value.strftime("%Z") or "UTC"
    return f"{value:%A} {value.day} {value:%B %Y, %H:%M} ({zone})"


def _neutralise_delimiters(value: object) -> str:
    text = str(value)
    for delimiter, neutral in DELIMITERS.items():
        text = text.replace(delimiter, neutral)
    return text


_LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "ja": "Japanese",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "pl": "Polish",
    "tr": "Turkish",
    "ar": "Arabic",
}


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, code)
