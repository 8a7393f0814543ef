"""Phrase rule files: what a message says, sentence by sentence, from patterns ops can edit.

A file (`service/data/<kind>/<lang>.yaml`) maps each of its kind's names (an escalation reason,
a concern) to `match` patterns with an optional `unless`, or to a list of such rules, each with
its own `unless` (a look-alike context then cancels only the words it is about). Top-level lists
of patterns hold what a kind reads besides, such as a file-wide `unless`: a sentence it matches
counts for no name at all. Patterns are Python regular expressions over the case-folded (NFKC)
text, typographic apostrophes typed as '.

Escalation (service/understand/escalation.py) and the problems a request mentions
(service/understand/concerns.py) read their files through this module.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from guardrails.textnorm import normalize

# libyaml when PyYAML has it: the phrase files parse ten times faster, at every start.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SENTENCE = re.compile(r"[^.!?;。！？\n]+")
GENERAL = "unless"
# The most of one sentence a pattern sees at once. Ops write these patterns, and one that scans
# ahead (`(?!.*…)`) at every position is quadratic: on a 20,000-character run without a full
# stop it took seven seconds. Longer sentences are read in overlapping windows, each longer
# than any phrase, so a phrase is never lost at a cut.
WINDOW = 400
_OVERLAP = 100


@dataclass(frozen=True, slots=True)
class Rule:
    match: re.Pattern[str]
    unless: re.Pattern[str] | None

    def fires(self, sentence: str) -> bool:
        return bool(self.match.search(sentence)) and not (
            self.unless is not None and self.unless.search(sentence)
        )


@dataclass(frozen=True, slots=True)
class RuleFile:
    rules: dict[str, tuple[Rule, ...]]
    lists: dict[str, re.Pattern[str] | None]

    def pattern(self, key: str) -> re.Pattern[str] | None:
        return self.lists.get(key)


def compile_patterns(patterns: list[str], *, where: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise ValueError(f"{where}: bad pattern: {exc}") from exc


def load(path: Path, *, names: Sequence[str], lists: Iterable[str] = (GENERAL,)) -> RuleFile:
    """The file's rules per name and its top-level lists; an empty file for a missing path.
    ``ValueError`` names the file and key of an unknown name or a bad pattern."""
    if not path.is_file():
        return RuleFile({}, {})
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    top = {key: raw.pop(key, None) for key in lists}
    found: dict[str, tuple[Rule, ...]] = {}
    for name, spec in raw.items():
        if name not in names:
            raise ValueError(f"{path.name}: unknown name {name!r} (use {', '.join(names)})")
        where = f"{path.name}:{name}"
        found[name] = tuple(
            Rule(
                match=compile_patterns(group["match"], where=where),
                unless=compile_patterns(group["unless"], where=where)
                if group.get("unless")
                else None,
            )
            for group in (spec if isinstance(spec, list) else [spec])
        )
    compiled: dict[str, re.Pattern[str] | None] = {}
    for key, patterns in top.items():
        if patterns is not None and not (isinstance(patterns, list) and patterns):
            raise ValueError(f"{path.name}: {key} must be a non-empty list of patterns")
        compiled[key] = compile_patterns(patterns, where=f"{path.name}:{key}") if patterns else None
    return RuleFile(found, compiled)


def fold(text: str) -> str:
    # Typographic apostrophes as typed ones: "s’est brûlé" is "s'est brûlé".
    return normalize(text).replace("\u2019", "'")


def read(
    text: str, files: Sequence[RuleFile], names: Sequence[str]
) -> tuple[tuple[str, ...], bool]:
    """The names found in ``text`` (in ``names`` order), and whether some sentence was set
    aside by a file-wide `unless`."""
    general = [p for f in files if (p := f.pattern(GENERAL)) is not None]
    found: set[str] = set()
    set_aside = False
    for sentence in _windows(SENTENCE.findall(fold(text))):
        if any(p.search(sentence) for p in general):
            set_aside = True
            continue
        for file in files:
            for name, group in file.rules.items():
                if name not in found and any(rule.fires(sentence) for rule in group):
                    found.add(name)
    return tuple(n for n in names if n in found), set_aside


def _windows(sentences: Iterable[str]) -> Iterator[str]:
    for sentence in sentences:
        if len(sentence) <= WINDOW:
            yield sentence
            continue
        for start in range(0, len(sentence) - _OVERLAP, WINDOW - _OVERLAP):
            yield sentence[start : start + WINDOW]


class RuleBook:
    """One kind's files, `<directory>/<lang>.yaml`: each language's file loaded once, on first
    use. A message is read with its language's file and the `always` language's (English:
    buyers mix it into every language)."""

    def __init__(
        self,
        directory: Path,
        *,
        names: Sequence[str],
        lists: Iterable[str] = (GENERAL,),
        always: str = "en",
    ) -> None:
        self.directory = directory
        self.names = tuple(names)
        self._lists = tuple(lists)
        self._always = always
        self.load = functools.cache(self._load)

    def _load(self, language: str) -> RuleFile:
        return load(self.directory / f"{language}.yaml", names=self.names, lists=self._lists)

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(p.stem for p in self.directory.glob("*.yaml")))

    def files(self, language: str) -> list[RuleFile]:
        """The language's file, then the `always` language's."""
        return [self.load(code) for code in dict.fromkeys((language, self._always))]

    def read(self, text: str, language: str) -> tuple[tuple[str, ...], bool]:
        """:func:`read` with the language's files."""
        return read(text, self.files(language), self.names)

    def warm_up(self) -> None:
        for code in self.languages():
            self.load(code)
