"""Cross-validate the product_question-or-other stage's blend weights and thresholds.

`python -m evals.intents cv` prints the choices, best first, and the row of the values in use
(evals/product_stage.py). Folds split the ePQA dev questions by qid, with the questions quoted
in their candidates; CLINC150's oos dev rows are scored in every fold. No test row is used.
"""

from __future__ import annotations

import csv
import itertools
from collections import Counter

from evals.intent_training import _CQA_QUESTION
from evals.intents import EPQA, clinc_out_of_scope, epqa_questions
from evals.product_stage import (
    ENGLISH_LINEAR_BLEND,
    ENGLISH_PIECE_BLEND,
    ENGLISH_THRESHOLD,
    LINEAR_BLEND,
    LINEAR_THRESHOLD,
    fit,
)
from service.understand.intent_examples import read_examples
from service.understand.intent_model import OTHER, PRODUCT, IntentModel
from service.understand.product_stage import ProductStage

CV_FOLDS = 5
CV_LINEAR_BLENDS = (0.0, 0.5, 1.0, 2.0, 3.0)
CV_PIECE_BLENDS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0)
CV_THRESHOLDS = tuple(round(-3.0 + 0.25 * k, 2) for k in range(37))


def _epqa_dev_groups() -> tuple[dict[int, str], dict[int, set[str]]]:
    """Even qid → its question; and → that question and those quoted in its candidates."""
    questions: dict[int, str] = {}
    groups: dict[int, set[str]] = {}
    with EPQA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            qid = int(row["qid"])
            if qid % 2 == 0:
                questions.setdefault(qid, row["question"])
                group = groups.setdefault(qid, set())
                group.add(" ".join(row["question"].casefold().split()))
                group.update(
                    " ".join(m.group(1).casefold().split())
                    for m in _CQA_QUESTION.finditer(row["candidate"])
                )
    return questions, groups


def cross_validate() -> str:
    from service.understand.intents import INTENTS

    examples = read_examples()
    questions, groups = _epqa_dev_groups()
    dev = {text for text, _ in epqa_questions("dev")}
    by_qid = {qid: text for qid, text in questions.items() if text in dev}
    clinc = [text for text, _ in clinc_out_of_scope("dev")]
    # Per row: dev set, the intent model's choice, and the stage's log-odds.
    rows: list[tuple[str, str, float, float, float | None]] = []
    for fold in range(CV_FOLDS):
        held_qids = [qid for qid in by_qid if (qid // 2) % CV_FOLDS == fold]
        held = set().union(*(groups[qid] for qid in held_qids))
        kept = [e for e in examples if " ".join(e[2].casefold().split()) not in held]
        linear, pieces = fit(kept)
        stage = ProductStage(linear, 0.0, 0.0, pieces)
        model = IntentModel.train(kept, intents=INTENTS, stage=stage)
        for name, batch in (("epqa", [by_qid[q] for q in held_qids]), ("clinc", clinc)):
            for text in batch:
                intent = model.predict(text).intent
                words, piece = model.word_odds(text), stage.piece_odds(text)
                rows.append((name, intent, words, linear.odds(text), piece))
    results = []
    for linear_blend, piece_blend, threshold in itertools.product(
        CV_LINEAR_BLENDS, CV_PIECE_BLENDS, CV_THRESHOLDS
    ):
        right, total = Counter[str](), Counter[str]()
        for name, intent, words, linear_odds, piece in rows:
            total[name] += 1
            if intent in (PRODUCT, OTHER):
                if piece is None:
                    odds = words + LINEAR_BLEND * linear_odds - LINEAR_THRESHOLD
                else:
                    odds = words + linear_blend * linear_odds + piece_blend * piece - threshold
                intent = PRODUCT if odds > 0 else OTHER
            right[name] += intent == (PRODUCT if name == "epqa" else OTHER)
        accuracies = (right["epqa"] / total["epqa"], right["clinc"] / total["clinc"])
        results.append((min(accuracies), *accuracies, linear_blend, piece_blend, threshold))
    now = (ENGLISH_LINEAR_BLEND, ENGLISH_PIECE_BLEND, ENGLISH_THRESHOLD)
    results.sort(key=lambda r: (-r[0], sum(abs(a - b) for a, b in zip(r[3:], now, strict=True))))
    lines = [
        "| min | ePQA dev (CV) | CLINC oos dev | linear blend | piece blend | threshold |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for worst, epqa, oos, *chosen in results[:10]:
        lines.append(f"| {worst:.3f} | {epqa:.3f} | {oos:.3f} | " + " | ".join(map(str, chosen)))
    for worst, epqa, oos, *chosen in results:
        if tuple(chosen) == now:
            lines.append(f"| {worst:.3f} | {epqa:.3f} | {oos:.3f} | {chosen} (now) |")
    return "\n".join(lines)
