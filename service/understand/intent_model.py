"""The intent classifier: character n-gram TF-IDF vectors, a linear stage and nearest examples.

Learnt from `service/data/intents/<language>/<intent>.txt`, one example a line, so ops extend
it by adding lines, in any language, without code, then run `replydesk intents build`, which
writes the fitted arrays to service/data/intent_model.npz (service/understand/intent_fit.py
trains, intent_artifact.py stores and loads). A start loads that file; it never trains. One
model serves every language: n-grams inside words carry the meaning across inflections, typos
and missing accents, and the Japanese examples (no spaces) are n-grams of their character runs
alike.

Two readers of the same vector. The linear stage (a multinomial logistic regression over the
n-grams of two examples or more) reads a message in a fraction of the neighbours' time, and
decides alone when it is sure (LINEAR_SURE: 96% of the messages of `python -m evals intents`).
Below that, and whenever it says A-to-z claim, the nearest examples read it too: per intent,
the mean similarity of its NEIGHBOURS closest examples, turned into shares, averaged with the
linear stage's. Each alone is right where the other is wrong on about one message in twelve of
routing set `a`; together they score higher than the neighbours alone on routing set `c`
(written to check this) and on the Bitext, CLINC150 and ePQA test splits of
`python -m evals intents`. No randomness anywhere: the same text always gets the same answer.

product_question or `other` (non-Japanese text) is then settled by word log-odds blended with
the trained stage of service/understand/product_stage.py, which `python -m evals.intents build`
fits offline on the same example files (rebuild it after editing a product_question or other
file).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from service.understand import intent_artifact
from service.understand.features import features, has_cjk
from service.understand.intent_artifact import FittedIntents, Grams
from service.understand.product_stage import STAGE_FILE, ProductStage

OTHER = "other"
NEIGHBOURS = 3  # per intent: one lucky look-alike example is not enough evidence
TEMPERATURE = 0.04  # turns the neighbours' scores into shares that read as a confidence
# The linear stage decides alone when its best share is at least LINEAR_SURE; below, the
# neighbours' shares weigh 1 - LINEAR_SHARE of the answer. Both chosen on routing set `a`
# (in-sample) from 0.6/0.8/0.9 and 0.3/0.5/0.7, the evals' sets agreeing.
LINEAR_SURE = 0.6
LINEAR_SHARE = 0.5
# An intent that escalates a message (service/understand/escalation.py) is never the linear
# stage's word alone: one heavy word ("Amazon" in a claim's examples) must not make a product
# question a claim.
ALWAYS_BLENDED = frozenset({"a_to_z_claim"})
# product_question or other: decided by word (bi)gram log-odds, which generalise over the many
# ways a product is asked about better than the nearest examples do (tuned on dev rows only).
PRODUCT_MARGIN = 1.0
PRODUCT = "product_question"
# Without service/data/product_vs_other.npz, the log-odds alone decide, against PRODUCT_MARGIN.


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float
    scores: dict[str, float]  # each intent's share, 0-1 (they add up to 1, but for rounding)

    def share(self, intent: str) -> float:
        """The confidence the scores give ``intent`` (as ``confidence`` is the chosen one's)."""
        return round(min(self.scores.get(intent, 0.0), 1.0), 3)


def _shares(scores: npt.NDArray[np.float64], temperature: float = 1.0) -> npt.NDArray[np.float64]:
    """Scores turned into shares that add up to 1 (a softmax)."""
    exp = np.exp((scores - scores.max()) / temperature)
    shares: npt.NDArray[np.float64] = exp / exp.sum()
    return shares


class IntentModel:
    def __init__(
        self, fitted: FittedIntents, *, stage: ProductStage | Path | None = STAGE_FILE
    ) -> None:
        self._stage = ProductStage.load(stage) if isinstance(stage, Path) else stage
        self.intents = fitted.intents
        self.size = len(fitted.inv_norms)
        self._vocabulary = Vocabulary(fitted.grams)
        self._idf = fitted.idf
        self._rarest = math.log(1 + self.size) + 1
        # Postings by n-gram: a message touches only the examples sharing one of its n-grams.
        # Column c's entries are indptr[c]:indptr[c + 1], each an example and the n-gram's
        # count in it. The weight of an entry is worked out when a message needs it, as
        # training works it out (FittedIntents.weights), rather than held as a matrix of floats:
        # 3 MB of small integers instead of 13 MB.
        self._indptr = fitted.indptr
        self._rows = fitted.rows
        self._counts = fitted.counts
        self._inv_norms = fitted.inv_norms
        self._log_counts = np.array(
            [1 + math.log(c) if c else 0.0 for c in range(int(fitted.counts.max(initial=0)) + 1)]
        )
        self._bounds = fitted.bounds
        self._linear = fitted.linear_weights
        self._linear_bias = fitted.linear_bias
        # Column -> row of the linear weights (-1: an n-gram the linear stage does not weigh).
        self._linear_rows = np.full(len(fitted.idf), -1, dtype=np.int32)
        self._linear_rows[fitted.linear_columns] = np.arange(
            len(fitted.linear_columns), dtype=np.int32
        )
        # Per column, the word (bi)gram's product_question-vs-other log-odds (0 for the rest).
        self._product_odds = np.zeros(len(fitted.grams))
        self._product_odds[fitted.odds_columns] = fitted.odds
        self._has_odds = len(fitted.odds) > 0

    @classmethod
    def load(
        cls,
        path: Path = intent_artifact.ARTIFACT,
        *,
        stage: ProductStage | Path | None = STAGE_FILE,
    ) -> IntentModel:
        """The model `replydesk intents build` wrote (its hash checked against its manifest)."""
        return cls(intent_artifact.load(path), stage=stage)

    @classmethod
    def train(
        cls,
        examples: list[tuple[str, str, str]],
        *,
        intents: tuple[str, ...],
        stage: ProductStage | Path | None = STAGE_FILE,
    ) -> IntentModel:
        """A model fitted here and now (cross-validation, tests): seconds, not milliseconds."""
        from service.understand.intent_fit import fit

        return cls(fit(examples, intents=intents), stage=stage)

    def _read(self, text: str) -> tuple[Counter[str], list[int]]:
        """The message's n-grams and the column of each (-1 for one the model does not know):
        read once per prediction, for the neighbours and the word odds alike."""
        bag = features(text)
        return bag, self._vocabulary.columns(list(bag))

    def _vector(
        self, bag: Counter[str], found: list[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        counts = list(bag.values())
        known = [(col, c) for col, c in zip(found, counts, strict=True) if col >= 0]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.array([k for k, _ in known], dtype=np.int64)
        weights = np.array([1 + math.log(c) for _, c in known]) * self._idf[columns]
        # Normalised over all its n-grams, known or not (as rare as can be): words no example
        # has dilute the match, so a message about something else scores low everywhere.
        unknown = sum(
            (1 + math.log(c)) ** 2 for col, c in zip(found, counts, strict=True) if col < 0
        )
        norm = math.sqrt(float(weights @ weights) + unknown * self._rarest**2)
        return columns, weights / norm

    def predict(self, text: str) -> Prediction:
        bag, found = self._read(text)
        columns, weights = self._vector(bag, found)
        if len(columns) == 0:
            return Prediction(OTHER, 0.0, {})
        shares = self._linear_shares(columns, weights)
        best = int(np.argmax(shares))
        if shares[best] < LINEAR_SURE or self.intents[best] in ALWAYS_BLENDED:
            neighbours = _shares(self._closest(self._similarities(columns, weights)), TEMPERATURE)
            shares = LINEAR_SHARE * shares + (1 - LINEAR_SHARE) * neighbours
        best = int(np.argmax(shares))  # ties: the earlier intent of INTENTS, always the same
        intent = self.intents[best]
        if intent in (OTHER, PRODUCT) and self._has_odds and not has_cjk(text):
            # Japanese keeps the n-gram readers alone: its clauses have no words to weigh.
            choice = PRODUCT if self._product_odds_of(text, bag, found) > 0 else OTHER
            if choice in self.intents:
                intent = choice
        confidence = float(shares[self.intents.index(intent)])
        return Prediction(
            intent, round(min(max(confidence, 0.0), 1.0), 3), _rounded(self.intents, shares)
        )

    def _linear_shares(
        self, columns: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """The linear stage's share of each intent for the message's vector."""
        rows = self._linear_rows[columns]
        known = rows >= 0
        logits = weights[known] @ self._linear[rows[known]].astype(np.float64) + self._linear_bias
        return _shares(logits)

    def _similarities(
        self, columns: npt.NDArray[np.int64], weights: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Per example, the dot product of its vector with the message's. An entry of column c
        for example e weighs (1 + log count) · idf[c] / |e| (FittedIntents.weights), worked
        out here from 3 MB of small integers rather than held as 13 MB of floats; the example's
        1 / |e| is applied once to its sum. The sums differ from a sparse matrix product of the
        stored weights in the last bits only (tests/service/understand/test_intent_model.py)."""
        indptr = self._indptr
        spans = list(zip(indptr[columns].tolist(), indptr[columns + 1].tolist(), strict=True))
        rows = np.concatenate([self._rows[a:b] for a, b in spans])
        counts = np.concatenate([self._counts[a:b] for a, b in spans])
        lengths = [b - a for a, b in spans]
        values = np.take(self._log_counts, counts) * np.repeat(
            self._idf[columns] * weights, lengths
        )
        sums = np.bincount(rows, weights=values, minlength=self.size) * self._inv_norms
        return sums.astype(np.float64, copy=False)  # float64 already: for the type checker

    def _closest(self, similarities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per intent, the mean of its NEIGHBOURS closest examples, in ascending order: the
        same mean as ``np.mean(np.sort(...))``, to the last bit. Each round takes every intent's
        largest similarity at once (``maximum.reduceat``) and sets one example holding it
        aside; a loop over the intents, with a partition each, took three times as long."""
        bounds = self._bounds
        sizes = np.diff(bounds)
        if not len(sizes) or sizes.min() <= NEIGHBOURS:
            return self._closest_each(similarities)
        starts = bounds[:-1]
        left = similarities.copy()  # never the caller's array
        tops = []
        for _ in range(NEIGHBOURS):
            top = np.maximum.reduceat(left, starts)
            tops.append(top)
            held = np.flatnonzero(left == np.repeat(top, sizes))
            left[held[np.searchsorted(held, starts)]] = -np.inf  # the first in each intent
        total = tops[-1]
        for top in reversed(tops[:-1]):  # smallest first, as a sum over the sorted values
            total = total + top
        return np.asarray(total / NEIGHBOURS, dtype=np.float64)

    def _closest_each(self, similarities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`_closest` intent by intent, for a model with an intent of NEIGHBOURS examples
        or fewer (all of them count)."""
        scores = np.zeros(len(self.intents))
        bounds = self._bounds.tolist()
        for k in range(len(self.intents)):
            mine = similarities[bounds[k] : bounds[k + 1]].copy()
            if len(mine) > NEIGHBOURS:
                mine.partition(len(mine) - NEIGHBOURS)
                mine = mine[-NEIGHBOURS:]
            mine.sort()
            scores[k] = np.add.reduce(mine) / len(mine)
        return scores

    def word_odds(self, text: str) -> float:
        """Naive Bayes log-odds of the word (bi)grams: product_question rather than other."""
        return self._word_odds_of(*self._read(text))

    def product_odds(self, text: str) -> float:
        """Log-odds, past the decision margin, that a message asks about a product, not other."""
        return self._product_odds_of(text, *self._read(text))

    def _word_odds_of(self, bag: Counter[str], found: list[int]) -> float:
        odds = self._product_odds
        return sum(
            float(odds[col]) if col >= 0 else 0.0
            for gram, col in zip(bag, found, strict=True)
            if gram[:2] in ("w ", "b ")
        )

    def _product_odds_of(self, text: str, bag: Counter[str], found: list[int]) -> float:
        words = self._word_odds_of(bag, found)
        if self._stage is None:
            return words - PRODUCT_MARGIN
        return self._stage.odds(text, words, bag=bag)


class Vocabulary:
    """The model's n-grams and their columns, found without a Python string per n-gram (a dict
    of 120,000 strings would hold 15 MB of a server's memory): the first PREFIX bytes of every
    n-gram, sorted as fixed-width byte strings, are searched in C; the n-gram's own bytes in
    the vocabulary's blob confirm a hit."""

    PREFIX = 12

    def __init__(self, grams: Grams | Sequence[str]) -> None:
        self._blob = grams.blob if isinstance(grams, Grams) else Grams.of(list(grams)).blob
        raw = np.frombuffer(self._blob, dtype=np.uint8)
        if not len(raw):
            self._keys = np.zeros(0, dtype=f"S{self.PREFIX}")
            self._order = np.zeros(0, dtype=np.int32)
            self._starts = self._ends = np.zeros(0, dtype=np.int32)
            return
        breaks = np.flatnonzero(raw == 10).astype(np.int32)
        self._starts = np.concatenate(([0], breaks + 1)).astype(np.int32)
        self._ends = np.concatenate((breaks, [len(raw)])).astype(np.int32)
        lengths = self._ends - self._starts
        # One column of the table at a time: temporaries the size of the vocabulary, never of
        # the blob (an 8 MB index array a load would leave in the heap).
        table = np.zeros((len(self._starts), self.PREFIX), dtype=np.uint8)
        for j in range(self.PREFIX):
            longer = np.flatnonzero(lengths > j)
            table[longer, j] = raw[self._starts[longer] + j]
        keys = table.view(f"S{self.PREFIX}").ravel()
        self._order = np.argsort(keys, kind="stable").astype(np.int32)
        self._keys = keys[self._order]

    def __len__(self) -> int:
        return len(self._order)

    def columns(self, grams: list[str]) -> list[int]:
        """The column of each gram, -1 for a gram the model does not know. A gram shorter
        than PREFIX bytes is its whole key, and no other gram has that key (a longer one's key
        is PREFIX bytes long): the search in C settles it. Only longer grams (word pairs, long
        words), whose first PREFIX bytes several grams may share, are confirmed one by one."""
        if not grams or not len(self._order):
            return [-1] * len(grams)
        encoded = [g.encode("utf-8") for g in grams]
        wanted = np.array(encoded, dtype=self._keys.dtype)  # the first PREFIX bytes
        size, keys, blob = len(self._keys), self._keys, self._blob
        at = np.searchsorted(keys, wanted)
        near = np.minimum(at, size - 1)
        out: list[int] = np.where(keys[near] == wanted, self._order[near], -1).tolist()
        for i, gram in enumerate(encoded):
            if len(gram) < self.PREFIX or not gram:
                continue
            column, index, key = -1, int(at[i]), wanted[i]
            while index < size and keys[index] == key:  # same prefix side by side
                candidate = int(self._order[index])
                if blob[self._starts[candidate] : self._ends[candidate]] == gram:
                    column = candidate
                    break
                index += 1
            out[i] = column
        return out


def _rounded(intents: tuple[str, ...], scores: npt.NDArray[np.float64]) -> dict[str, float]:
    return {name: round(float(s), 4) for name, s in zip(intents, scores, strict=True)}
