"""Intent figures on data written by others, and on our multilingual buyer messages.

- Bitext customer-support (CDLA-Sharing-1.0): its 27 intents mapped onto ours by
  tests/data/intents/bitext_map.yaml.
- CLINC150 (CC BY 3.0): the out-of-scope queries must all be `other`.
- ePQA (CDLA-Sharing-1.0): real Amazon product questions must be `product_question`.
- tests/data/intents/<lang>.yaml: buyer messages in de, fr, es, it and ja.

No test row is a training example. The Bitext and ePQA dev rows are (see
evals/intent_training.py and the headers of service/data/intents/en/*.bitext-dev.txt,
*.epqa-dev.txt), as are CLINC150's in-scope "train" utterances; CLINC150's out-of-scope rows
never are. `python -m evals.intents build` rewrites those files and then fits the
product_question-or-other stage, service/data/product_vs_other.npz (evals/product_stage.py;
`cv` cross-validates it, evals/product_stage_cv.py).
While the example files were written, only a fixed "dev" part of each external set was looked
at (Bitext rows whose index is a multiple of 5, CLINC's oos_train and oos_val, ePQA questions
with an even qid); the "test" part is held out, and the floors the tests enforce are on it.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from evals import EVAL_DATA
from service.understand.analysis import classify_intent

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data" / "intents"
# Written blind on 2026-11-27 (no training example or test message seen). First score, before
# anything was changed for it: 83.8% over 240 messages (en 80.0, de 85.0, fr 85.0, es 82.5,
# it 85.0, ja 85.0), macro-F1 0.855; complaints that name product details went to
# product_question.
FRESH_DATA = REPO / "tests" / "data" / "intents-fresh"
LANGUAGES = ("de", "fr", "es", "it", "ja")
Part = str  # "dev", "test" or "all"

BITEXT = (
    EVAL_DATA / "bitext-customer-support" / "Bitext_Sample_Customer_Support_Training_Dataset.csv"
)
CLINC = EVAL_DATA / "clinc150" / "data_full.json"
EPQA = EVAL_DATA / "amazon-product-qa" / "ePQA" / "dev.csv"


@dataclass(frozen=True, slots=True)
class Scores:
    total: int
    accuracy: float
    macro_f1: float
    confusions: list[tuple[str, str, int]]  # (expected, predicted, count), commonest first
    errors: list[tuple[str, str, str]]  # (text, expected, predicted)


def score(rows: list[tuple[str, str]], classify: Callable[[str], str] | None = None) -> Scores:
    classify = classify or (lambda text: classify_intent(text)[0])
    pairs = [(expected, classify(text), text) for text, expected in rows]
    right = sum(expected == predicted for expected, predicted, _ in pairs)
    f1s = []
    for label in sorted({expected for expected, _, _ in pairs}):
        tp = sum(e == label and p == label for e, p, _ in pairs)
        fp = sum(e != label and p == label for e, p, _ in pairs)
        fn = sum(e == label and p != label for e, p, _ in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    confusions = Counter((e, p) for e, p, _ in pairs if e != p)
    return Scores(
        total=len(pairs),
        accuracy=right / len(pairs) if pairs else 0.0,
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        confusions=[(e, p, n) for (e, p), n in confusions.most_common()],
        errors=[(t, e, p) for e, p, t in pairs if e != p],
    )


def _in_part(index: int, part: Part, *, every: int) -> bool:
    if part == "all":
        return True
    return (index % every == 0) == (part == "dev")


@lru_cache(maxsize=1)
def bitext_map() -> dict[str, str]:
    mapping: dict[str, str] = yaml.safe_load((TEST_DATA / "bitext_map.yaml").read_text())
    return mapping


def bitext(part: Part = "test") -> list[tuple[str, str]]:
    with BITEXT.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    mapping = bitext_map()
    return [
        (row["instruction"], mapping[row["intent"]])
        for index, row in enumerate(rows)
        if _in_part(index, part, every=5)
    ]


def clinc_out_of_scope(part: Part = "test") -> list[tuple[str, str]]:
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    splits = {"dev": ("oos_train", "oos_val"), "test": ("oos_test",)}
    names = splits.get(part, ("oos_train", "oos_val", "oos_test"))
    return [(text, "other") for name in names for text, _ in data[name]]


def epqa_questions(part: Part = "test") -> list[tuple[str, str]]:
    questions: dict[int, str] = {}
    with EPQA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            questions.setdefault(int(row["qid"]), row["question"])
    return [
        (text, "product_question")
        for qid, text in sorted(questions.items())
        if _in_part(qid, part, every=2)
    ]


def buyer_messages(language: str, folder: Path = TEST_DATA) -> list[tuple[str, str]]:
    raw = yaml.safe_load((folder / f"{language}.yaml").read_text(encoding="utf-8"))
    return [(item["text"], item["intent"]) for item in raw]


def available() -> bool:
    return BITEXT.exists() and CLINC.exists() and EPQA.exists()


def _table(name: str, scores: Scores, *, show_f1: bool = True) -> str:
    f1 = f"{scores.macro_f1:.3f}" if show_f1 else "–"
    return f"| {name} | {scores.total} | {scores.accuracy:.1%} | {f1} |"


def _confusions(scores: Scores, limit: int = 8) -> str:
    pairs = ", ".join(f"{e} → {p} ({n})" for e, p, n in scores.confusions[:limit])
    return pairs or "none"


def report() -> str:
    lines = ["| set | rows | accuracy | macro-F1 |", "| --- | --- | --- | --- |"]
    notes = []
    if available():
        for part in ("test", "dev"):
            bx = score(bitext(part))
            lines.append(_table(f"Bitext mapped ({part})", bx))
            notes.append(f"- Bitext {part} confusions: {_confusions(bx)}")
        for part in ("test", "dev"):
            lines.append(
                _table(
                    f"CLINC150 oos → other ({part})", score(clinc_out_of_scope(part)), show_f1=False
                )
            )
        for part in ("test", "dev"):
            lines.append(
                _table(
                    f"ePQA → product_question ({part})", score(epqa_questions(part)), show_f1=False
                )
            )
        notes.append(
            "- dev parts of Bitext and ePQA are training data (service/data/intents/en/"
            "*.bitext-dev.txt, *.epqa-dev.txt), and so is CLINC150's in-scope 'train' split"
            " (other.clinc150-train.txt): those dev figures are not held out. CLINC150's"
            " out-of-scope rows (dev and test) are never trained on (dev tunes, test scores)."
            " product_question vs other: word log-odds blended with a regression and, for"
            " English, a network over word-piece vectors distilled from all-MiniLM-L6-v2,"
            " fitted on the same example files (service/data/product_vs_other.npz, see"
            " evals/product_stage.py); blends and thresholds from cross-validation on dev"
            " rows. The floors are on the test parts, never trained or tuned on."
        )
    else:
        notes.append(f"- {EVAL_DATA} is missing: external sets skipped")
    for language in LANGUAGES:
        if (TEST_DATA / f"{language}.yaml").exists():
            ml = score(buyer_messages(language))
            lines.append(_table(f"buyer messages, {language}", ml))
            notes.append(f"- {language} confusions: {_confusions(ml)}")
    fresh = [row for lang in ("en", *LANGUAGES) for row in buyer_messages(lang, FRESH_DATA)]
    lines.append(_table("blind probe, six languages (first score 83.8%)", score(fresh)))
    notes.append(f"- blind probe confusions: {_confusions(score(fresh))}")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


EVALS: dict[str, Callable[[], str]] = {"intents": report}


if __name__ == "__main__":
    import sys

    from evals import intent_training, product_stage, product_stage_cv

    if sys.argv[1:] == ["build"]:
        from service.understand import intent_artifact

        intent_training.build_training_data()
        intent_artifact.build()  # the example files changed: the intent model learns them too
        product_stage.build()
    elif sys.argv[1:] == ["cv"]:
        print(product_stage_cv.cross_validate())
    else:
        print(report())
