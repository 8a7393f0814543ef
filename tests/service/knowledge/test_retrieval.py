"""Retrieval quality on ePQA and hetPQA: our search must beat plain BM25 computed in the same
run."""

from __future__ import annotations

import pytest

from evals import retrieval

pytestmark = pytest.mark.eval
needs_epqa = pytest.mark.skipif(
    not retrieval.EPQA.exists(),
    reason=f"ePQA eval data not found at {retrieval.EPQA} (set REPLYDESK_EVAL_DATA)",
)


@needs_epqa
def test_epqa_ours_is_at_or_above_plain_bm25_with_and_without_the_asin_filter() -> None:
    plain, plain_asin, ours, lexical = retrieval.run()
    assert ours.queries == plain.queries > 900
    for baseline in (plain, plain_asin, lexical):
        assert ours.p_at_1 >= baseline.p_at_1, (ours, baseline)
        assert ours.ndcg_at_5 >= baseline.ndcg_at_5, (ours, baseline)
        assert ours.mrr >= baseline.mrr, (ours, baseline)
        assert ours.map_at_10 >= baseline.map_at_10, (ours, baseline)
    # Floors a little under today's figures (0.776 / 0.862 / 0.781), so a regression shows.
    assert ours.p_at_1 >= 0.76 and ours.mrr >= 0.84 and ours.ndcg_at_5 >= 0.76, ours


@needs_epqa
def test_on_the_held_out_half_the_word_vectors_add_to_map_at_10() -> None:
    """The hybrid's settings were chosen on the tuning half; the other half is the figure:
    MAP@10 1.195× plain BM25 within the ASIN's candidates on 2026-12-06 (1.150× counting only
    label-2 answers), short of the 1.2× the routing issue asks. Floors under today's."""
    _, plain_asin, ours, lexical = retrieval.run(half="held-out")
    assert ours.map_at_10 >= 1.17 * plain_asin.map_at_10, (ours, plain_asin)
    assert ours.map_at_10 >= lexical.map_at_10 + 0.05, (ours, lexical)


def test_on_hetpqa_which_no_setting_was_chosen_on_ours_ranks_above_plain_bm25() -> None:
    """hetPQA's evidence ranking (shipped in evals/data/hetpqa) was added after the settings
    were chosen and scored once: MAP@10 1.259× plain BM25 within the ASIN's candidates on
    2026-12-07 (0.632 against 0.502). Floors under today's figures, so a regression shows."""
    plain, plain_asin, ours, lexical = retrieval.fresh()
    assert ours.queries == plain.queries == 386
    assert ours.map_at_10_helpful is None  # binary labels: no "fully answers" grade
    assert ours.map_at_10 >= 1.23 * plain_asin.map_at_10, (ours, plain_asin)
    assert ours.map_at_10 >= lexical.map_at_10 + 0.04, (ours, lexical)
    for baseline in (plain, plain_asin):
        assert ours.p_at_1 >= baseline.p_at_1 and ours.mrr >= baseline.mrr, (ours, baseline)
