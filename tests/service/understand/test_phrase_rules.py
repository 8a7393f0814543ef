"""Phrase rule files (`service.understand.phrase_rules`): sentences read in windows, so that a
pattern that scans ahead cannot take seconds on a long run without a full stop."""

from __future__ import annotations

import re

from service.understand import escalation
from service.understand.phrase_rules import WINDOW, Rule, RuleFile, read


class Recording:
    """A pattern that notes the length of every text it is asked to search."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        self.lengths: list[int] = []

    def search(self, text: str) -> re.Match[str] | None:
        self.lengths.append(len(text))
        return self.pattern.search(text)


def rule_file(pattern: Recording) -> RuleFile:
    return RuleFile({"found": (Rule(match=pattern, unless=None),)}, {})  # type: ignore[arg-type]


def test_a_long_sentence_is_read_in_windows_and_a_phrase_at_a_cut_is_found() -> None:
    for at in (0, WINDOW - 5, WINDOW * 3 - 10, 5_000 - len("chargeback")):
        text = "x" * at + "chargeback" + "y" * (5_000 - at - len("chargeback"))
        pattern = Recording(r"chargeback")
        assert read(text, [rule_file(pattern)], ["found"]) == (("found",), False), at
        assert max(pattern.lengths) <= WINDOW


def test_short_sentences_are_read_whole() -> None:
    pattern = Recording(r"refund")
    text = "Where is my refund? " * 3
    assert read(text, [rule_file(pattern)], ["found"]) == (("found",), False)
    assert pattern.lengths and max(pattern.lengths) <= len(" where is my refund")


def test_a_sentence_that_rules_a_claim_out_still_does_after_the_fix() -> None:
    # The file-wide `unless` once began with a look-ahead over the rest of the sentence at
    # every position (quadratic); it now looks ahead only where its phrase matched.
    ruled_out = escalation.detect("I will not file an A-to-z claim over this.", language="en")
    assert not ruled_out.recommended
    hedged = escalation.detect(
        "I will not file an A-to-z claim, but only if you answer today.", language="en"
    )
    assert hedged.recommended
