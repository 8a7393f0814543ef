"""The intent classifier: character n-gram TF-IDF vectors and nearest example utterances.

Trained at start-up from `service/data/intents/<language>/<intent>.txt`, one example a line,
so ops extend it by adding lines, in any language, without code. One model serves every
language: n-grams inside words carry the meaning across inflections, typos and missing
accents, and the Japanese examples (no spaces) are n-grams of their character runs alike.

Why neighbours rather than a trained linear model: the examples are few per intent and
language, and "other" is many unrelated topics; the mean similarity of an intent's closest
examples keeps every topic of "other" its own island, and a low best similarity means the
message is like nothing we know, which is "other" too. No randomness anywhere: the same text
always gets the same answer.

product_question or `other` (non-Japanese text) is then settled by word log-odds blended with
the trained stage of service/product_or_other.py, which `python -m evals.intents build` fits
offline on the same example files (rebuild it after editing a product_question or other file).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from service import DATA_DIR
from service.understand.features import features, is_cjk
from service.understand.product_stage import STAGE_FILE, ProductStage

EXAMPLES_DIR = DATA_DIR / "intents"
OTHER = "other"
NEIGHBOURS = 3  # per intent: one lucky look-alike example is not enough evidence
MIN_SIMILARITY = 0.16  # below this the best intent is a guess: "other"
TEMPERATURE = 0.04  # turns the intents' scores into shares that read as a confidence
# product_question or other: decided by word (bi)gram log-odds, which generalise over the many
# ways a product is asked about better than the nearest examples do (tuned on dev rows only).
PRODUCT_MARGIN = 1.0
_NB_ALPHA = 0.1
PRODUCT = "product_question"
# Without service/data/product_vs_other.npz, the log-odds alone decide, against PRODUCT_MARGIN.


def read_examples(data_dir: Path = EXAMPLES_DIR) -> list[tuple[str, str, str]]:
    """(language, intent, text) for every example line; `#` starts a comment line."""
    examples = []
    for path in sorted(data_dir.glob("*/*.txt")):
        # `<intent>.txt`, or `<intent>.<source>.txt` for examples derived from a data set.
        language, intent = path.parent.name, path.name.split(".")[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                examples.append((language, intent, line))
    return examples


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    confidence: float
    similarity: float  # of the closest examples of that intent, 0–1
    scores: dict[str, float]


class IntentModel:
    def __init__(
        self,
        examples: list[tuple[str, str, str]],
        *,
        intents: tuple[str, ...],
        stage: ProductStage | Path | None = STAGE_FILE,
    ) -> None:
        self._stage = ProductStage.load(stage) if isinstance(stage, Path) else stage
        unknown = sorted({intent for _, intent, _ in examples} - set(intents))
        if unknown:
            raise ValueError(f"example files for unknown intents: {unknown}")
        self.intents = tuple(i for i in intents if any(e[1] == i for e in examples))
        index = {intent: k for k, intent in enumerate(self.intents)}
        # Grouped by intent, so each intent's similarities are one slice.
        examples = sorted(examples, key=lambda e: index[e[1]])
        bags = [features(text) for _, _, text in examples]
        vocabulary: dict[str, int] = {}
        document_frequency: Counter[str] = Counter()
        for bag in bags:
            document_frequency.update(bag.keys())
            for gram in bag:
                vocabulary.setdefault(gram, len(vocabulary))
        total = len(bags)
        self._rarest = math.log(1 + total) + 1
        self._vocabulary = vocabulary
        self._idf = np.zeros(len(vocabulary))
        for gram, column in vocabulary.items():
            self._idf[column] = math.log((1 + total) / (1 + document_frequency[gram])) + 1
        rows, columns, values = [], [], []
        for row, bag in enumerate(bags):
            for gram, count in bag.items():
                rows.append(row)
                columns.append(vocabulary[gram])
                values.append(1 + math.log(count))
        matrix = sparse.csr_matrix(
            (np.array(values) * self._idf[columns], (rows, columns)),
            shape=(total, len(vocabulary)),
        )
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        matrix = sparse.diags(1 / np.maximum(norms, 1e-12)) @ matrix
        # Postings by n-gram: a message touches only the examples sharing one of its n-grams.
        self._postings = sparse.csr_matrix(matrix.T)
        labels = np.array([index[intent] for _, intent, _ in examples])
        self._bounds = np.searchsorted(labels, np.arange(len(self.intents) + 1))
        self.size = total
        self._product_odds = _log_odds(
            [bag for bag, (_, intent, _) in zip(bags, examples, strict=True) if intent == PRODUCT],
            [bag for bag, (_, intent, _) in zip(bags, examples, strict=True) if intent == OTHER],
        )

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
            scores[k] = float(np.mean(np.sort(mine)[-NEIGHBOURS:]))
        best = int(np.argmax(scores))  # ties: the earlier intent of INTENTS, always the same
        shares = np.exp((scores - scores[best]) / TEMPERATURE)
        confidence = float(1 / shares.sum())
        similarity = float(scores[best])
        intent = self.intents[best]
        if intent in (OTHER, PRODUCT) and self._product_odds and not any(map(is_cjk, text)):
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


def _log_odds(positive: list[Counter[str]], negative: list[Counter[str]]) -> dict[str, float]:
    """Naive Bayes over word (bi)gram presence: log P(g | positive) / P(g | negative)."""
    counts = []
    for bags in (positive, negative):
        seen: Counter[str] = Counter()
        for bag in bags:
            seen.update(g for g in bag if g[:2] in ("w ", "b "))
        counts.append(seen)
    if not positive or not negative:
        return {}
    vocabulary = set(counts[0]) | set(counts[1])
    totals = [sum(c.values()) + _NB_ALPHA * len(vocabulary) for c in counts]
    return {
        g: math.log((counts[0][g] + _NB_ALPHA) / totals[0])
        - math.log((counts[1][g] + _NB_ALPHA) / totals[1])
        for g in vocabulary
    }
