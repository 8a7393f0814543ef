"""The intent classifier: character n-gram TF-IDF vectors and nearest example utterances.

Learnt from `service/data/intents/<language>/<intent>.txt`, one example a line, so ops extend
it by adding lines, in any language, without code, then run `replydesk intents build`, which
writes the fitted arrays to service/data/intent_model.npz (service/understand/intent_fit.py
trains, intent_artifact.py stores and loads). A start loads that file; it never trains. One
model serves every language: n-grams inside words carry the meaning across inflections, typos
and missing accents, and the Japanese examples (no spaces) are n-grams of their character runs
alike.

Why neighbours rather than a trained linear model: the examples are few per intent and
language, and "other" is many unrelated topics; the mean similarity of an intent's closest
examples keeps every topic of "other" its own island, and a low best similarity means the
message is like nothing we know, which is "other" too. No randomness anywhere: the same text
always gets the same answer.

product_question or `other` (non-Japanese text) is then settled by word log-odds blended with
the trained stage of service/understand/product_stage.py, which `python -m evals.intents build`
fits offline on the same example files (rebuild it after editing a product_question or other
file).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from service.understand import intent_artifact
from service.understand.features import features, has_cjk
from service.understand.intent_artifact import FittedIntents
from service.understand.product_stage import STAGE_FILE, ProductStage

OTHER = "other"
NEIGHBOURS = 3  # per intent: one lucky look-alike example is not enough evidence
MIN_SIMILARITY = 0.16  # below this the best intent is a guess: "other"
TEMPERATURE = 0.04  # turns the intents' scores into shares that read as a confidence
# product_question or other: decided by word (bi)gram log-odds, which generalise over the many
# ways a product is asked about better than the nearest examples do (tuned on dev rows only).
PRODUCT_MARGIN = 1.0
PRODUCT = "product_question"
# Without service/data/product_vs_other.npz, the log-odds alone decide, against PRODUCT_MARGIN.


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float
    similarity: float  # of the closest examples of that intent, 0–1
    scores: dict[str, float]


class IntentModel:
    def __init__(
        self, fitted: FittedIntents, *, stage: ProductStage | Path | None = STAGE_FILE
    ) -> None:
        self._stage = ProductStage.load(stage) if isinstance(stage, Path) else stage
        self.intents = fitted.intents
        self.size = len(fitted.inv_norms)
        self._vocabulary = dict(zip(fitted.grams, range(len(fitted.grams)), strict=True))
        self._idf = fitted.idf
        self._rarest = math.log(1 + self.size) + 1
        # Postings by n-gram: a message touches only the examples sharing one of its n-grams.
        # SciPy's sparse product is half again as fast as any NumPy spelling of it, and the
        # knowledge base's index (bm25s) has SciPy loaded in every server anyway.
        from scipy import sparse  # loaded with the model, in the start-up thread

        self._postings = sparse.csr_matrix(
            (fitted.weights(), fitted.rows.astype(np.int32), fitted.indptr),
            shape=(len(fitted.grams), self.size),
        )
        self._bounds = fitted.bounds
        grams = fitted.grams
        self._product_odds: dict[str, float] = dict(
            zip([grams[c] for c in fitted.odds_columns.tolist()], fitted.odds.tolist(), strict=True)
        )

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

    def _vector(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        bag = features(text)
        known = [(self._vocabulary[g], c) for g, c in bag.items() if g in self._vocabulary]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.array([k for k, _ in known], dtype=np.int64)
        weights = np.array([1 + math.log(c) for _, c in known]) * self._idf[columns]
        # Normalised over all its n-grams, known or not (as rare as can be): words no example
        # has dilute the match, so a message about something else scores low everywhere.
        unknown = sum((1 + math.log(c)) ** 2 for g, c in bag.items() if g not in self._vocabulary)
        norm = math.sqrt(float(weights @ weights) + unknown * self._rarest**2)
        return columns, weights / norm

    def predict(self, text: str) -> Prediction:
        columns, weights = self._vector(text)
        if len(columns) == 0:
            return Prediction(OTHER, 0.0, 0.0, {})
        similarities = np.asarray(self._postings[columns].T @ weights).ravel()
        scores = np.zeros(len(self.intents))
        for k in range(len(self.intents)):
            mine = similarities[self._bounds[k] : self._bounds[k + 1]]
            # The closest few, in the order a full sort gives them (the same mean to the last
            # bit), found by a partition: a sort of every example per intent cost more than
            # the rest of the prediction.
            if len(mine) > NEIGHBOURS:
                mine = np.partition(mine, len(mine) - NEIGHBOURS)[-NEIGHBOURS:]
            scores[k] = float(np.mean(np.sort(mine)))
        best = int(np.argmax(scores))  # ties: the earlier intent of INTENTS, always the same
        shares = np.exp((scores - scores[best]) / TEMPERATURE)
        confidence = float(1 / shares.sum())
        similarity = float(scores[best])
        intent = self.intents[best]
        if intent in (OTHER, PRODUCT) and self._product_odds and not has_cjk(text):
            # Japanese keeps the n-gram neighbours alone: its clauses have no words to weigh.
            choice = PRODUCT if self.product_odds(text) > 0 else OTHER
            if choice in self.intents and choice != intent:
                intent = choice
                confidence = float(
                    1 / np.exp((scores - scores[self.intents.index(choice)]) / TEMPERATURE).sum()
                )
            return Prediction(
                intent,
                round(min(max(confidence, 0.0), 1.0), 3),
                similarity,
                _rounded(self.intents, scores),
            )
        if similarity < MIN_SIMILARITY and intent != OTHER:
            intent, confidence = OTHER, 1 - similarity / MIN_SIMILARITY * confidence
        return Prediction(
            intent,
            round(min(max(confidence, 0.0), 1.0), 3),
            similarity,
            _rounded(self.intents, scores),
        )

    def word_odds(self, text: str) -> float:
        """Naive Bayes log-odds of the word (bi)grams: product_question rather than other."""
        return sum(self._product_odds.get(g, 0.0) for g in features(text) if g[:2] in ("w ", "b "))

    def product_odds(self, text: str) -> float:
        """Log-odds, past the decision margin, that a message asks about a product, not other."""
        words = self.word_odds(text)
        if self._stage is None:
            return words - PRODUCT_MARGIN
        return self._stage.odds(text, words)


def _rounded(intents: tuple[str, ...], scores: npt.NDArray[np.float64]) -> dict[str, float]:
    return {name: round(float(s), 4) for name, s in zip(intents, scores, strict=True)}
