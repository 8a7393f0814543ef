"""Retrieval on ePQA (Amazon product questions): our search against plain BM25, same run.

All ~9,700 distinct candidate passages become one knowledge base, each an article tied to its
product's ASIN and titled with the product title. Each of the 977 questions is asked with its
ASIN; the 921 with at least one helpful candidate (label 1 or 2) are scored. P@1, MRR and MAP@10
count label >= 1 as relevant; "MAP@10, label 2" counts only the candidates judged fully helpful
(over the queries that have one); nDCG@5 uses the graded labels (gain 2^label - 1). AP@10 is
the sum of P@k at each relevant rank k <= 10, over min(relevant candidates, 10).

The questions fall in two halves by a hash of their ASIN: the hybrid ranking's settings
(service/knowledge/dense.py) were chosen on the tuning half only; the held-out half is the
figure to quote. Both are reported.

- plain BM25: bm25s with its own tokenizer and English stop words over the passage text, no
  filter: the baseline the issue names.
- plain BM25 + ASIN: the same ranking restricted to the product's passages, to show how much
  comes from the filter and how much from our tokenizer (stemming, folding) and title field.
- ours: `KnowledgeBase.search(question, language="en", asin=ASIN)`: BM25 and word vectors.
- ours without vectors: the same search ranking by its BM25 alone, to show what they add.
"""

from __future__ import annotations

import csv
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from evals import EVAL_DATA, REPO
from service.knowledge import Entry, KnowledgeBase

EPQA = EVAL_DATA / "amazon-product-qa" / "ePQA" / "dev.csv"
# Shipped with the repository (evals/data/hetpqa/README.md): the set the settings never saw.
HETPQA = REPO / "evals" / "data" / "hetpqa" / "evidence_ranking_dev.tsv"
K = 10  # ranks kept per query; metrics look at 5 at most


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    asin: str
    labels: dict[int, int]  # passage -> graded label

    @property
    def half(self) -> str:
        return "tuning" if zlib.crc32(self.asin.encode()) % 2 == 0 else "held-out"


@dataclass(frozen=True, slots=True)
class Figures:
    system: str
    p_at_1: float
    mrr: float
    ndcg_at_5: float
    map_at_10: float
    map_at_10_helpful: float | None  # label 2 only; None for a set without graded labels
    queries: int


def load_epqa(path: Path = EPQA) -> tuple[list[Entry], list[Query]]:
    """ePQA's dev set: graded labels (2 fully answers, 1 helps), the product's title."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = [
            (r["qid"], r["question"], r["ASIN"], r["candidate"], int(r["label"]), r["title"])
            for r in csv.DictReader(file)
        ]
    return _knowledge("epqa", rows)


def load_hetpqa(path: Path = HETPQA) -> tuple[list[Entry], list[Query]]:
    """hetPQA's evidence ranking dev set: binary labels, no product titles (the ASIN stands in)."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = [
            (r["qid"], r["question"], r["ASIN"], r["candidate"], int(r["label"]), "")
            for r in csv.DictReader(file, delimiter="\t")
        ]
    return _knowledge("hetpqa", rows)


def _knowledge(
    name: str, rows: list[tuple[str, str, str, str, int, str]]
) -> tuple[list[Entry], list[Query]]:
    """Every distinct (ASIN, candidate) becomes an article of that ASIN; every question with a
    relevant candidate becomes a query. ``rows``: qid, question, ASIN, candidate, label, title."""
    passages: dict[tuple[str, str], int] = {}
    titles: dict[str, str] = {}
    queries: dict[str, tuple[str, str, dict[int, int]]] = {}
    for qid, question, asin, candidate, label, title in rows:
        passage = passages.setdefault((asin, candidate), len(passages))
        titles[asin] = title
        _, _, labels = queries.setdefault(qid, (question, asin, {}))
        labels[passage] = max(labels.get(passage, 0), label)
    entries = [
        Entry(
            id=f"{name}/{number:05d}",
            kind="article",
            title=titles[asin] or asin,
            language="en",
            intents=("product_question",),
            asins=(asin,),
            tags=(),
            body=text,
            path=f"{name}/{number:05d}.md",
            line=1,
        )
        for (asin, text), number in passages.items()
    ]
    judged = [Query(q, a, labels) for q, a, labels in queries.values() if any(labels.values())]
    return entries, judged


def average_precision(gains: list[int], labels: dict[int, int], good: int) -> float | None:
    """AP@K of one ranking, a candidate relevant when its label >= good; None without one."""
    relevant = sum(label >= good for label in labels.values())
    if not relevant:
        return None
    hits, total = 0, 0.0
    for rank, gain in enumerate(gains[:K], start=1):
        if gain >= good:
            hits += 1
            total += hits / rank
    return total / min(relevant, K)


