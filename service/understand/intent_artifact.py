"""The intent model's built file: `replydesk intents build` writes it, every start loads it.

`service/data/intent_model.npz` holds what training learns from the example files (the
n-gram vocabulary, idf, the postings of each n-gram, the intents' row bounds, the naive-Bayes
log-odds), plain arrays in a compressed archive without pickles; `intent_model.json` beside it
holds its sha256 and the digest of the examples it was built from (service/understand/
artifacts.py). Loading takes tens of milliseconds where training took seconds and some 180 MB.

The postings are stored factored: per entry the example's row and the n-gram's count in it,
and per example the inverse length of its vector; the float64 weights are rebuilt at load by
the very multiplications training made, so they are the same bits. The weights themselves
would take 7.6 MB compressed, or 3.5 MB as float32, which changed the rounded scores of 2 of the
10,422 example lines; factored, the whole file is 1.7 MB.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from guardrails import artifacts
from service import DATA_DIR
from service.understand.intent_examples import EXAMPLES_DIR, examples_digest
from service.understand.intents import INTENTS

ARTIFACT = DATA_DIR / "intent_model.npz"
FORMAT = 2  # bump when the arrays change meaning; an older file is then refused, not misread
REBUILD = "replydesk intents build"


class Grams(Sequence[str]):
    """The vocabulary's n-grams as one UTF-8 blob, newline-parted, in column order: loading the
    model never makes a Python string per n-gram (120,000 of them, and the heap they leave
    behind, cost a server some 17 MB); a gram is decoded only when asked for."""

    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self._ends: npt.NDArray[np.int64] | None = None

    @classmethod
    def of(cls, values: Sequence[str]) -> Grams:
        # N-grams are cut from \w runs and spaces: a newline never occurs in one.
        if any("\n" in value for value in values):
            raise ValueError("an n-gram holds a newline")
        return cls("\n".join(values).encode("utf-8"))

    def _bounds(self) -> npt.NDArray[np.int64]:
        if self._ends is None:
            raw = np.frombuffer(self.blob, dtype=np.uint8)
            self._ends = np.concatenate((np.flatnonzero(raw == 10), [len(raw)])).astype(np.int64)
        return self._ends

    def __len__(self) -> int:
        return len(self._bounds()) if self.blob else 0

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        ends = self._bounds()
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        start = int(ends[index - 1]) + 1 if index else 0
        return self.blob[start : int(ends[index])].decode("utf-8")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Grams):
            return self.blob == other.blob
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, eq=False)
class FittedIntents:
    """What training learns from the examples, as arrays: what the artifact stores."""

    intents: tuple[str, ...]  # those of INTENTS with examples, in INTENTS order
    grams: Grams  # the vocabulary: the n-gram of each column
    idf: npt.NDArray[np.float64]  # per column
    indptr: npt.NDArray[np.int64]  # column c's postings are entries indptr[c]:indptr[c + 1]
    rows: npt.NDArray[np.unsignedinteger[Any]]  # per entry: the example, grouped by intent
    counts: npt.NDArray[np.unsignedinteger[Any]]  # per entry: the n-gram's count in it
    inv_norms: npt.NDArray[np.float64]  # per example: 1 / the length of its weighted vector
    bounds: npt.NDArray[np.int64]  # intent k's examples are rows bounds[k]:bounds[k + 1]
    odds_columns: npt.NDArray[np.int64]  # word (bi)grams with product_question-vs-other odds
    odds: npt.NDArray[np.float64]  # their naive-Bayes log-odds
    # The linear stage (IntentModel.predict): the columns it weighs, a row of weights per column
    # (one per intent), and an intercept per intent.
    linear_columns: npt.NDArray[np.int32]
    linear_weights: npt.NDArray[np.float16]
    linear_bias: npt.NDArray[np.float64]

    def weights(self) -> npt.NDArray[np.float64]:
        """Per entry, its example vector's weight: (1 + log count) · idf / length, multiplied in
        the order training multiplies, so every weight is the bit-identical float."""
        table = np.array([1 + math.log(c) if c else 0.0 for c in range(int(self.counts.max()) + 1)])
        columns = np.repeat(np.arange(len(self.grams)), np.diff(self.indptr))
        weights: npt.NDArray[np.float64] = self.inv_norms[self.rows] * (
            table[self.counts] * self.idf[columns]
        )
        return weights


def _text(values: list[str] | tuple[str, ...]) -> npt.NDArray[np.uint8]:
    # N-grams are cut from \w runs and spaces: a newline never occurs in one.
    if any("\n" in value for value in values):
        raise ValueError("an n-gram holds a newline")
    return np.frombuffer("\n".join(values).encode("utf-8"), dtype=np.uint8)


def _lines(array: npt.NDArray[np.uint8]) -> list[str]:
    return array.tobytes().decode("utf-8").split("\n")


def save(fitted: FittedIntents, path: Path = ARTIFACT) -> None:
    artifacts.write_npz(
        path,
        {
            "intents": _text(fitted.intents),
            "grams": np.frombuffer(fitted.grams.blob, dtype=np.uint8),
            "idf": fitted.idf,
            "indptr": fitted.indptr.astype(np.min_scalar_type(int(fitted.indptr[-1]))),
            "rows": fitted.rows,
            "counts": fitted.counts,
            "inv_norms": fitted.inv_norms,
            "bounds": fitted.bounds,
            "odds_columns": fitted.odds_columns,
            "odds": fitted.odds,
            "linear_columns": fitted.linear_columns,
            "linear_weights": fitted.linear_weights,
            "linear_bias": fitted.linear_bias,
        },
    )


def load(path: Path = ARTIFACT, examples_dir: Path = EXAMPLES_DIR) -> FittedIntents:
    """The built model; ArtifactError when the file does not match its manifest."""
    content, manifest = artifacts.read_checked(path, format_version=FORMAT, rebuild=REBUILD)
    if examples_dir.is_dir():  # an installed package may ship the built file alone
        artifacts.is_current(manifest, examples_digest(examples_dir))
    with np.load(io.BytesIO(content), allow_pickle=False) as data:
        fitted = FittedIntents(
            intents=tuple(_lines(data["intents"])),
            grams=Grams(data["grams"].tobytes()),
            idf=data["idf"],
            indptr=data["indptr"].astype(np.int64),
            rows=data["rows"],
            counts=data["counts"],
            inv_norms=data["inv_norms"],
            bounds=data["bounds"].astype(np.int64),
            odds_columns=data["odds_columns"].astype(np.int64),
            odds=data["odds"],
            linear_columns=data["linear_columns"].astype(np.int32),
            linear_weights=data["linear_weights"],
            linear_bias=data["linear_bias"],
        )
    unknown = sorted(set(fitted.intents) - set(INTENTS))
    if unknown:
        raise artifacts.ArtifactError(f"{path.name} knows intents this code does not: {unknown}")
    return fitted


def build(path: Path = ARTIFACT, examples_dir: Path = EXAMPLES_DIR) -> dict[str, Any]:
    """Fit the model on the example files as they are now; write it and its manifest."""
    from service.understand.intent_examples import read_examples
    from service.understand.intent_fit import fit  # scipy: needed to build, not to serve

    digest = examples_digest(examples_dir)  # before reading, so an edit during the build shows
    save(fit(read_examples(examples_dir), intents=INTENTS), path)
    return artifacts.write_manifest(
        path, format_version=FORMAT, examples_sha256=digest, rebuild=REBUILD
    )
