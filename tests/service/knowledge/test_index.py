"""Search text (`service.knowledge.index`): tokens per language, the BM25 index, the top-k cut,
the plain text of an entry and the snippet shown for it."""

from __future__ import annotations

import json

import numpy as np

from service.knowledge import KnowledgeBase
from service.knowledge.index import (
    SNIPPET_CHARS,
    TITLE_WEIGHT,
    Index,
    document_tokens,
    passages,
    plain_text,
    query_tokens,
    snippet,
    tokenize,
    top,
)
from tests.processes import fresh_python
from tests.service.knowledge.support import entry


def test_tokenizer_folds_case_width_and_splits_cjk_into_bigrams() -> None:
    assert tokenize("Where is my ORDER？", language="en") == ["order"]
    assert tokenize("ＡＢＣ-123 Straße") == ["abc", "123", "strasse"]
    assert tokenize("返品したい") == ["返品", "品し", "した", "たい"]
    assert tokenize("箱") == ["箱"]


def test_snippet_is_the_relevant_part_of_the_body_with_whitespace_collapsed() -> None:
    filler = "Our team packs every order with care.\n\n" * 12
    body = filler + "To  descale the kettle,\n  fill it with water and vinegar.\n\n" + filler
    kb = KnowledgeBase(entries=[entry("care/kettle", "Kettle", body)])
    (hit,) = kb.search("how do I descale it", snippets=True)
    assert hit.snippet.startswith("…To descale the kettle, fill it with water and vinegar.")
    assert len(hit.snippet) <= 202
    assert "  " not in hit.snippet and "\n" not in hit.snippet


def test_stop_words_are_the_languages_own() -> None:
    # "die" is German for "the" and an English verb.
    assert tokenize("die Lieferung", language="de") == ["liefer"]
    assert tokenize("die Lieferung", language="en") == ["die", "lieferung"]


def test_words_are_stemmed_only_when_the_language_is_known() -> None:
    assert tokenize("returns returned returning", language="en") == ["return"] * 3
    assert tokenize("The returns") == ["the", "returns"]
    assert tokenize("Returns", language="xx") == ["returns"]  # no stemmer, no stop words


def test_a_query_without_a_language_is_read_as_each_language_would_index_it() -> None:
    tokens = query_tokens("Rücksendung returns", language=None, languages=["de", "en"])
    assert tokens == ["rucksend", "return", "rücksendung"]
    assert query_tokens("returns", language="en", languages=["de"]) == ["return"]


def test_top_is_exact_when_ties_straddle_the_cut() -> None:
    rows = np.array([4, 3, 2, 1, 0], dtype=np.int64)
    scores = np.array([2.0, 2.0, 2.0, 1.0, 3.0])
    assert top(rows, scores, 2) == [0, 2]  # the best, then the lowest row of the tied ones
    assert top(rows, scores, 10) == [0, 2, 3, 4, 1]
    assert top(rows, scores, 0) == []


def test_plain_text_drops_template_logic_and_markdown() -> None:
    body = (
        "{% if carrier %}By **{{ carrier }}**.{% else %}Soon.{% endif %}\n"
        "# Head\n- item\n1. first\n> quoted `code`"
    )
    template = entry("t", "T", body, kind="template")
    assert plain_text(template) == "By {{ carrier }}. Soon.\nHead\nitem\nfirst\nquoted code"
    # An article has no template logic: braces in it are its text.
    article = entry("a", "A", "{% raw %} __b__")
    assert plain_text(article) == "{% raw %} b"


def test_the_title_weighs_more_and_template_variables_are_not_content() -> None:
    template = entry("t", "Delivery", "Your {{ tracking_number }} is below.", kind="template")
    tokens = document_tokens(template, plain_text(template))
    assert tokens.count("deliveri") == TITLE_WEIGHT
    assert "track" not in tokens and "tracking_number" not in tokens


def test_an_index_of_entries_without_words_scores_nothing() -> None:
    blank = entry("p", "—", "…")
    index = Index([blank], [plain_text(blank)])
    assert index.scores(["anything"]).tolist() == [0.0]
    assert KnowledgeBase(entries=[blank]).search("anything") == []


def test_a_snippet_without_spaces_is_cut_at_its_length() -> None:
    text = "返品" * 150
    cut = snippet(text, frozenset(), language="ja")
    assert cut == text[:SNIPPET_CHARS] + "…"
    assert snippet("Short and sweet.", frozenset({"sweet"}), language="en") == "Short and sweet."


def test_the_index_is_built_without_scipy_in_a_fresh_process() -> None:
    # bm25s would import SciPy (15 MB a worker) for a backend the index does not use.
    code = (
        "import sys; from service.knowledge import load_kb; from service.config import Settings; "
        "kb = load_kb(Settings().kb_dir); "
        "hits = kb.search('where is my parcel', k=3); "
        "print(len(hits), 'scipy' in sys.modules, 'bm25s' in sys.modules)"
    )
    assert fresh_python(code, timeout=60).split() == ["3", "False", "True"]


def test_scores_are_the_same_whether_or_not_scipy_was_loaded_first() -> None:
    code = (
        "import sys, json; {}from service.knowledge import load_kb; "
        "from service.config import Settings; kb = load_kb(Settings().kb_dir); "
        "print(json.dumps([[h.entry.id, h.score] for q in ('parcel late', 'refund', "
        "'Paket kaputt') for h in kb.search(q, k=5)]))"
    )
    runs = [fresh_python(code.format(first), timeout=60) for first in ("", "import scipy.sparse; ")]
    assert runs[0] == runs[1] and json.loads(runs[0])


BODY = (
    "Returns are free within 30 days of delivery.\n\n"
    "Refunds reach your card within five business days of the return scan.\n\n"
    "Gift wrapping costs extra and is not refunded."
)


def test_passages_keep_the_paragraphs_that_share_most_query_words_in_their_order() -> None:
    query = frozenset(tokenize("When will my refund reach my card?", language="en"))
    words = len  # a size in characters, for the test
    assert passages(BODY, query, language="en", size=words, limit=1000) == BODY
    kept = passages(BODY, query, language="en", size=words, limit=80)
    assert kept == "Refunds reach your card within five business days of the return scan."
    both = passages(BODY, query, language="en", size=words, limit=130)
    assert both.split("\n\n") == [  # "refunded" shares the stem; "Returns" nothing
        "Refunds reach your card within five business days of the return scan.",
        "Gift wrapping costs extra and is not refunded.",
    ]


def test_passages_fall_back_to_the_first_paragraph_and_cut_a_long_one_at_a_sentence() -> None:
    nothing = frozenset(tokenize("zebra", language="en"))
    assert passages(BODY, nothing, language="en", size=len, limit=50).startswith("Returns")
    long = "One sentence here. Another sentence there. " * 10
    cut = passages(long, nothing, language="en", size=len, limit=60)
    assert cut == "One sentence here. Another sentence there.…"
