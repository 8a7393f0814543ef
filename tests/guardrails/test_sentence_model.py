"""The sentence model: its shipped file, its features, its flags."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals.guardrails import ORDER_ID
from guardrails import artifacts, check, sentence_fit, sentence_model
from guardrails.sentence_model import (
    ARTIFACT,
    DEV_DIR,
    EXAMPLES_DIR,
    REBUILD,
    Prediction,
    SentenceModel,
    examples_digest,
    features,
    model,
    pieces,
)
from guardrails.spans import Span
from guardrails.textnorm import fold_str

STALE = f"{ARTIFACT.name} is stale: run `{REBUILD}` and commit it"


def _flags(text: str, language: str, marketplace: str = "amazon.com") -> list[tuple[str, str]]:
    report = check(text, order_id=ORDER_ID, marketplace=marketplace, language=language)
    return [(f.rule, f.match) for f in report.findings if "sentence model" in f.message]


def test_the_shipped_file_was_built_from_the_sentences_on_disk() -> None:
    manifest = artifacts.read_manifest(ARTIFACT, rebuild=REBUILD)
    assert manifest["examples_sha256"] == examples_digest(), STALE


def test_the_fast_features_are_the_named_features_on_every_sentence() -> None:
    """Prediction finds features without naming them; training names them. Both must give
    the same set for every training and development sentence (all six languages)."""
    current = model()
    index = {feature: i for i, feature in enumerate(sentence_model.vocabulary())}
    examples = sentence_fit.read(EXAMPLES_DIR) + sentence_fit.read(DEV_DIR)
    assert len(examples) > 12_000
    texts = [fold_str(e.text) for e in examples]
    owner, ids = current._ids(texts)
    found: list[set[int]] = [set() for _ in texts]
    for sentence, feature in zip(owner.tolist(), ids.tolist(), strict=True):
        found[sentence].add(feature)
    named = [{index[f] for f in features(e.text) if f in index} for e in examples]
    assert [e.text for e, a, b in zip(examples, found, named, strict=True) if a != b] == []


def test_features_cover_words_pairs_beginnings_and_kana() -> None:
    assert features("Bewertungen helfen 5 Kunden") == [
        "w:bewertungen",
        "p:bewer",
        "w:helfen",
        "w:0",
        "w:kunden",
        "b:bewertungen helfen",
        "b:helfen 0",
        "b:0 kunden",
    ]
    assert features("評価を") == [
        "c:<評",
        "c:評価",
        "c:価を",
        "c:を>",
        "c:<評価",
        "c:評価を",
        "c:価を>",
    ]


def test_a_sentence_gets_the_same_answer_cached_or_not() -> None:
    current = model()
    sentences = [e.text for e in sentence_fit.read(DEV_DIR)[:300]]
    first = current.predict(sentences)
    again = current.predict(sentences)
    probabilities = current.probabilities(sentences)
    assert first == again
    for prediction, row in zip(first, probabilities, strict=True):
        k = current.labels.index(prediction.label)
        assert prediction.probability == pytest.approx(float(row[k]))
        assert k == int(np.argmax(row))


def test_a_full_cache_is_emptied_without_losing_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    current = model()
    sentences = [e.text for e in sentence_fit.read(DEV_DIR)[:40]]
    expected = current.predict(sentences)
    monkeypatch.setattr(sentence_model, "CACHE_SIZE", 30)
    current._cache.clear()
    assert current.predict(sentences[:20]) == expected[:20]
    # Twenty known and twenty new: over the size, so the cache empties while answering.
    assert current.predict(sentences) == expected
    assert len(current._cache) <= 30


@pytest.mark.parametrize(
    ("language", "text", "rule"),
    [
        # Asks in words no phrase list holds.
        (
            "en",
            "Once you have tried it, a few words from you about it on the listing would be "
            "wonderful.",
            "review_solicitation",
        ),
        (
            "it",
            "Ci farebbe davvero piacere sapere cosa ne pensa, magari proprio sulla pagina del "
            "prodotto.",
            "review_solicitation",
        ),
        ("de", "Übrigens gibt es die gleiche Lampe jetzt auch in Messing.", "marketing"),
        ("ja", "同じシリーズの新色も入荷しておりますので、あわせてご検討ください。", "marketing"),
    ],
)
def test_the_model_flags_what_no_phrase_catches(language: str, text: str, rule: str) -> None:
    reply = f"Order {ORDER_ID}. Thank you for your patience with the replacement. {text}"
    assert _flags(reply, language) == [(rule, text)]


def test_a_sentence_a_phrase_rule_already_caught_gets_no_second_finding() -> None:
    ask = "Please leave us a five-star review on Amazon."
    found = [Span("review_solicitation", "fixed", 0, len(ask), ask, "", "", sentence=True)]
    prediction = model().predict([ask])[0]
    assert prediction.label == "review_solicitation"  # the model agrees with the phrase rule
    assert sentence_model.detect(ask, ctx=None, found=found) == []  # type: ignore[arg-type]
    assert sentence_model.detect(ask, ctx=None)  # type: ignore[arg-type]
    text = f"The replacement for order {ORDER_ID} ships tomorrow. {ask}"
    report = check(text, order_id=ORDER_ID, marketplace="amazon.com", language="en")
    assert [(f.rule, f.action) for f in report.findings] == [("review_solicitation", "fixed")]


def test_the_knowledge_base_and_the_clean_corpus_raise_almost_no_flag() -> None:
    """Sentences sellers really send: the shipped knowledge base's articles and templates, and
    the clean replies of the corpus. Precision first: at most one flag in 1,000 sentences."""
    root = Path(__file__).resolve().parents[2] / "knowledge_base"
    texts = [p.read_text(encoding="utf-8").split("---", 2)[-1] for p in root.rglob("*.md")]
    current = model()
    sentences = [t[s:e] for t in texts for s, e in pieces(t)]
    assert len(sentences) > 1_500
    flagged = [
        s for s, p in zip(sentences, current.predict(sentences), strict=True) if current.sure(p)
    ]
    assert len(flagged) <= len(sentences) // 1000, flagged


def test_short_pieces_are_not_read() -> None:
    # A greeting, and a sentence cut by an abbreviation's dot: nothing for the model.
    assert pieces("Hallo Anna,\nUnsere USt-IdNr. lautet DE123456789.") == []
    text = "Hallo Anna,\n  Vielen Dank für Ihre Nachricht! Bis bald"
    assert [text[s:e] for s, e in pieces(text)] == ["Vielen Dank für Ihre Nachricht!"]


def test_thresholds_are_the_lowest_precise_probability_that_flags_nothing_clean() -> None:
    labels = ["none", "review_solicitation"]
    probabilities = np.asarray([[0.05, 0.95], [0.2, 0.8], [0.21, 0.79], [0.9, 0.1]])
    truth = ["review_solicitation", "review_solicitation", "none", "none"]
    # 0.79 would flag the clean third sentence; 0.80 flags only true asks.
    assert sentence_fit.thresholds(probabilities, truth, labels) == [1.1, 0.8]
    # Never below the floor, however precise the model is lower down.
    easy = np.asarray([[0.1, 0.9], [0.9, 0.1]])
    assert sentence_fit.thresholds(easy, ["review_solicitation", "none"], labels) == [
        1.1,
        sentence_fit.FLOOR,
    ]


def test_a_label_never_right_enough_is_never_flagged() -> None:
    labels = ["none", "marketing"]
    probabilities = np.asarray([[0.01, 0.99], [0.02, 0.98]])
    assert sentence_fit.thresholds(probabilities, ["none", "none"], labels) == [1.1, 1.1]


def test_sure_means_a_rule_label_at_its_threshold() -> None:
    current = SentenceModel(
        ["w:x"],
        np.zeros((1, 2), np.float32),
        np.zeros(2, np.float32),
        ["none", "marketing"],
        [1.1, 0.8],
    )
    assert current.sure(Prediction("marketing", 0.8))
    assert not current.sure(Prediction("marketing", 0.79))
    assert not current.sure(Prediction("none", 1.0))


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two hundred training and sixty development sentences per label of the shipped files,
    for a build in seconds."""
    root = tmp_path_factory.mktemp("sentences")
    for source, name, per_label in ((EXAMPLES_DIR, "train", 200), (DEV_DIR, "dev", 60)):
        (root / name).mkdir()
        for path in sorted(source.glob("*.jsonl"))[:2]:
            taken: dict[str, int] = {}
            lines = []
            for line in path.read_text(encoding="utf-8").splitlines():
                label = json.loads(line)["label"]
                if taken.get(label, 0) < per_label:
                    taken[label] = taken.get(label, 0) + 1
                    lines.append(line)
            (root / name / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = root / "model.npz"
    sentence_fit.build(out, root / "train", root / "dev", c_grid=(4.0,))
    return root / "train", root / "dev", out


def test_a_build_writes_a_manifest_and_the_same_bytes_every_time(
    toy: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    train, dev, out = toy
    manifest = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["examples_sha256"] == examples_digest(train, dev)
    again = tmp_path / "again.npz"
    sentence_fit.build(again, train, dev, c_grid=(4.0,))
    assert again.read_bytes() == out.read_bytes()
    loaded = sentence_model.load(out)
    assert loaded.labels == sentence_model.LABELS
    with np.load(out, allow_pickle=False) as data:  # plain arrays, nothing pickled
        assert {a.dtype.kind for a in data.values()} <= {"u", "f", "U"}


def test_an_altered_file_is_refused(toy: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, _, out = toy
    altered = tmp_path / "model.npz"
    altered.write_bytes(out.read_bytes()[:-10] + b"0123456789")
    altered.with_suffix(".json").write_text(out.with_suffix(".json").read_text())
    with pytest.raises(artifacts.ArtifactError, match="does not match"):
        sentence_model.load(altered)


def test_an_offer_for_a_review_is_also_an_ask_for_it() -> None:
    offer = "Once your opinion is online, we refund the shipping costs."
    reply = f"Order {ORDER_ID}. The new lid ships today. {offer}"
    assert _flags(reply, "en") == [("incentive", offer), ("review_solicitation", offer)]
