"""product_question or `other`: the intent model's second stage, from one trained file.

When the intent model says product_question or other (a non-Japanese message), three
log-odds decide between them, each trained by `python -m evals.intents build` on the same
product_question and other example files and stored in service/data/product_vs_other.npz:

- the word (bi)gram log-odds of service/understand/intent_model.py (naive Bayes, built by
  `replydesk intents build`);
- a logistic regression over hashed word and character n-grams (`LinearScorer`);
- for English messages, four small neural networks, averaged, over static word-piece vectors
  distilled from the sentence encoder all-MiniLM-L6-v2 (`PieceScorer`): they know that "will it
  fit my bike" asks about the item and "what do geese eat" does not, from meaning rather than
  shared words.

Their weights in the blend and the thresholds come from cross-validation on dev rows
(`python -m evals.intents cv`). Run time needs NumPy and the word-piece tokenizer only; a
message costs microseconds. The vectors are folded into the networks' first layers, so the file
holds one int8 row of 64 numbers per word piece (4 × 16 hidden units), not the 384-wide vectors.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from guardrails import artifacts
from guardrails.language import identify
from service import DATA_DIR
from service.understand.features import HASH_BITS, hashed
from service.understand.intent_examples import EXAMPLES_DIR, examples_digest
from service.understand.word_vectors import WordPieces

DATA = DATA_DIR
STAGE_FILE = DATA / "product_vs_other.npz"
# Its manifest, product_vs_other.json, records the digest of these intents' example files only:
# editing another intent's examples does not make the stage stale.
STAGE_INTENTS = ("product_question", "other")
STAGE_FORMAT = 1
STAGE_REBUILD = "python -m evals.intents build"
# The vocabulary of all-MiniLM-L6-v2 (BERT uncased word pieces, Apache-2.0).


@dataclass(frozen=True, slots=True)
class LinearScorer:
    """Log-odds from a logistic regression over hashed word and character n-grams."""

    weights: npt.NDArray[np.float32]
    bias: float

    def odds(self, text: str, bag: Counter[str] | None = None) -> float:
        columns, values = hashed(text, bag=bag)
        return float(self.weights[columns] @ values) + self.bias


@dataclass(frozen=True, slots=True)
class PieceScorer:
    """Log-odds from one-hidden-layer networks over the mean of a message's piece vectors.

    `table` is (vocabulary × hidden) int8 with a scale per hidden unit: each word piece's
    distilled vector already multiplied by the first layer. Pieces that `pieces` does not keep
    carry no vector and do not count in the mean.
    """

    pieces: WordPieces
    table: npt.NDArray[np.int8]
    scale: npt.NDArray[np.float32]
    hidden_bias: npt.NDArray[np.float32]
    out_weights: npt.NDArray[np.float32]
    out_bias: float

    def odds(self, text: str) -> float | None:
        """None when the message has no English word piece to read."""
        ids = self.pieces(text)
        if not len(ids):
            return None
        hidden = self.table[ids].mean(axis=0, dtype=np.float32) * self.scale + self.hidden_bias
        return float(np.maximum(hidden, 0) @ self.out_weights) + self.out_bias


@dataclass(frozen=True, slots=True)
class ProductStage:
    linear: LinearScorer
    blend: float  # the regression's weight next to the word log-odds
    threshold: float  # the blend's value above which it is a product question
    # English messages, with the piece network: its own weights and threshold.
    pieces: PieceScorer | None = None
    english_linear_blend: float = 0.0
    english_piece_blend: float = 0.0
    english_threshold: float = 0.0

    @classmethod
    def load(cls, path: Path = STAGE_FILE) -> ProductStage | None:
        if not path.exists():
            return None
        content, manifest = artifacts.read_checked(
            path, format_version=STAGE_FORMAT, rebuild=STAGE_REBUILD
        )
        if EXAMPLES_DIR.is_dir():
            artifacts.is_current(manifest, examples_digest(intents=STAGE_INTENTS))
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            weights = data["weights"].astype(np.float32)
            if len(weights) != 1 << HASH_BITS:
                return None  # built for another hashing: fall back rather than misread it
            linear = LinearScorer(weights, float(data["bias"]))
            if "piece_table" not in data:
                return cls(linear, float(data["blend"]), float(data["threshold"]))
            pieces = PieceScorer(
                WordPieces(data["piece_kept"]),
                data["piece_table"],
                data["piece_scale"].astype(np.float32),
                data["piece_hidden_bias"].astype(np.float32),
                data["piece_out_weights"].astype(np.float32),
                float(data["piece_out_bias"]),
            )
            return cls(
                linear,
                float(data["blend"]),
                float(data["threshold"]),
                pieces,
                float(data["english_linear_blend"]),
                float(data["english_piece_blend"]),
                float(data["english_threshold"]),
            )

    def piece_odds(self, text: str) -> float | None:
        """The piece network's log-odds for an English message; None for any other."""
        if self.pieces is None or identify(text)[0] != "en":
            return None
        return self.pieces.odds(text)

    def odds(self, text: str, words: float, *, bag: Counter[str] | None = None) -> float:
        """Log-odds past the threshold that `text` asks about a product; `words` is naive Bayes.
        ``bag`` is ``features(text)`` when the caller has it already."""
        linear = self.linear.odds(text, bag)
        piece = self.piece_odds(text)
        if piece is None:
            return words + self.blend * linear - self.threshold
        return (
            words
            + self.english_linear_blend * linear
            + self.english_piece_blend * piece
            - self.english_threshold
        )
