"""The acceptance floors, computed by the same code as `make eval` (evals/guardrails*.py)."""

from __future__ import annotations

from functools import cache

import frontmatter
import pytest

from evals import guardrails as ev
from evals import guardrails_external as ext
from evals import twitter_text
from guardrails import check
from guardrails.marketplaces import HOME_MARKETPLACE
from service.knowledge.render import compile_template, render_template, sample_context

CASES = ev.load_corpus()
LANGUAGES = ("en", "de", "fr", "es", "it", "ja")
RULES = (
    "external_link",
    "insecure_link",
    "email_address",
    "phone_number",
    "off_platform",
    "review_solicitation",
    "incentive",
    "marketing",
    "emoji",
    "formatting",
    "order_id_missing",
    "order_id_mismatch",
    "placeholder",
    "language_mismatch",
    "unprofessional",
    "length",
    "amazon_duplicate",
)


@cache
def corpus_score() -> ev.Score:
    return ev.score(CASES)


def test_corpus_is_large_and_covers_every_rule_in_every_language() -> None:
    assert len(CASES) >= 400
    for language in LANGUAGES:
        mine = [c for c in CASES if c.language == language]
        assert sum(1 for c in mine if not c.rules) >= 15, language
        for rule in RULES:
            assert any(rule in c.rules for c in mine), (rule, language)


@pytest.mark.eval
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("rule", RULES)
def test_recall_floor(rule: str, language: str) -> None:
    result = corpus_score()
    assert result.recall(rule, language) >= ev.RECALL_FLOOR, [
        m for m in result.misses if f"[{rule}]" in m
    ]


@pytest.mark.eval
def test_clean_replies_come_back_byte_identical() -> None:
    result = corpus_score()
    assert result.untouched_share >= ev.UNTOUCHED_FLOOR, result.dirty
    assert result.removed_per_1000 == 0


def test_knowledge_base_templates_pass_untouched() -> None:
    """Every shipped reply template, rendered with the sample order, passes with no finding."""
    checked = 0
    problems = []
    for path in sorted((ev.REPO / "knowledge_base").rglob("*.md")):
        post = frontmatter.load(path)
        language = str(post.get("language", "en"))
        if post.get("kind") != "template" or language not in HOME_MARKETPLACE:
            continue
        market = HOME_MARKETPLACE[language]
        context = sample_context() | {"marketplace": market}
        text = render_template(compile_template(post.content), context, name=str(path))
        report = check(text, order_id=ev.ORDER_ID, marketplace=market, language=language)
        checked += 1
        if report.findings or report.text != text:
            problems.append((path.name, [(f.rule, f.match[:50]) for f in report.findings]))
    assert checked > 0
    assert problems == []


needs_eval_data = pytest.mark.skipif(
    ext.eval_data_missing() is not None, reason=ext.eval_data_missing() or ""
)


@pytest.mark.eval
@needs_eval_data
def test_presidio_phone_email_and_domain_recall_with_no_other_entity_removed() -> None:
    result = ext.presidio_score()
    for kind in ("phone", "email", "link"):
        assert result.recall(kind) >= ext.PII_RECALL_FLOOR, (kind, result.misses)
    assert result.others > 2000
    assert result.others_removed == 0, result.wrong


@pytest.mark.eval
@needs_eval_data
def test_bitext_responses_that_send_buyers_elsewhere_are_caught() -> None:
    cases = ext.bitext_cases()
    result = ev.score(cases)
    assert {"off_platform", "phone_number", "email_address"} <= {r for r, _ in result.totals}
    for rule, language in result.totals:
        assert result.recall(rule, language) >= ev.RECALL_FLOOR, result.misses


@pytest.mark.eval
@needs_eval_data
def test_sms_ham_passes_the_marketing_rule() -> None:
    """No phrase finds marketing in ordinary text messages. The sentence model, which reads
    seller replies and only flags, is allowed one chat message in 200: personal chat is far
    from what it learnt ("we have now moved in2 our pub" reads like a shop's news); it flagged
    10 of 4,827 when this floor was set."""
    total, by_phrase, by_model = ext.sms_marketing_flagged()
    assert total > 4000
    assert by_phrase == []
    assert len(by_model) <= total // 200, by_model


@pytest.mark.eval
def test_blind_fresh_probe() -> None:
    """tests/data/guardrails-fresh: written blind (first score 88.6% found, 36/36 clean intact)."""
    result = ev.score(ev.load_corpus(ev.FRESH_DIR))
    found, total = sum(result.hits.values()), sum(result.totals.values())
    assert found / total >= ev.RECALL_FLOOR, result.misses
    assert result.untouched == result.clean, result.dirty


@pytest.mark.eval
def test_twitter_text_url_conformance() -> None:
    """twitter-text's URL cases (evals/data/twitter-text): 139 of 140 removed when set."""
    result = twitter_text.score()
    assert result.total >= 140
    assert result.rate >= twitter_text.FLOOR, result.misses
