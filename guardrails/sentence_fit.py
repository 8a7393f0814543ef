"""Train the sentence model (:mod:`guardrails.sentence_model`) and write its shipped file.

``replydesk sentence-model build`` runs :func:`build`. scikit-learn (a development dependency)
fits a multinomial logistic regression on ``policy_sentences/train``; the regularisation and
each label's flagging threshold are chosen on ``policy_sentences/dev``, written by other writers
(sentences that also occur in the training files are left out of it). A threshold is the lowest
probability at which the label's flags on the development set are at least :data:`PRECISION`
right and flag no clean sentence, and never below :data:`FLOOR`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from guardrails import artifacts
from guardrails.sentence_model import (
    CONFIRMATION,
    DEV_DIR,
    EXAMPLES_DIR,
    FORMAT,
    LABELS,
    NONE,
    REBUILD,
    RULES,
    SentenceModel,
    examples_digest,
    features,
)

MIN_COUNT = 2  # a feature seen in fewer training sentences is left out of the vocabulary
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
PRECISION = 0.97
# Clean development sentences a label's threshold may flag: none, except one of 1,614 for
# unprofessional (its one stubborn case, a courteous "we will not write again unless you do",
# scores 0.99; without it the label could never be flagged).
CLEAN_ALLOWED = {"unprofessional": 1}
FLOOR = 0.75


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    language: str


def read(directory: Path) -> list[Example]:
    out = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                language = path.name.split(".")[0]  # en.jsonl, en.more-clean.jsonl
                out.append(Example(row["text"], row["label"], language))
    return out


def vocabulary(examples: Sequence[Example]) -> list[str]:
    counts: Counter[str] = Counter()
    for example in examples:
        counts.update(set(features(example.text)))
    return sorted(f for f, n in counts.items() if n >= MIN_COUNT)


def matrix(examples: Sequence[Example], index: Mapping[str, int]) -> Any:
    """Rows of binary features scaled to unit length, as the model reads them."""
    from scipy import sparse

    rows, cols, values = [], [], []
    for row, example in enumerate(examples):
        found = sorted({index[f] for f in features(example.text) if f in index})
        for col in found:
            rows.append(row)
            cols.append(col)
            values.append(1 / np.sqrt(len(found)))
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(examples), len(index)))


def _fit(x: Any, y: npt.NDArray[np.int64], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000).fit(x, y)


def thresholds(
    probabilities: npt.NDArray[np.float64], truth: Sequence[str], labels: Sequence[str]
) -> list[float]:
    """Per label, the lowest probability at which its flags on ``truth`` are PRECISION right
    and flag no sentence that breaks no rule at all; 1.1 (never) where no probability does."""
    best = probabilities.argmax(axis=1)
    out = []
    for k, label in enumerate(labels):
        chosen = 1.1  # never flagged
        for t in np.arange(FLOOR, 1.0, 0.01) if label in RULES or label == CONFIRMATION else ():
            picked = [i for i in range(len(truth)) if best[i] == k and probabilities[i, k] >= t]
            right = sum(truth[i] == label for i in picked)
            clean = sum(truth[i] == NONE for i in picked)
            if picked and right / len(picked) >= PRECISION and clean <= CLEAN_ALLOWED.get(label, 0):
                chosen = round(float(t), 2)
                break
        out.append(chosen)
    return out


def build(
    out: Path,
    examples_dir: Path = EXAMPLES_DIR,
    dev_dir: Path = DEV_DIR,
    *,
    c_grid: Sequence[float] = C_GRID,
) -> dict[str, Any]:
    """Fit on ``examples_dir``, choose C and the thresholds on ``dev_dir``, write ``out``
    and its manifest; the manifest (with the choices) is returned."""
    train = read(examples_dir)
    seen = {e.text.casefold() for e in train}
    dev = [e for e in read(dev_dir) if e.text.casefold() not in seen]
    vocab = vocabulary(train)
    index = {f: i for i, f in enumerate(vocab)}
    labels = list(LABELS)
    x_train, x_dev = matrix(train, index), matrix(dev, index)
    y_train = np.asarray([labels.index(e.label) for e in train])
    y_dev = np.asarray([labels.index(e.label) for e in dev])
    scored = []
    for c in c_grid:
        fitted = _fit(x_train, y_train, c)
        scored.append((_macro_f1(fitted.predict(x_dev), y_dev, labels), c, fitted))
    f1, c, fitted = max(scored, key=lambda s: (s[0], -s[1]))
    order = [list(fitted.classes_).index(k) for k in range(len(labels))]
    weights = fitted.coef_.T[:, order].astype(np.float32)
    bias = fitted.intercept_[order].astype(np.float32)
    model = SentenceModel(vocab, weights, bias, labels, [1.1] * len(labels))
    dev_probabilities = model.probabilities([e.text for e in dev])
    cuts = thresholds(dev_probabilities, [e.label for e in dev], labels)
    artifacts.write_npz(
        out,
        {
            "vocabulary": np.frombuffer("\n".join(vocab).encode("utf-8"), dtype=np.uint8),
            "weights": weights,
            "bias": bias,
            "labels": np.asarray(",".join(labels)),
            "thresholds": np.asarray(cuts, dtype=np.float64),
        },
    )
    manifest = artifacts.write_manifest(
        out,
        format_version=FORMAT,
        examples_sha256=examples_digest(examples_dir, dev_dir),
        rebuild=REBUILD,
    )
    manifest.update(
        {"c": c, "dev_macro_f1": round(f1, 4), "thresholds": dict(zip(labels, cuts, strict=True))}
    )
    return manifest


def _macro_f1(predicted: Any, truth: npt.NDArray[np.int64], labels: Sequence[str]) -> float:
    scores = []
    for k, label in enumerate(labels):
        if label not in RULES:
            continue
        tp = int(((predicted == k) & (truth == k)).sum())
        fp = int(((predicted == k) & (truth != k)).sum())
        fn = int(((predicted != k) & (truth == k)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))
