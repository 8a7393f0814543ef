"""The intent model's product_question-or-other stage: its file, its English gate, its training."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from evals.product_stage import train_pieces
from guardrails import artifacts
from service.understand.analysis import classify_intent
from service.understand.features import HASH_BITS
from service.understand.intent_model import IntentModel
from service.understand.product_stage import (
    STAGE_FILE,
    STAGE_FORMAT,
    STAGE_REBUILD,
    ProductStage,
)
from service.understand.word_vectors import VOCABULARY_FILE, WordPieces


@pytest.fixture(scope="module")
def stage() -> ProductStage:
    loaded = ProductStage.load(STAGE_FILE)
    assert loaded is not None and loaded.pieces is not None
    return loaded


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("will this case fit an iphone 15 pro max?", "product_question"),
        ("is the lid dishwasher safe or should I wash it by hand", "product_question"),
        ("how many watts does this heater use on the low setting?", "product_question"),
        ("who won the football world cup in 2014", "other"),
        ("how do i make my sourdough rise more", "other"),
        ("what is the population of canada", "other"),
    ],
)
def test_product_questions_and_general_questions(text: str, intent: str) -> None:
    assert classify_intent(text)[0] == intent


def test_the_piece_network_reads_english_only(stage: ProductStage) -> None:
    assert stage.piece_odds("Does this blender crush ice?") is not None
    assert stage.piece_odds("Passt diese Hülle auf mein Handy?") is None
    assert stage.piece_odds("この商品は食洗機で洗えますか") is None
    # English messages and others are decided against their own thresholds, both finite.
    for text in ("Does this blender crush ice?", "Passt diese Hülle auf mein Handy?"):
        assert np.isfinite(stage.odds(text, 0.0))


def test_word_pieces_keep_english_pieces_only() -> None:
    vocabulary = VOCABULARY_FILE.read_text(encoding="utf-8").splitlines()
    kept = np.ones(len(vocabulary), dtype=bool)
    kept[vocabulary.index("the")] = False
    pieces = WordPieces(kept)
    ids = pieces("The unbreakable lid")
    words = [vocabulary[i] for i in ids]
    assert "the" not in words and "lid" in words and any(w.startswith("##") for w in words)


def _write_npz(path: Path, arrays: dict[str, np.ndarray | np.float64]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    # Every load checks the file against its manifest.
    artifacts.write_manifest(
        path, format_version=STAGE_FORMAT, examples_sha256="", rebuild=STAGE_REBUILD
    )


def test_a_file_without_the_piece_network_still_decides(tmp_path: Path) -> None:
    older = tmp_path / "older.npz"
    weights = np.zeros(1 << HASH_BITS, dtype=np.float16)
    scalars = {name: np.float64(value) for name, value in (("blend", 2.0), ("threshold", 0.5))}
    _write_npz(older, {"weights": weights, "bias": np.float64(0.0), **scalars})
    stage = ProductStage.load(older)
    assert stage is not None and stage.pieces is None
    assert stage.odds("Does this blender crush ice?", 1.0) == pytest.approx(0.5)
    other_hashing = tmp_path / "other.npz"
    _write_npz(other_hashing, {"weights": weights[:100], "bias": np.float64(0.0), **scalars})
    assert ProductStage.load(other_hashing) is None
    assert ProductStage.load(tmp_path / "missing.npz") is None


def test_without_the_file_the_word_odds_decide(tmp_path: Path) -> None:
    model = IntentModel.load(stage=tmp_path / "missing.npz")
    text = "will this case fit an iphone 15 pro max?"
    assert model.product_odds(text) == pytest.approx(model.word_odds(text) - 1.0)


# Ten toy texts do not let the optimiser settle within its iterations; the real build does.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_folded_int8_network_learns_what_it_is_shown() -> None:
    pytest.importorskip("sklearn")
    vocabulary = VOCABULARY_FILE.read_text(encoding="utf-8").splitlines()
    kept = np.ones(len(vocabulary), dtype=bool)
    rng = np.random.default_rng(7)
    vectors = rng.normal(0, 0.1, (len(vocabulary), 16)).astype(np.float32)
    product_words = ["battery", "plug", "cable", "screen", "lid"]
    other_words = ["weather", "football", "recipe", "holiday", "music"]
    for word in product_words:
        vectors[vocabulary.index(word), 0] += 1.0
    for word in other_words:
        vectors[vocabulary.index(word), 0] -= 1.0
    texts, labels = [], []
    for first, second in zip(product_words, product_words[1:] + product_words[:1], strict=True):
        texts.append(f"{first} {second}")
        labels.append(1)
    for first, second in zip(other_words, other_words[1:] + other_words[:1], strict=True):
        texts.append(f"{first} {second}")
        labels.append(0)
    scorer = train_pieces(texts, labels, vectors, WordPieces(kept))
    assert scorer.table.dtype == np.int8
    odds = [scorer.odds(text) for text in texts]
    assert all(o is not None for o in odds)
    predicted = [int(o is not None and o > 0) for o in odds]
    assert predicted == labels
    assert scorer.odds("") is None
