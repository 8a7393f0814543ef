"""The intent model ships built (`replydesk intents build`): loading it must answer as training
it would (exactly, but for the linear stage's last bits, which vary with the SciPy release),
refuse a file that does not match its manifest, and say when it is stale."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from guardrails import artifacts
from service.cli import main
from service.understand import intent_artifact
from service.understand.intent_examples import EXAMPLES_DIR, examples_digest, read_examples
from service.understand.intent_fit import fit
from service.understand.intent_model import IntentModel, Prediction
from service.understand.intents import INTENTS
from service.understand.product_stage import STAGE_FILE, STAGE_INTENTS, ProductStage

REPO = Path(__file__).resolve().parents[2]
# Every buyer message the tests classify: the intent sets, the escalation sets, the thanks.
TEST_SETS = ("intents/*.yaml", "intents-fresh/*.yaml", "escalation*/*.yaml", "no_response.yaml")
STALE = "service/data/intents/ changed since {} was built: run `{}` and commit what it writes"


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for key, value in node.items() if key != "text" for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def _test_set_texts() -> list[str]:
    paths = sorted({p for pattern in TEST_SETS for p in (REPO / "tests" / "data").glob(pattern)})
    return [t for p in paths for t in _texts(yaml.safe_load(p.read_text(encoding="utf-8")))]


def test_the_shipped_files_were_built_from_the_examples_on_disk() -> None:
    """Fails when an example file was edited without a rebuild (CI catches the forgotten step)."""
    intent_manifest = artifacts.read_manifest(intent_artifact.ARTIFACT, rebuild="")
    assert intent_manifest["examples_sha256"] == examples_digest(), STALE.format(
        intent_artifact.ARTIFACT.name, intent_artifact.REBUILD
    )
    stage_manifest = artifacts.read_manifest(STAGE_FILE, rebuild="")
    assert stage_manifest["examples_sha256"] == examples_digest(intents=STAGE_INTENTS), (
        STALE.format(STAGE_FILE.name, "python -m evals.intents build")
    )


@pytest.fixture(scope="module")
def fitted() -> tuple[intent_artifact.FittedIntents, intent_artifact.FittedIntents]:
    """What training on the examples gives now, and what the shipped file holds."""
    return fit(read_examples(), intents=INTENTS), intent_artifact.load()


def test_the_shipped_file_holds_exactly_what_training_gives(
    fitted: tuple[intent_artifact.FittedIntents, intent_artifact.FittedIntents],
) -> None:
    trained, loaded = fitted
    stale = STALE.format(intent_artifact.ARTIFACT.name, intent_artifact.REBUILD)
    assert (loaded.intents, loaded.grams) == (trained.intents, trained.grams), stale
    for name in ("idf", "indptr", "rows", "counts", "inv_norms", "bounds", "odds_columns", "odds"):
        assert np.array_equal(getattr(loaded, name), getattr(trained, name)), (name, stale)
    assert np.array_equal(loaded.weights(), trained.weights())
    # The linear stage comes out of SciPy's L-BFGS, whose last steps differ between SciPy
    # releases: a fit on another release lands a few float16 steps away (0.008 at most on
    # weights up to 12, 0.0005 on the biases), and no prediction changes its intent.
    assert np.array_equal(loaded.linear_columns, trained.linear_columns), stale
    for name, tolerance in (("linear_weights", LINEAR_TOLERANCE), ("linear_bias", 0.01)):
        mine, shipped = (getattr(f, name).astype(np.float64) for f in (trained, loaded))
        assert np.allclose(mine, shipped, rtol=0, atol=tolerance), (name, stale)


# How far a refit on another SciPy release may move a linear weight, and a prediction's share.
LINEAR_TOLERANCE = 0.05
SHARE_TOLERANCE = 0.005


def _same(a: Prediction, b: Prediction) -> bool:
    return (
        a.intent == b.intent
        and abs(a.confidence - b.confidence) <= SHARE_TOLERANCE
        and all(abs(a.scores[k] - b.scores[k]) <= SHARE_TOLERANCE for k in a.scores)
    )


def test_the_loaded_model_predicts_as_the_trained_one(
    fitted: tuple[intent_artifact.FittedIntents, intent_artifact.FittedIntents],
) -> None:
    """On every example line and every message of the test sets: the same intent, and every
    share within half a percentage point (the linear stage's fit may differ in its last bits
    between SciPy releases, see above). The product stage is its own file, the same for both: it
    joins in on the test sets only, which keeps this test to half a minute on a slow machine."""
    trained, loaded = (IntentModel(f, stage=None) for f in fitted)
    texts = [text for _, _, text in read_examples()] + _test_set_texts()
    assert len(texts) > 10_000
    stale = STALE.format(intent_artifact.ARTIFACT.name, intent_artifact.REBUILD)
    assert [t for t in texts if not _same(trained.predict(t), loaded.predict(t))] == [], stale
    stage = ProductStage.load(STAGE_FILE)
    trained, loaded = (IntentModel(f, stage=stage) for f in fitted)
    assert [t for t in _test_set_texts() if not _same(trained.predict(t), loaded.predict(t))] == []


def _toy_examples(folder: Path) -> Path:
    for language, intent, lines in (
        ("en", "where_is_my_order", "where is my parcel\nmy order has not arrived"),
        ("en", "product_question", "does this kettle boil fast\nis the lid dishwasher safe"),
        ("en", "other", "what is the capital of france\nhow do I bake bread"),
        ("de", "where_is_my_order", "wo ist mein paket\n# a comment line\nwann kommt es"),
    ):
        (folder / language).mkdir(parents=True, exist_ok=True)
        (folder / language / f"{intent}.txt").write_text(lines + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def toy(tmp_path: Path) -> tuple[Path, Path]:
    """A small example folder and the model built from it."""
    examples = _toy_examples(tmp_path / "intents")
    artifact = tmp_path / "model.npz"
    intent_artifact.build(artifact, examples)
    return examples, artifact


def test_a_build_writes_a_manifest_and_the_same_bytes_every_time(
    toy: tuple[Path, Path], tmp_path: Path
) -> None:
    examples, artifact = toy
    manifest = json.loads(artifact.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["format"] == intent_artifact.FORMAT
    assert manifest["examples_sha256"] == examples_digest(examples)
    assert manifest["bytes"] == artifact.stat().st_size
    again = tmp_path / "again.npz"
    intent_artifact.build(again, examples)
    assert again.read_bytes() == artifact.read_bytes()
    with np.load(artifact, allow_pickle=False) as data:  # plain arrays, nothing pickled
        assert {a.dtype.kind for a in data.values()} <= {"u", "i", "f"}


def test_the_build_command_writes_the_model(tmp_path: Path) -> None:
    examples = _toy_examples(tmp_path / "intents")
    out = tmp_path / "built.npz"
    result = CliRunner().invoke(
        main, ["intents", "build", "--examples", str(examples), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    model = IntentModel.load(out, stage=None)
    assert model.intents == ("where_is_my_order", "product_question", "other")
    assert model.predict("where is my parcel").intent == "where_is_my_order"


def test_an_altered_file_is_refused(toy: tuple[Path, Path]) -> None:
    _, artifact = toy
    content = bytearray(artifact.read_bytes())
    content[len(content) // 2] ^= 0xFF
    artifact.write_bytes(bytes(content))
    with pytest.raises(artifacts.ArtifactError, match=r"does not match.*replydesk intents build"):
        intent_artifact.load(artifact)


def test_a_missing_manifest_or_another_format_is_refused(toy: tuple[Path, Path]) -> None:
    _, artifact = toy
    manifest = artifact.with_suffix(".json")
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps(recorded | {"format": 99}), encoding="utf-8")
    with pytest.raises(artifacts.ArtifactError, match="format 99"):
        intent_artifact.load(artifact)
    manifest.unlink()
    with pytest.raises(artifacts.ArtifactError, match=r"model\.json is missing"):
        intent_artifact.load(artifact)


def test_edited_examples_warn_with_the_command_that_rebuilds(
    toy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    examples, artifact = toy
    with caplog.at_level(logging.WARNING):
        intent_artifact.load(artifact, examples)
    assert caplog.records == []
    with (examples / "en" / "other.txt").open("a", encoding="utf-8") as handle:
        handle.write("who won the world cup\n")
    with caplog.at_level(logging.WARNING):
        model = IntentModel(intent_artifact.load(artifact, examples), stage=None)
    assert "replydesk intents build" in caplog.text
    assert model.size == 8  # it still answers, from the examples it was built from


def test_the_product_stage_file_is_checked_too(tmp_path: Path) -> None:
    copy = tmp_path / STAGE_FILE.name
    shutil.copy(STAGE_FILE, copy)
    shutil.copy(STAGE_FILE.with_suffix(".json"), copy.with_suffix(".json"))
    assert ProductStage.load(copy) is not None
    copy.write_bytes(copy.read_bytes()[:-10])
    with pytest.raises(artifacts.ArtifactError, match=r"python -m evals\.intents build"):
        ProductStage.load(copy)


def test_the_example_digest_sees_every_kind_of_edit(tmp_path: Path) -> None:
    examples = _toy_examples(tmp_path / "intents")
    first = examples_digest(examples)
    (examples / "en" / "other.txt").rename(examples / "en" / "other.extra.txt")
    renamed = examples_digest(examples)
    (examples / "fr").mkdir()
    (examples / "fr" / "other.txt").write_text("", encoding="utf-8")
    added = examples_digest(examples)
    assert len({first, renamed, added}) == 3
    assert examples_digest(examples, intents=("where_is_my_order",)) != added
    assert EXAMPLES_DIR.is_dir()
