"""Knowledge-base files: reading one markdown file into an `Entry`, or into located errors.

A file is judged on its own here; what depends on the other files (duplicate ids, keeping the
last good version of a broken file) is decided by `service.knowledge` when it assembles them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from service.knowledge.render import TemplateProblem, check_template
from service.understand.intents import INTENTS

Kind = Literal["template", "article"]
KINDS: Final = ("template", "article")
REQUIRED: Final = ("id", "kind", "title", "language", "intents")
OPTIONAL: Final = ("asins", "tags", "purpose")
# What a template is for: replies (chosen by intent), acknowledgements (holding replies) and
# proactive messages (chosen by id, `<lang>/proactive/<kind>`). Intents: the API's list.
PURPOSES: Final = ("reply", "acknowledgement", "proactive")
# Ids end up in URLs and in the draft's `sources`: keep them to lowercase path-like slugs.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*")
_LANGUAGE = re.compile(r"[a-z]{2}")
_ASIN = re.compile(r"[A-Z0-9]{10}")
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10k files load in time


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: Kind
    title: str
    language: str
    intents: tuple[str, ...]
    asins: tuple[str, ...]
    tags: tuple[str, ...]
    body: str
    path: str  # relative to the knowledge-base directory, with "/" separators
    line: int  # the line of the file where the body starts, so messages can point into it
    id_line: int = 2  # the line of the `id:` key, for messages about the id itself
    purpose: str = "reply"


@dataclass(frozen=True, slots=True)
class KBError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file as last read: its text (to skip unchanged files on reload) and what it gave."""

    text: str
    entry: Entry | None
    errors: tuple[KBError, ...]


class _Invalid(Exception):
    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


def kb_files(kb_dir: Path) -> list[Path]:
    """`kb_dir/**/*.md` in a stable order; dot-directories (drafts, editors' files) skipped."""
    return sorted(
        p
        for p in kb_dir.rglob("*.md")
        if not any(part.startswith(".") for part in p.relative_to(kb_dir).parts)
    )


def read_file(file: Path, *, rel: str, previous: FileResult | None = None) -> FileResult:
    """Read and validate one file; reuses `previous` when the text has not changed."""
    try:
        raw = file.read_bytes()
    except OSError as exc:  # deleted or unreadable between the listing and the read
        return FileResult("", None, (KBError(rel, 1, f"cannot read: {exc.strerror}"),))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"not UTF-8: {exc.reason} at byte {exc.start}"
        return FileResult("", None, (KBError(rel, 1, message),))
    if previous is not None and previous.text == text:
        return previous
    try:
        return FileResult(text, parse_entry(text, rel=rel), ())
    except _Invalid as exc:
        errors = tuple(KBError(rel, line, message) for line, message in sorted(exc.problems))
        return FileResult(text, None, errors)


def parse_entry(text: str, *, rel: str) -> Entry:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if lines[0].rstrip() != "---":
        raise _Invalid([(1, "no front matter: the file must start with a '---' line")])
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        raise _Invalid([(1, "front matter is not closed by a '---' line")])
    meta, key_lines = _parse_front_matter("\n".join(lines[1:close]))
    body_start = close + 1
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1
    body = "\n".join(lines[body_start:]).rstrip()
    body_line = body_start + 1  # 1-based

    problems = _validate(meta, key_lines)
    if not body:
        problems.append((close + 1, "the body after the front matter is empty"))
    if meta.get("kind") == "template" and body:
        # Syntax and variables only: compiling waits for the first render (a tenth of the cost
        # of a load), so 10,000 templates load in seconds and a typo still fails here.
        try:
            check_template(body)
        except TemplateProblem as exc:
            problems.append((body_line + exc.lineno - 1, exc.message))
    if problems:
        raise _Invalid(problems)
    return Entry(
        id=meta["id"],
        kind=meta["kind"],
        title=meta["title"].strip(),
        language=meta["language"],
        intents=tuple(meta["intents"]),
        asins=tuple(dict.fromkeys(a.strip().upper() for a in meta.get("asins") or ())),
        tags=tuple(meta.get("tags") or ()),
        body=body,
        path=rel,
        line=body_line,
        id_line=key_lines["id"],
        purpose=meta.get("purpose", "reply"),
    )


def _parse_front_matter(source: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter and the file line of each key (the YAML starts on line 2)."""
    loader = _LOADER(source)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Invalid([(mark.line + 2 if mark else 1, f"invalid YAML: {problem}")]) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise _Invalid([(2, "front matter must be a YAML mapping of keys to values")])
    key_lines: dict[str, int] = {}
    for key, _value in node.value:
        if str(key.value) in key_lines:  # PyYAML would silently keep the last one
            raise _Invalid([(key.start_mark.line + 2, f"duplicate key '{key.value}'")])
        key_lines[str(key.value)] = key.start_mark.line + 2
    return {str(k): v for k, v in data.items()}, key_lines


def _validate(meta: dict[str, Any], key_lines: dict[str, int]) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []

    def bad(key: str, message: str) -> None:
        problems.append((key_lines.get(key, 1), message))

    for key in meta:
        if key not in REQUIRED and key not in OPTIONAL:
            hint = _did_you_mean(key, REQUIRED + OPTIONAL)
            bad(key, f"unknown key '{key}'{hint} (allowed: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in meta:
            problems.append((1, f"missing required key '{key}'"))
    value = meta.get("id")
    if "id" in meta and not (isinstance(value, str) and _ID.fullmatch(value)):
        bad("id", f"id must be a lowercase slug like 'shipping/where-is-my-order', got {value!r}")
    if "kind" in meta and meta["kind"] not in KINDS:
        bad("kind", f"kind must be 'template' or 'article', got {meta['kind']!r}")
    value = meta.get("title")
    if "title" in meta and not (isinstance(value, str) and value.strip()):
        bad("title", "title must be a non-empty string")
    value = meta.get("language")
    if "language" in meta and not (isinstance(value, str) and _LANGUAGE.fullmatch(value)):
        # YAML 1.1 reads an unquoted `no` (Norwegian) as false
        hint = " (quote it)" if isinstance(value, bool) else ""
        bad("language", f"language must be a 2-letter lowercase code like 'en': {value!r}{hint}")
    if "purpose" in meta and meta["purpose"] not in PURPOSES:
        bad("purpose", f"purpose must be one of {', '.join(PURPOSES)}, got {meta['purpose']!r}")
        meta.pop("purpose")
    for key in ("intents", "asins", "tags"):
        value = meta.get(key)
        if key in meta and not (
            isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        ):
            bad(key, f"{key} must be a list of strings, like [a, b]")
            meta.pop(key)
    for intent in meta.get("intents") or ():
        if intent not in INTENTS:
            bad("intents", f"unknown intent '{intent}'{_did_you_mean(intent, INTENTS)}")
    if meta.get("kind") == "template" and meta.get("intents") == []:
        bad("intents", "a template needs at least one intent")
    for asin in meta.get("asins") or ():
        if not _ASIN.fullmatch(asin.strip().upper()):
            bad("asins", f"'{asin}' is not an ASIN (10 letters and digits)")
    return problems


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
