"""The intent model's arithmetic: its compact vocabulary, the similarities it works out per
message and the nearest-example scores must be those of the plain spelling (a dict, a sparse
matrix product of the stored weights, a sort), which is what the model was tuned and evaluated
with: exactly, or within the last bits of a float where the order of operations differs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from service.understand import escalation, intent_artifact
from service.understand.features import features
from service.understand.intent_artifact import FittedIntents
from service.understand.intent_model import LINEAR_SURE, NEIGHBOURS, IntentModel, Vocabulary
from tests.factories import SAMPLE_MESSAGES

MESSAGES = [*SAMPLE_MESSAGES, "zzzz qqqq", ""]


@pytest.fixture(scope="module")
def fitted() -> FittedIntents:
    return intent_artifact.load()


@pytest.fixture(scope="module")
def model(fitted: FittedIntents) -> IntentModel:
    return IntentModel(fitted, stage=None)


def test_the_vocabulary_finds_each_gram_and_only_those(fitted: FittedIntents) -> None:
    vocabulary = Vocabulary(fitted.grams)
    sample = fitted.grams[:: max(1, len(fitted.grams) // 500)]
    column = {gram: index for index, gram in enumerate(fitted.grams)}  # grams are distinct
    assert len(column) == len(fitted.grams)
    assert vocabulary.columns(sample) == [column[g] for g in sample]
    assert vocabulary.columns(["w no-such-gram-anywhere", "", "\n"]) == [-1, -1, -1]
    assert vocabulary.columns([]) == []
    assert Vocabulary([]).columns(["w a"]) == [-1]


def test_a_gram_differing_only_in_its_bytes_is_not_found() -> None:
    # Same length, same start: only the bytes check tells them apart from a near neighbour.
    vocabulary = Vocabulary(["w cat", "w car", "ねこ"])
    assert vocabulary.columns(["w car", "w cab", "ねこ", "ねご"]) == [1, -1, 2, -1]


def test_similarities_are_a_sparse_matrix_product_but_for_the_last_bits(
    fitted: FittedIntents, model: IntentModel
) -> None:
    postings = sparse.csr_matrix(
        (fitted.weights(), fitted.rows.astype(np.int32), fitted.indptr),
        shape=(len(fitted.grams), len(fitted.inv_norms)),
    )
    lookup = {gram: column for column, gram in enumerate(fitted.grams)}
    for text in MESSAGES:
        columns, weights = model._vector(*model._read(text))
        assert columns.tolist() == [lookup[g] for g in features(text) if g in lookup]
        if not len(columns):
            continue
        expected = np.asarray(postings[columns].T @ weights).ravel()
        found = model._similarities(columns, weights)
        assert found.shape == expected.shape
        np.testing.assert_allclose(found, expected, rtol=1e-12, atol=1e-15)


def test_the_closest_examples_score_as_a_sorted_mean(
    fitted: FittedIntents, model: IntentModel
) -> None:
    bounds = fitted.bounds.tolist()
    for text in MESSAGES[:-2]:
        columns, weights = model._vector(*model._read(text))
        similarities = model._similarities(columns, weights)
        before = similarities.copy()
        expected = [
            float(np.mean(np.sort(similarities[a:b])[-NEIGHBOURS:]))
            for a, b in itertools.pairwise(bounds)
        ]
        assert model._closest(similarities).tolist() == expected
        assert similarities.tobytes() == before.tobytes()  # the caller's array is left alone


def test_an_intent_with_fewer_examples_than_neighbours_averages_them_all() -> None:
    similarities = np.array([0.5, 0.1, 0.3, 0.2, 0.9])
    tiny = IntentModel.__new__(IntentModel)
    tiny.intents = ("a", "b")
    tiny._bounds = np.array([0, 2, 5])
    assert tiny._closest(similarities).tolist() == [
        float(np.mean([0.1, 0.5])),
        float(np.mean(np.sort([0.3, 0.2, 0.9]))),
    ]


def test_ties_among_the_closest_examples_count_each_example_once() -> None:
    """The rounds that take each intent's largest similarity set one example aside per round,
    so two examples with the same similarity both count, as they do in a sorted mean."""
    similarities = np.array([0.4, 0.9, 0.9, 0.1, 0.9, 0.2, 0.3, 0.3, 0.3, 0.3, 0.0])
    model = IntentModel.__new__(IntentModel)
    model.intents = ("a", "b", "c")
    model._bounds = np.array([0, 5, 10, 11 + NEIGHBOURS])
    similarities = np.concatenate([similarities, np.full(NEIGHBOURS, 0.05)])
    expected = [
        float(np.mean(np.sort(similarities[a:b])[-NEIGHBOURS:]))
        for a, b in itertools.pairwise(model._bounds.tolist())
    ]
    assert model._closest(similarities).tolist() == expected
    assert model._closest_each(similarities).tolist() == expected


def test_the_linear_stage_is_a_softmax_of_its_weights(model: IntentModel) -> None:
    """The shares are those of the plain spelling: the message's weights times the stored
    float16 rows of the n-grams it weighs, plus the intercepts, through a softmax."""
    for text in MESSAGES[:-1]:
        columns, weights = model._vector(*model._read(text))
        dense = np.zeros((len(model._linear_rows), len(model.intents)))
        kept = model._linear_rows >= 0
        dense[kept] = model._linear[model._linear_rows[kept]].astype(np.float64)
        logits = weights @ dense[columns] + model._linear_bias
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        np.testing.assert_allclose(model._linear_shares(columns, weights), expected, rtol=1e-12)


def test_the_neighbours_join_in_only_when_the_linear_stage_is_unsure_or_says_a_claim(
    model: IntentModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    similarities = model._similarities

    def counted(*args: object) -> object:
        asked.append(1)
        return similarities(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "_similarities", counted)
    sure = model.predict("Where is my package? It has not arrived yet.")
    assert sure.intent == "where_is_my_order" and sure.confidence >= LINEAR_SURE and not asked
    claim = model.predict("I have opened an A-to-z Guarantee claim, the parcel never came.")
    assert claim.intent == "a_to_z_claim" and asked
    # One heavy word ("Amazon", in every claim's examples) makes no claim to escalate: the
    # neighbours read these product questions too, and the claim is no more than a guess.
    for text, language in (
        ("Vendez-vous aussi la version bleue sur Amazon ?", "fr"),
        ("¿Venden también la versión azul en Amazon?", "es"),
        ("Vendete anche la versione blu su Amazon?", "it"),
    ):
        found = model.predict(text)
        assert not escalation.detect(
            text, language=language, intent=found.intent, intent_confidence=found.confidence
        ).recommended, text
