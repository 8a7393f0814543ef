"""Ranking by meaning beside BM25 (`service.knowledge.dense`): the fusion, who gets a vector,
and when an entry without a word of the query is a hit."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from guardrails import artifacts
from guardrails.artifacts import ArtifactError
from service.knowledge import KnowledgeBase
from service.knowledge.dense import FUSION_K, MIN_SIMILARITY, fuse
from service.understand.word_vectors import (
    REBUILD,
    VECTORS_FILE,
    VOCABULARY_FILE,
    WordVectors,
    word_vectors,
)
from tests.service.knowledge.support import entry

ASIN = "B0TESTASIN"
BODIES = {
    "charge": "A full charge runs for about ten hours of playback.",
    "size": "The shoes run small: pick one size larger than usual.",
    "garden": "Water tomatoes early in the morning during hot summers.",
}
QUESTION = "How long does the battery last?"  # no word in common with any body


def _kb(*, listed: bool, vectors: bool = True) -> KnowledgeBase:
    asins = (ASIN,) if listed else ()
    entries = [entry(f"p/{k}", k.title(), v, asins=asins) for k, v in BODIES.items()]
    return KnowledgeBase(entries=entries, vectors=vectors)


def test_fusion_sums_reciprocal_ranks_and_a_row_outside_a_ranking_gets_nothing_from_it() -> None:
    rows = np.array([0, 1, 2])
    lexical = np.array([2.0, np.nan, 5.0])  # row 2 first, row 0 second, row 1 absent
    meaning = np.array([0.9, 0.8, np.nan])  # row 0 first, row 1 second, row 2 absent
    fused = fuse(rows, lexical, meaning)
    first, second = 1 / (FUSION_K + 1), 1 / (FUSION_K + 2)
    assert fused.tolist() == pytest.approx([second + first, second, first])


def test_fusion_breaks_ties_by_row() -> None:
    fused = fuse(np.array([4, 7]), np.array([1.0, 1.0]), np.array([np.nan, np.nan]))
    assert fused[0] > fused[1]


def test_an_entry_for_the_buyers_product_is_ranked_by_meaning_without_a_shared_word() -> None:
    hits = _kb(listed=True).search(QUESTION, language="en", asin=ASIN)
    assert next(h.entry.id for h in hits) == "p/charge"
    assert all(h.score > 0 for h in hits)
    # BM25 alone finds nothing: no word of the question is in any entry.
    assert _kb(listed=True, vectors=False).search(QUESTION, language="en", asin=ASIN) == []


def test_a_general_entry_without_a_shared_word_needs_the_similarity_floor() -> None:
    kb = _kb(listed=False)
    similarity = kb._dense.similarity(QUESTION, "en")
    assert similarity is not None and float(np.nanmax(similarity)) < MIN_SIMILARITY
    assert kb.search(QUESTION, language="en") == []


def test_a_lexical_hit_stays_a_hit_and_the_unrelated_entry_stays_out() -> None:
    hits = _kb(listed=False).search("tomatoes in summer", language="en")
    assert [h.entry.id for h in hits] == ["p/garden"]


def test_languages_without_vectors_rank_by_bm25_alone() -> None:
    entries = [
        entry("de/akku", "Akku", "Der Akku hält zehn Stunden.", language="de"),
        entry("de/rueckgabe", "Rückgabe", "Rücksendung innerhalb von 30 Tagen.", language="de"),
    ]
    hybrid = KnowledgeBase(entries=entries).search("Wie lange hält der Akku?", language="de")
    plain = KnowledgeBase(entries=entries, vectors=False).search(
        "Wie lange hält der Akku?", language="de"
    )
    assert [(h.entry.id, h.score) for h in hybrid] == [(h.entry.id, h.score) for h in plain]
    assert [h.entry.id for h in hybrid] == ["de/akku"]


def test_the_shipped_vectors_load_and_read_english_only() -> None:
    manifest = artifacts.read_manifest(VECTORS_FILE, rebuild=REBUILD)
    vocabulary = hashlib.sha256(VOCABULARY_FILE.read_bytes()).hexdigest()
    assert manifest["examples_sha256"] == vocabulary, f"rebuild with `{REBUILD}`"
    words = word_vectors()
    assert words is not None and words.table.dtype == np.int8
    assert len(words.pieces("How long does the battery last?")) >= 5
    assert len(words.pieces("バッテリーはどのくらい持ちますか")) == 0  # no English piece


def test_missing_vectors_mean_bm25_alone_and_altered_vectors_are_refused(tmp_path: Path) -> None:
    assert WordVectors.load(tmp_path / "absent.npz") is None
    altered = tmp_path / VECTORS_FILE.name
    altered.write_bytes(VECTORS_FILE.read_bytes()[:-10] + b"0123456789")
    (tmp_path / VECTORS_FILE.with_suffix(".json").name).write_bytes(
        VECTORS_FILE.with_suffix(".json").read_bytes()
    )
    with pytest.raises(ArtifactError, match="does not match"):
        WordVectors.load(altered)
