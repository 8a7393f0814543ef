"""Training the intent model from its example lines (`replydesk intents build`, and the
cross-validation of evals/): character n-gram TF-IDF vectors of every example, grouped by
intent, and the naive-Bayes log-odds of product_question against other.

Only building needs this module (and SciPy); a serving process loads what it produced
(service/understand/intent_artifact.py).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from service.understand.features import features
from service.understand.intent_artifact import FittedIntents, Grams
from service.understand.intent_model import OTHER, PRODUCT

_NB_ALPHA = 0.1
# The linear stage's regularisation (sklearn's C: a larger C fits the examples more closely)
# and the n-grams it weighs. C was chosen among 3, 30 and 100 on routing set `a` (in-sample),
# the Bitext, CLINC150 and ePQA splits of `python -m evals intents` agreeing.
LINEAR_C = 30.0
LINEAR_MIN_EXAMPLES = 2


def fit(examples: list[tuple[str, str, str]], *, intents: tuple[str, ...]) -> FittedIntents:
    unknown = sorted({intent for _, intent, _ in examples} - set(intents))
    if unknown:
        raise ValueError(f"example files for unknown intents: {unknown}")
    present = tuple(i for i in intents if any(e[1] == i for e in examples))
    index = {intent: k for k, intent in enumerate(present)}
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
    idf = np.zeros(len(vocabulary))
    for gram, column in vocabulary.items():
        idf[column] = math.log((1 + total) / (1 + document_frequency[gram])) + 1
    rows, columns, values, counts = [], [], [], []
    for row, bag in enumerate(bags):
        for gram, count in bag.items():
            rows.append(row)
            columns.append(vocabulary[gram])
            values.append(1 + math.log(count))
            counts.append(count)
    shape = (total, len(vocabulary))
    matrix = sparse.csr_matrix((np.array(values) * idf[columns], (rows, columns)), shape=shape)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inv_norms = 1 / np.maximum(norms, 1e-12)
    matrix = sparse.diags(inv_norms) @ matrix
    # Postings by n-gram: a message touches only the examples sharing one of its n-grams.
    postings = sparse.csr_matrix(matrix.T)
    by_gram = sparse.csr_matrix(sparse.csr_matrix((counts, (rows, columns)), shape=shape).T)
    labels = np.array([index[intent] for _, intent, _ in examples])
    linear_columns, linear_weights, linear_bias = _linear(matrix, postings, labels, len(present))
    odds = _log_odds(
        [bag for bag, (_, intent, _) in zip(bags, examples, strict=True) if intent == PRODUCT],
        [bag for bag, (_, intent, _) in zip(bags, examples, strict=True) if intent == OTHER],
    )
    odds_columns = np.array(sorted(vocabulary[g] for g in odds), dtype=np.int64)
    grams = list(vocabulary)
    fitted = FittedIntents(
        intents=present,
        grams=Grams.of(grams),
        idf=idf,
        indptr=postings.indptr.astype(np.int64),
        rows=postings.indices.astype(np.min_scalar_type(max(total - 1, 0))),
        counts=by_gram.data.astype(np.min_scalar_type(max(counts, default=0))),
        inv_norms=inv_norms,
        bounds=np.searchsorted(labels, np.arange(len(present) + 1)).astype(np.int64),
        odds_columns=odds_columns,
        odds=np.array([odds[grams[c]] for c in odds_columns], dtype=np.float64),
        linear_columns=linear_columns,
        linear_weights=linear_weights,
        linear_bias=linear_bias,
    )
    # The stored factors must give back the very weights computed here, bit for bit.
    if not (
        np.array_equal(by_gram.indptr, postings.indptr)
        and np.array_equal(by_gram.indices, postings.indices)
        and np.array_equal(fitted.weights(), postings.data)
    ):
        raise RuntimeError("the factored postings do not reproduce the trained weights")
    return fitted


def _linear(
    matrix: sparse.csr_matrix, postings: sparse.csr_matrix, labels: npt.NDArray[np.int64], k: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float16], npt.NDArray[np.float64]]:
    """The linear stage: a multinomial logistic regression on the examples' vectors (the rows of
    ``matrix``), L2-regularised (LINEAR_C), over the n-grams of LINEAR_MIN_EXAMPLES examples or
    more (an n-gram of one example is learnt by heart, not learnt). Fitted by L-BFGS from zero,
    so the same examples always give the same weights; they are stored as float16 (what the
    served model computes with), the intercepts as float64."""
    kept = np.flatnonzero(np.diff(postings.indptr) >= LINEAR_MIN_EXAMPLES).astype(np.int32)
    x = sparse.csr_matrix(matrix[:, kept])
    n, d = x.shape
    rows = np.arange(n)

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        w, b = theta[: d * k].reshape(d, k), theta[d * k :]
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        exp = np.exp(z)
        total = exp.sum(axis=1, keepdims=True)
        value = float(np.log(total).sum() - z[rows, labels].sum() + (w * w).sum() / (2 * LINEAR_C))
        p = exp / total
        p[rows, labels] -= 1
        grad_w = np.asarray(x.T @ p) + w / LINEAR_C
        return value, np.concatenate((grad_w.ravel(), p.sum(axis=0)))

    found = optimize.minimize(
        loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    weights = found.x[: d * k].reshape(d, k).astype(np.float16)
    return kept, weights, np.asarray(found.x[d * k :], dtype=np.float64)


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