def score(system: str, queries: list[Query], rank: Callable[[Query], list[int]]) -> Figures:
    p1 = mrr = ndcg = 0.0
    aps: dict[int, list[float]] = {1: [], 2: []}
    for query in queries:
        ranked, labels = rank(query), query.labels
        gains = [labels.get(p, 0) for p in ranked]
        p1 += bool(gains and gains[0] > 0)
        mrr += next((1 / (i + 1) for i, g in enumerate(gains) if g > 0), 0.0)
        ideal = sorted(labels.values(), reverse=True)[:5]
        dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:5]))
        ndcg += dcg / sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        for good, found in aps.items():
            ap = average_precision(gains, labels, good)
            if ap is not None:
                found.append(ap)
    n = len(queries)
    return Figures(
        system,
        p1 / n,
        mrr / n,
        ndcg / n,
        float(np.mean(aps[1])),
        float(np.mean(aps[2])) if aps[2] else None,
        n,
    )


def run(path: Path = EPQA, *, half: str | None = None) -> list[Figures]:
    """Every system on the ePQA questions of ``half`` (all when None)."""
    entries, queries = load_epqa(path)
    return compare(entries, [q for q in queries if half is None or q.half == half])


def compare(entries: list[Entry], chosen: list[Query]) -> list[Figures]:
    """Plain BM25 (without and with the ASIN filter), ours, and ours without word vectors."""
    plain = bm25s.BM25()
    corpus = bm25s.tokenize([e.body for e in entries], stopwords="en", show_progress=False)
    plain.index(corpus, show_progress=False)
    asin_of = np.array([e.asins[0] for e in entries])

    def plain_scores(query: Query) -> np.ndarray:
        tokens = bm25s.tokenize(
            [query.text], stopwords="en", return_ids=False, show_progress=False
        )[0]
        known = [t for t in tokens if t in plain.vocab_dict]
        if not known:
            return np.zeros(len(entries))
        return np.asarray(plain.get_scores(known), dtype=np.float64)

    def ranked(scores: np.ndarray, rows: np.ndarray) -> list[int]:
        rows = rows[scores[rows] > 0]
        return [int(r) for r in rows[np.lexsort((rows, -scores[rows]))][:K]]

    def plain_rank(query: Query) -> list[int]:
        return ranked(plain_scores(query), np.arange(len(entries)))

    def plain_asin_rank(query: Query) -> list[int]:
        return ranked(plain_scores(query), np.flatnonzero(asin_of == query.asin))

    number = {e.id: row for row, e in enumerate(entries)}

    def search(kb: KnowledgeBase) -> Callable[[Query], list[int]]:
        def rank(query: Query) -> list[int]:
            hits = kb.search(query.text, language="en", asin=query.asin, k=K)
            return [number[h.entry.id] for h in hits]

        return rank

    systems = {
        "plain BM25": plain_rank,
        "plain BM25 + ASIN filter": plain_asin_rank,
        "ours (KnowledgeBase.search)": search(KnowledgeBase(entries=entries)),
        "ours without word vectors": search(KnowledgeBase(entries=entries, vectors=False)),
    }
    return [score(name, chosen, rank) for name, rank in systems.items()]


def halves(path: Path = EPQA) -> dict[str, list[Figures]]:
    """:func:`run` on each half of the questions."""
    return {half: run(path, half=half) for half in ("tuning", "held-out")}


def fresh(path: Path = HETPQA) -> list[Figures]:
    """:func:`compare` on hetPQA, which no setting was chosen on."""
    return compare(*load_hetpqa(path))


def _rows(name: str, figures: list[Figures]) -> list[str]:
    def helpful(f: Figures) -> str:
        return "n/a" if f.map_at_10_helpful is None else f"{f.map_at_10_helpful:.3f}"

    return [
        f"| {name} | {f.system} | {f.map_at_10:.3f} | {helpful(f)} | "
        f"{f.p_at_1:.3f} | {f.mrr:.3f} | {f.ndcg_at_5:.3f} | {f.queries} |"
        for f in figures
    ]


def _ratio(name: str, figures: list[Figures]) -> str:
    base, ours = figures[1], figures[2]
    ratio = ours.map_at_10 / base.map_at_10
    line = f"{name}: MAP@10 {ratio:.3f}× plain BM25 within the ASIN's candidates"
    if ours.map_at_10_helpful is not None and base.map_at_10_helpful:
        line += f" (label 2: {ours.map_at_10_helpful / base.map_at_10_helpful:.3f}×)"
    return line


def report() -> str:
    lines = [
        "| set | system | MAP@10 | MAP@10, label 2 | P@1 | MRR | nDCG@5 | queries |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    sets = {f"ePQA {half}": figures for half, figures in halves().items()} if EPQA.exists() else {}
    sets["hetPQA (never tuned on)"] = fresh()
    for name, figures in sets.items():
        lines += _rows(name, figures)
    ratios = [_ratio(name, figures) for name, figures in sets.items()]
    if not EPQA.exists():
        ratios.append(f"ePQA not found at {EPQA}: skipped")
    return "\n".join([*lines, "", *ratios]) + "\n"


EVALS: dict[str, Callable[[], str]] = {"retrieval_epqa": report}
