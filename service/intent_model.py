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

product_question or `other` (non-Japanese text) is then settled by word log-odds blended with a
logistic regression that `python -m evals.intents build` fits offline on the same example files
and stores in service/data/product_vs_other.npz (numpy only at run time; rebuild it after
editing a product_question or other file).
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

DATA_DIR = Path(__file__).parent / "data" / "intents"
OTHER = "other"
NEIGHBOURS = 3  # per intent: one lucky look-alike example is not enough evidence
MIN_SIMILARITY = 0.16  # below this the best intent is a guess: "other"
TEMPERATURE = 0.04  # turns the intents' scores into shares that read as a confidence
# product_question or other: decided by word (bi)gram log-odds, which generalise over the many
# ways a product is asked about better than the nearest examples do (tuned on dev rows only).
PRODUCT_MARGIN = 1.0
_NB_ALPHA = 0.1
PRODUCT = "product_question"
# Added to those log-odds once `python -m evals.intents build` has fitted it: a logistic
# regression over hashed word and character n-grams of the same product_question and other
# examples, trained offline (start-up could not afford it), with its weight in the blend and
# the decision threshold (both chosen by cross-validation on dev rows) stored alongside.
# Without the file, the log-odds alone decide, against PRODUCT_MARGIN.
LINEAR_FILE = Path(__file__).parent / "data" / "product_vs_other.npz"
HASH_BITS = 18
_MAX_CHARS = 2_000  # the opening of a long message says what it is about
_WORD_RE = re.compile(r"\w+")
_DIGITS_RE = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Casefolded, Latin accents dropped (buyers often omit them), digit runs → "0"."""
    folded = unicodedata.normalize("NFKC", text[:_MAX_CHARS]).casefold()
    # Only Latin letters lose their marks: decomposing kana would turn が into か.
    out = []
    for ch in folded:
        if ch < "\u0250" and not ch.isascii():
            ch = "".join(
                c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
            )
        out.append(ch)
    return _DIGITS_RE.sub("0", "".join(out))


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uff66" <= ch <= "\uff9f"


def features(text: str) -> Counter[str]:
    """Word unigrams and bigrams, and 2–4 character n-grams of each word with its boundaries."""
    words = _WORD_RE.findall(normalise(text))
    counts: Counter[str] = Counter()
    for i, word in enumerate(words):
        cjk = _is_cjk(word[0])
        # A Japanese "word" here is a whole clause (no spaces): only its n-grams can match.
        if not cjk:
            counts["w " + word] += 1
            if i:
                counts["b " + words[i - 1] + " " + word] += 1
        padded = f" {word} "
        smallest, largest = (1, 3) if cjk else (2, 4)  # one kanji is a word; one letter is not
        for n in range(smallest, largest + 1):
            for start in range(len(padded) - n + 1):
                gram = padded[start : start + n]
                if gram.strip():
                    counts[gram] += 1
    return counts


def hashed(text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The features of a text as (bucket, value) pairs: 1 + log(count), unit length.

    Buckets are CRC-32 of the n-gram, so the same text has the same vector in every process.
    """
    buckets: dict[int, float] = {}
    mask = (1 << HASH_BITS) - 1
    for gram, count in features(text).items():
        bucket = zlib.crc32(gram.encode("utf-8")) & mask
        buckets[bucket] = buckets.get(bucket, 0.0) + 1 + math.log(count)
    columns = np.fromiter(buckets.keys(), dtype=np.int64, count=len(buckets))
    values = np.fromiter(buckets.values(), dtype=np.float64, count=len(buckets))
    norm = math.sqrt(float(values @ values)) if len(values) else 1.0
    return columns, values / max(norm, 1e-12)


@dataclass(frozen=True, slots=True)
class LinearScorer:
    """Log-odds that a message is a product question rather than `other` (a trained file)."""

    weights: npt.NDArray[np.float32]
    bias: float
    blend: float  # its weight next to the word log-odds
    threshold: float  # the blend's value above which it is a product question

    @classmethod
    def load(cls, path: Path = LINEAR_FILE) -> LinearScorer | None:
        if not path.exists():
            return None
        with np.load(path) as data:
            weights = data["weights"].astype(np.float32)
            if len(weights) != 1 << HASH_BITS:
                return None  # built for another hashing: fall back rather than misread it
            return cls(weights, float(data["bias"]), float(data["blend"]), float(data["threshold"]))

    def odds(self, text: str) -> float:
        columns, values = hashed(text)
        return float(self.weights[columns] @ values) + self.bias


def read_examples(data_dir: Path = DATA_DIR) -> list[tuple[str, str, str]]:
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
        linear: LinearScorer | Path | None = LINEAR_FILE,
    ) -> None:
        self._linear = LinearScorer.load(linear) if isinstance(linear, Path) else linear
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
        if intent in (OTHER, PRODUCT) and self._product_odds and not any(map(_is_cjk, text)):
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

    def product_odds(self, text: str) -> float:
        """Log-odds, past the decision margin, that a message asks about a product, not other."""
        words = sum(self._product_odds.get(g, 0.0) for g in features(text) if g[:2] in ("w ", "b "))
        if self._linear is None:
            return words - PRODUCT_MARGIN
        linear = self._linear
        return words + linear.blend * linear.odds(text) - linear.threshold


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
