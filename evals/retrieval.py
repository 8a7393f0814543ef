"""Retrieval on ePQA (Amazon product questions): our search against plain BM25, same run.

All ~9,700 distinct candidate passages become one knowledge base, each an article tied to its
product's ASIN and titled with the product title. Each of the 977 questions is asked with its
ASIN; the 921 with at least one helpful candidate (label 1 or 2) are scored. P@1 and MRR count
label >= 1 as relevant; nDCG@5 uses the graded labels (gain 2^label - 1).

- plain BM25: bm25s with its own tokenizer and English stop words over the passage text, no
  filter: the baseline the issue names.
- plain BM25 + ASIN: the same ranking restricted to the product's passages, to show how much
  comes from the filter and how much from our tokenizer (stemming, folding) and title field.
- ours: `KnowledgeBase.search(question, language="en", asin=ASIN)`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from service.knowledge import Entry, KnowledgeBase

REPO = Path(__file__).resolve().parents[1]
EPQA = REPO.parent / "shared" / "eval-data" / "amazon-product-qa" / "ePQA" / "dev.csv"
K = 10  # ranks kept per query; metrics look at 5 at most


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    asin: str
    labels: dict[int, int]  # passage -> graded label


@dataclass(frozen=True, slots=True)
class Figures:
    system: str
    p_at_1: float
    mrr: float
    ndcg_at_5: float
    queries: int


def load_epqa(path: Path = EPQA) -> tuple[list[Entry], list[Query]]:
    passages: dict[tuple[str, str], int] = {}
    titles: dict[str, str] = {}
    queries: dict[str, tuple[str, str, dict[int, int]]] = {}
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            key = (row["ASIN"], row["candidate"])
            passage = passages.setdefault(key, len(passages))
            titles[row["ASIN"]] = row["title"]
            _, _, labels = queries.setdefault(row["qid"], (row["question"], row["ASIN"], {}))
            labels[passage] = max(labels.get(passage, 0), int(row["label"]))
    entries = [
        Entry(
            id=f"epqa/{number:05d}",
            kind="article",
            title=titles[asin] or asin,
            language="en",
            intents=("product_question",),
            asins=(asin,),
            tags=(),
            body=text,
            path=f"epqa/{number:05d}.md",
            line=1,
        )
        for (asin, text), number in passages.items()
    ]
    judged = [Query(q, a, labels) for q, a, labels in queries.values() if any(labels.values())]
    return entries, judged


def score(system: str, queries: list[Query], rank: Callable[[Query], list[int]]) -> Figures:
    p1 = mrr = ndcg = 0.0
    for query in queries:
        ranked, labels = rank(query), query.labels
        gains = [labels.get(p, 0) for p in ranked]
        p1 += bool(gains and gains[0] > 0)
        mrr += next((1 / (i + 1) for i, g in enumerate(gains) if g > 0), 0.0)
        ideal = sorted(labels.values(), reverse=True)[:5]
        dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:5]))
        ndcg += dcg / sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    n = len(queries)
    return Figures(system, p1 / n, mrr / n, ndcg / n, n)


def run(path: Path = EPQA) -> list[Figures]:
    entries, queries = load_epqa(path)
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

    kb = KnowledgeBase(entries=entries)
    number = {e.id: int(e.id.removeprefix("epqa/")) for e in entries}

    def ours(query: Query) -> list[int]:
        hits = kb.search(query.text, language="en", asin=query.asin, k=K)
        return [number[h.entry.id] for h in hits]

    return [
        score("plain BM25", queries, plain_rank),
        score("plain BM25 + ASIN filter", queries, plain_asin_rank),
        score("ours (KnowledgeBase.search)", queries, ours),
    ]


def report() -> str:
    if not EPQA.exists():
        return f"ePQA not found at {EPQA}: skipped"
    lines = [
        "| system | P@1 | MRR | nDCG@5 | queries |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {f.system} | {f.p_at_1:.3f} | {f.mrr:.3f} | {f.ndcg_at_5:.3f} | {f.queries} |"
            for f in run()
        ),
    ]
    return "\n".join(lines) + "\n"


EVALS: dict[str, Callable[[], str]] = {"retrieval_epqa": report}
