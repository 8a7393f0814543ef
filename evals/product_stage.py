"""Fit and cross-validate the product_question-or-other stage (service/understand/product_stage.py).

`python -m evals.intents build` fits it on the example files as they are now and writes
service/data/product_vs_other.npz; `python -m evals.intents cv` prints the cross-validated
choices of its blend weights and thresholds (evals/product_stage_cv.py).

Both parts are trained on the product_question and other example files: the regression on
every language's, the piece network on the English ones (it reads English word pieces, and runs
only on messages identified as English). The weights of the blend and the thresholds were chosen
by 5-fold cross-validation on dev rows only (ePQA even qids, split by qid with the questions
quoted in their candidates; CLINC oos_train + oos_val, which are never training data), the least
of the two accuracies being maximised. Nothing of a test part was looked at to choose them.

Rebuilding needs the dev extra (scikit-learn, safetensors) and, once, the MiniLM weights (see
evals/static_vectors.py); the service itself needs none of them.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from evals.intents import REPO
from guardrails import artifacts
from service.understand.features import HASH_BITS, hashed
from service.understand.intent_examples import examples_digest, read_examples
from service.understand.intent_model import OTHER, PRODUCT
from service.understand.product_stage import (
    STAGE_FILE,
    STAGE_FORMAT,
    STAGE_INTENTS,
    STAGE_REBUILD,
    LinearScorer,
    PieceScorer,
)
from service.understand.word_vectors import WordPieces

LINEAR_L2 = 1e-6
LINEAR_ITERATIONS = 400
# Without the piece network (messages not identified as English): November 2026 CV.
LINEAR_BLEND = 2.0
LINEAR_THRESHOLD = 0.0
# English messages, with it: `python -m evals.intents cv`, 2026-11-27 (the middle of a plateau
# of settings within 0.001 of the best, rather than its single best point).
ENGLISH_LINEAR_BLEND = 0.5
ENGLISH_PIECE_BLEND = 3.0
ENGLISH_THRESHOLD = 3.0
# Four 16-unit networks averaged (the same 64 table columns as one 64-unit network): on dev CV
# at the chosen blend, single networks from different seeds ranged 0.923-0.928 (ePQA) and
# 0.937-0.947 (CLINC oos); two sets of four averaged, 0.928-0.930 and 0.942-0.944.
PIECE_HIDDEN = 16
PIECE_SEEDS = (0, 1, 2, 3)
PIECE_L2 = 1e-2
VECTORS_CACHE = REPO / ".cache" / "minilm-static-vectors.npz"

Examples = list[tuple[str, str, str]]
Floats = npt.NDArray[np.float64]


def training_data(
    examples: Examples, *, languages: tuple[str, ...] | None = None
) -> tuple[list[str], list[int]]:
    """(texts, 1 for product_question or 0 for other) of the example files."""
    chosen = [
        (text, intent)
        for language, intent, text in examples
        if intent in (PRODUCT, OTHER) and (languages is None or language in languages)
    ]
    return [text for text, _ in chosen], [int(intent == PRODUCT) for _, intent in chosen]


def _balanced(y: Floats) -> Floats:
    """Per-row weights under which each class weighs as much as the other."""
    positives = y.sum()
    weights: Floats = np.where(y == 1, 0.5 / positives, 0.5 / (len(y) - positives))
    return weights


def train_linear(texts: list[str], labels: list[int], *, l2: float = LINEAR_L2) -> LinearScorer:
    """Class-balanced L2 logistic regression over hashed n-grams; deterministic (L-BFGS)."""
    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        cols, vals = hashed(text)
        rows.append(np.full(len(cols), row))
        columns.append(cols)
        values.append(vals)
    x = sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(len(texts), 1 << HASH_BITS),
    )
    y = np.array(labels, dtype=np.float64)
    weight = _balanced(y)

    def loss(theta: Floats) -> tuple[float, Floats]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = 1 / (1 + np.exp(-z))
        nll = np.logaddexp(0, z) - y * z
        g = weight * (p - y)
        grad = np.append(x.T @ g + l2 * w, g.sum())
        return float(weight @ nll + 0.5 * l2 * (w @ w)), grad

    result = optimize.minimize(
        loss,
        np.zeros(x.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": LINEAR_ITERATIONS},
    )
    return LinearScorer(result.x[:-1].astype(np.float32), float(result.x[-1]))


@cache  # a 47 MB file: cross-validation fits five times in one process
def static_vectors() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """The distilled piece vectors, computed once (about a minute) and kept in .cache/."""
    if VECTORS_CACHE.exists():
        with np.load(VECTORS_CACHE) as data:
            return data["vectors"], data["kept"]
    from evals.static_vectors import distil, model_dir

    vectors, kept = distil(model_dir())
    VECTORS_CACHE.parent.mkdir(exist_ok=True)
    np.savez(VECTORS_CACHE, vectors=vectors, kept=kept)
    return vectors, kept


def train_pieces(
    texts: list[str],
    labels: list[int],
    vectors: npt.NDArray[np.float32],
    pieces: WordPieces,
) -> PieceScorer:
    """ReLU networks on the mean piece vector, averaged and folded into one int8 table."""
    from sklearn.neural_network import MLPClassifier

    x = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    for row, text in enumerate(texts):
        ids = pieces(text)
        if len(ids):
            x[row] = vectors[ids].mean(axis=0)
    # Networks from several seeds, averaged: one network's decisions near the threshold move
    # with its random start. Their hidden layers side by side and the output weights divided
    # by their number give exactly the mean of their log-odds.
    networks = [
        MLPClassifier((PIECE_HIDDEN,), alpha=PIECE_L2, max_iter=500, random_state=seed).fit(
            x, labels
        )
        for seed in PIECE_SEEDS
    ]
    first = np.hstack([n.coefs_[0] for n in networks]).astype(np.float32)
    folded = vectors @ first  # mean(v) @ W == mean(v @ W)
    scale = np.abs(folded).max(axis=0) / 127
    scale[scale == 0] = 1.0
    return PieceScorer(
        pieces,
        np.round(folded / scale).astype(np.int8),
        scale.astype(np.float32),
        np.concatenate([n.intercepts_[0] for n in networks]).astype(np.float32),
        (np.concatenate([n.coefs_[1][:, 0] for n in networks]) / len(networks)).astype(np.float32),
        float(np.mean([n.intercepts_[1][0] for n in networks])),
    )


def fit(examples: Examples) -> tuple[LinearScorer, PieceScorer]:
    linear = train_linear(*training_data(examples))
    vectors, kept = static_vectors()
    english = training_data(examples, languages=("en",))
    return linear, train_pieces(*english, vectors, WordPieces(kept))


def build() -> None:
    """Fit the stage on the example files as they are now and write its .npz."""
    linear, pieces = fit(read_examples())
    arrays: dict[str, Any] = {
        "weights": linear.weights.astype(np.float16),  # small; the blend does not need more
        "bias": np.float64(round(linear.bias, 6)),
        "blend": np.float64(LINEAR_BLEND),
        "threshold": np.float64(LINEAR_THRESHOLD),
        "piece_kept": pieces.pieces.kept,
        "piece_table": pieces.table,
        "piece_scale": pieces.scale,
        "piece_hidden_bias": pieces.hidden_bias,
        "piece_out_weights": pieces.out_weights,
        "piece_out_bias": np.float64(pieces.out_bias),
        "english_linear_blend": np.float64(ENGLISH_LINEAR_BLEND),
        "english_piece_blend": np.float64(ENGLISH_PIECE_BLEND),
        "english_threshold": np.float64(ENGLISH_THRESHOLD),
    }
    # np.savez stamps the time into the archive: a fixed stamp gives the same bytes each build.
    with zipfile.ZipFile(STAGE_FILE, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            archive.writestr(
                zipfile.ZipInfo(f"{name}.npy", (1980, 1, 1, 0, 0, 0)), buffer.getvalue()
            )
    # Its hash and the examples it learnt from, checked by every load (service/understand/
    # artifacts.py).
    artifacts.write_manifest(
        STAGE_FILE,
        format_version=STAGE_FORMAT,
        examples_sha256=examples_digest(intents=STAGE_INTENTS),
        rebuild=STAGE_REBUILD,
    )
