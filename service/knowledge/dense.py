"""Ranking by meaning beside BM25: word vectors per entry, and the fusion of the two rankings.

BM25 finds the entries that share the query's words; it misses "will it fit my F-150" against
an entry that says "compatible with Ford pickups". Each English entry (title and text) is also
the IDF-weighted mean of its word pieces' vectors (service/understand/word_vectors.py), and a
query is compared with it by cosine. The two rankings are merged by reciprocal rank fusion
(Cormack, Clarke and Büttcher, 2009): an entry's score is the sum of 1 / (FUSION_K + rank) over
the rankings it is in; BM25's ranking holds the entries with a word in common, the vectors'
those at least MIN_SIMILARITY alike (any entry written for the buyer's product), so an entry that
shares no word with the query is found only when it is that close in meaning or about the
product the buyer ordered.

Measured on ePQA (real Amazon product questions; `python -m evals retrieval_epqa`, which reports
the half used to choose these settings and the half that was not) and on hetPQA's evidence
ranking (evals/data/hetpqa), which no setting was chosen on: MAP@10 1.259× plain BM25 within
the ASIN's candidates, scored once on 2026-12-07 (ePQA's held-out half: 1.195×). Languages
without word vectors (everything but English, for now: the encoder's vocabulary is English)
rank by BM25 alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from service.knowledge.files import Entry
from service.understand.word_vectors import WordVectors

DENSE_LANGUAGES = frozenset({"en"})
FUSION_K = 60  # the paper's constant; 10-60 score alike on the tuning half
# An entry that shares no word with the query is a hit when it is this alike (cosine): the 99th
# percentile of a question against answers about other products (ePQA, tuning half: median
# 0.43, 99th 0.79; its helpful answers: median 0.72). An entry written for the buyer's product
# (an ASIN of the order) needs no such floor: it is about what they bought, and the fused
# ranking orders it.
MIN_SIMILARITY = 0.79

Rows = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float64]


class Dense:
    """One unit vector per entry of a DENSE_LANGUAGES language (zero rows for the rest), and
    the piece weights (IDF over those entries) that queries are read with."""

    __slots__ = ("_has", "_matrix", "_weights", "_words")

    def __init__(
        self, entries: Sequence[Entry], plain: Sequence[str], words: WordVectors | None
    ) -> None:
        self._words = words
        rows = [row for row, e in enumerate(entries) if e.language in DENSE_LANGUAGES]
        self._has = np.zeros(len(entries), dtype=np.bool_)
        if words is None or not rows:
            self._matrix = np.zeros((0, 0), dtype=np.float32)
            self._weights = np.zeros(0, dtype=np.float32)
            return
        # The text only: BM25 reads the title; a title shared by many entries (the product's
        # name on each of its answers) would pull their vectors together (chosen on ePQA's
        # tuning half: MAP@10 0.797 with the title, 0.810 without).
        # One by one: a batch would start the tokenizer's thread pool (and its memory) for good.
        ids = [words.pieces(plain[row]) for row in rows]
        frequency = np.zeros(words.size, dtype=np.float64)
        for found in ids:
            frequency[np.unique(found)] += 1
        # A piece in every entry says nothing about which one; one seen nowhere, the most.
        count = len(rows)
        self._weights = (np.log((count + 1) / (frequency + 1)) + 1).astype(np.float32)
        self._matrix = np.zeros((len(entries), words.table.shape[1]), dtype=np.float32)
        for row, found in zip(rows, ids, strict=True):
            vector = words.embed(found, self._weights)
            if vector is not None:
                self._matrix[row] = vector
                self._has[row] = True

    def similarity(self, query: str, language: str | None) -> Scores | None:
        """Cosine of the query with every entry (NaN for entries without a vector), or None
        when the language has no vectors or the query no English word piece."""
        if self._words is None or language not in DENSE_LANGUAGES or not self._has.any():
            return None
        vector = self._words.embed(self._words.pieces(query), self._weights)
        if vector is None:
            return None
        return np.where(self._has, self._matrix @ vector, np.nan)


def _rank_terms(rows: Rows, scores: Scores) -> Scores:
    """1 / (FUSION_K + rank) of each row by score (best first, ties by row; ranks from 1),
    0 for the rows this ranking does not hold (score NaN)."""
    terms = np.zeros(len(rows), dtype=np.float64)
    ranked = np.flatnonzero(~np.isnan(scores))
    order = ranked[np.lexsort((rows[ranked], -scores[ranked]))]
    terms[order] = 1.0 / (FUSION_K + 1 + np.arange(len(order), dtype=np.float64))
    return terms


def fuse(rows: Rows, lexical: Scores, meaning: Scores) -> Scores:
    """Reciprocal rank fusion of two rankings of ``rows``; NaN marks a row absent from one."""
    return _rank_terms(rows, lexical) + _rank_terms(rows, meaning)
