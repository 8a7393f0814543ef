"""The knowledge base (`service.knowledge`): the shipped starter KB, loading a directory and
reloading it over the last snapshot, search, and the choice of a template.

One file's validation is in test_files.py, tokens and snippets in test_index.py, rendering in
test_render.py.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from service.knowledge import (
    KnowledgeBase,
    load_kb,
    minimal_context,
    render,
    sample_context,
)
from tests.conftest import REPO
from tests.service.knowledge.support import GOOD, OTHER, entry, kb_dir, write, write_raw

KB_DIR = REPO / "knowledge_base"
ORDER_ID = "114-3941689-8772232"
STARTER_INTENTS = (
    "where_is_my_order",
    "shipping_delay",
    "damaged_item",
    "return_request",
    "refund_status",
    "usage_help",
    "product_question",
    "cancellation_request",
    "positive_feedback",
    "other",
)
# What the policy (docs/policy.md) forbids in a reply, checked on every shipped template's output.
FORBIDDEN = {
    "link": re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|de|co|shop|io)\b", re.I),
    "e-mail": re.compile(r"@|\[at\]|＠", re.I),
    "phone": re.compile(r"\+?\d[\d ()./-]{7,}\d"),
    "review request": re.compile(r"\breview|feedback|\brat(e|ing)\b|\bstars?\b", re.I),
    "off-platform": re.compile(r"contact us|our (web)?site|whatsapp|instagram|facebook", re.I),
    "marketing": re.compile(r"coupon|discount|promo|% off|newsletter|follow us|\bsale\b", re.I),
    "emoji": re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]"),
    "placeholder": re.compile(r"\[|\]|\{|\}|<|>|\bXXX\b|\bTODO\b", re.I),
}


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_kb(KB_DIR)


# --- The shipped starter knowledge base ----------------------------------------------------


def test_shipped_kb_loads_without_errors_and_covers_the_starter_intents(
    shipped: KnowledgeBase,
) -> None:
    assert shipped.errors == ()
    for intent in STARTER_INTENTS:
        hit = shipped.best_template(query="", language="en", intent=intent)
        assert hit is not None, intent
        assert intent in hit.entry.intents
    kinds = {e.kind for e in shipped.entries}
    assert kinds == {"template", "article"}
    assert shipped.get("general/other") is not None
    assert shipped.get("shipping/where-is-my-order") is not None


def shipped_contexts() -> list[dict[str, object]]:
    in_transit = sample_context() | {"delivered_at": None}
    afn_unshipped = minimal_context() | {"fulfillment": "AFN", "order_status": "Unshipped"}
    return [sample_context(), minimal_context(), in_transit, afn_unshipped]


@pytest.mark.parametrize("context", shipped_contexts(), ids=["full", "none", "transit", "afn"])
def test_every_shipped_template_renders_a_policy_safe_reply(
    shipped: KnowledgeBase, context: dict[str, object]
) -> None:
    templates = [e for e in shipped.entries if e.kind == "template"]
    assert len(templates) >= len(STARTER_INTENTS)
    for template in templates:
        text = render(template, context)
        assert ORDER_ID in text, template.id
        assert "\n\n\n" not in text and " \n" not in text, template.id
        if template.language != "en":
            continue  # the other languages are judged by the guardrails in `kb lint`
        assert len(text) <= 900, template.id
        greeting = f"Hello {context['buyer_name']}," if context["buyer_name"] else "Hello,"
        assert text.startswith(greeting + "\n\n"), template.id
        assert text.endswith("Kind regards,\nCustomer Service"), template.id
        assert "\n\n\n" not in text and " \n" not in text, template.id
        checked = text.replace(ORDER_ID, "").replace("1Z999AA10123456784", "")
        for rule, pattern in FORBIDDEN.items():
            assert not pattern.search(checked), f"{template.id}: {rule} in {text!r}"


def test_shipped_articles_have_no_links_contacts_or_placeholders(shipped: KnowledgeBase) -> None:
    articles = [e for e in shipped.entries if e.kind == "article"]
    assert {"policies/returns", "policies/shipping-times", "policies/warranty"} <= {
        a.id for a in articles
    }
    for article in articles:
        rules = ["link", "e-mail", "phone", "emoji"]
        if article.language == "en":  # English words: other languages are left to `kb lint`
            rules += ["review request", "marketing"]
        for rule in rules:
            assert not FORBIDDEN[rule].search(article.body), f"{article.id}: {rule}"
        assert not re.search(r"\bXXX\b|\[[^\]]*\]|\{\{|<[A-Z_]+>", article.body), article.id


def test_where_is_my_order_covers_tracking_no_tracking_and_delivered(
    shipped: KnowledgeBase,
) -> None:
    template = shipped.get("shipping/where-is-my-order")
    assert template is not None
    in_transit = render(template, sample_context() | {"delivered_at": None})
    assert "UPS, tracking number 1Z999AA10123456784" in in_transit
    assert "November 21, 2026" in in_transit
    untracked = render(template, minimal_context())
    assert "tracking number" not in untracked
    assert "prepared for dispatch" in untracked
    delivered = render(template, sample_context())
    assert "delivered on November 18, 2026" in delivered


def test_positive_feedback_reply_thanks_without_asking_for_anything(
    shipped: KnowledgeBase,
) -> None:
    hit = shipped.best_template(
        query="Thanks, the blender is great!", language="en", intent="positive_feedback"
    )
    assert hit is not None
    text = render(hit.entry, sample_context())
    assert "Thank you" in text
    assert not re.search(r"review|feedback|rate|star|leave|share your|experience", text, re.I)


def test_search_ranks_the_obvious_article_first(shipped: KnowledgeBase) -> None:
    cases = {
        "How do I return it and get a refund?": "policies/returns",
        "The parcel is late, when will it be delivered?": "policies/shipping-times",
        "Can I put the jar in the dishwasher?": "product/care-instructions",
        "Is the blender covered by a warranty if it breaks?": "policies/warranty",
    }
    for query, expected in cases.items():
        hits = shipped.search(query, language="en", kind="article", k=3)
        assert hits and hits[0].entry.id == expected, (query, [h.entry.id for h in hits])


def test_search_filters_by_intent_and_kind(shipped: KnowledgeBase) -> None:
    hits = shipped.search("refund", intent="refund_status", k=10)
    assert hits and all("refund_status" in h.entry.intents for h in hits)
    assert {h.entry.kind for h in hits} == {"template", "article"}
    templates = shipped.search(
        "refund", language="en", intent="refund_status", kind="template", k=10
    )
    assert [h.entry.id for h in templates] == ["returns/refund-status"]
    assert shipped.search("refund", intent="no_such_intent") == []
    assert shipped.search("refund", kind="faq") == []


# --- Loading a directory -------------------------------------------------------------------


def test_duplicate_ids_name_both_files_and_keep_the_first(tmp_path: Path) -> None:
    write_raw(tmp_path, "a.md", GOOD, "First {{ order_id }}")
    write_raw(tmp_path, "sub/b.md", GOOD, "Second {{ order_id }}")
    write_raw(tmp_path, "c.md", GOOD.replace("general/good", "general/other"))
    kb = load_kb(tmp_path)
    assert [e.id for e in kb.entries] == ["general/good", "general/other"]
    good = kb.get("general/good")
    assert good is not None and good.body == "First {{ order_id }}"
    assert [str(e) for e in kb.errors] == [
        "sub/b.md:2: duplicate id 'general/good': already defined in a.md; file skipped"
    ]


def test_a_missing_directory_is_reported_not_raised(tmp_path: Path) -> None:
    kb = load_kb(tmp_path / "nowhere")
    assert kb.entries == ()
    assert "directory not found" in str(kb.errors[0])
    assert kb.search("anything") == []


# --- Reloading over the previous snapshot --------------------------------------------------


def test_a_broken_file_keeps_its_last_good_entry_and_is_reported(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    (root / "general" / "other.md").write_text("---\nid: general/other\n", encoding="utf-8")
    second = load_kb(root, previous=first)
    assert second.get("general/other") == first.get("general/other")
    assert second.stale == ("general/other.md",)
    assert [str(e) for e in second.errors] == [
        "general/other.md:1: front matter is not closed by a '---' line"
    ]
    assert load_kb(root).get("general/other") is None  # a cold start has no last good version


def test_edits_additions_and_deletions_are_picked_up_and_unchanged_files_reused(
    tmp_path: Path,
) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    write(root, "general/other", OTHER.format(word="banana"))
    write(root, "policies/warranty", "Two years of warranty.", kind="article")
    (root / "policies" / "returns.md").unlink()
    second = load_kb(root, previous=first)
    assert [e.id for e in second.entries] == ["general/other", "policies/warranty"]
    other = second.get("general/other")
    assert other is not None and "banana" in other.body
    assert second.errors == () and second.stale == ()
    third = load_kb(root, previous=second)
    assert third.files["policies/warranty.md"] is second.files["policies/warranty.md"]


def test_a_vanished_directory_keeps_the_previous_entries(tmp_path: Path) -> None:
    root = kb_dir(tmp_path)
    first = load_kb(root)
    second = load_kb(tmp_path / "gone", previous=first)
    assert second.entries == first.entries
    assert "directory not found" in str(second.errors[0])


# --- Search --------------------------------------------------------------------------------


def test_japanese_entries_are_searchable() -> None:
    kb = KnowledgeBase(
        entries=[
            entry(
                "ja/returns",
                "返品について",
                "商品到着後30日以内であれば返品を承ります。",
                language="ja",
            ),
            entry("ja/shipping", "配送について", "通常2〜3営業日でお届けします。", language="ja"),
            entry("en/returns", "Returns", "Returns are accepted within 30 days."),
        ]
    )
    hits = kb.search("返品したいのですが", language="ja", snippets=True)
    assert [h.entry.id for h in hits] == ["ja/returns"]
    assert "返品を承ります" in hits[0].snippet
    assert kb.search("お届け", language="ja")[0].entry.id == "ja/shipping"
    assert kb.search("返品", language="en") == []


def test_asin_specific_entries_win_for_their_product_and_stay_out_for_others() -> None:
    kb = KnowledgeBase(
        entries=[
            entry("care/general", "Cleaning instructions", "Wipe with a damp cloth when cleaning."),
            entry("care/blender", "Blender cleaning", "Rinse the jar.", asins=("B08N5WRWNW",)),
            entry("care/kettle", "Kettle cleaning", "Descale monthly.", asins=("B000KETTLE",)),
        ]
    )
    blender = kb.search("cleaning", asin="B08N5WRWNW")
    assert [h.entry.id for h in blender] == ["care/blender", "care/general"]
    assert kb.search("cleaning", asin="b000kettle")[0].entry.id == "care/kettle"
    assert "care/blender" not in [h.entry.id for h in kb.search("cleaning", asin="B000KETTLE")]
    assert [h.entry.id for h in kb.search("cleaning", asin="B0UNKNOWN1")] == ["care/general"]
    assert len(kb.search("cleaning")) == 3  # no product given: nothing filtered out


def test_results_are_sorted_by_score_then_id_and_limited_to_k() -> None:
    same = "Refunds are issued within two business days."
    kb = KnowledgeBase(
        entries=[
            entry("c", "Refunds", same),
            entry("a", "Refunds", same),
            entry("b", "Refunds", same),
            entry("d", "Shipping", "Refunds are rare for shipping questions."),
        ]
    )
    hits = kb.search("refunds", k=10)
    assert [h.entry.id for h in hits] == ["a", "b", "c", "d"]
    assert hits[0].score == hits[1].score == hits[2].score > hits[3].score > 0
    assert [h.entry.id for h in kb.search("refunds", k=2)] == ["a", "b"]
    assert kb.search("refunds", k=0) == []


def test_filters_language_intent_kind_and_blank_query_lists_by_id() -> None:
    kb = KnowledgeBase(
        entries=[
            entry("t/en", "Refund", "Refund info.", kind="template", intents=("refund_status",)),
            entry("a/en", "Refund", "Refund info.", intents=("refund_status", "return_request")),
            entry("a/de", "Rückerstattung", "Refund info.", language="de"),
        ]
    )
    assert [h.entry.id for h in kb.search("refund", language="de")] == ["a/de"]
    assert [h.entry.id for h in kb.search("refund", intent="return_request")] == ["a/en"]
    assert [h.entry.id for h in kb.search("refund", kind="template")] == ["t/en"]
    assert [h.entry.id for h in kb.search("", language="en")] == ["a/en", "t/en"]
    assert kb.search("nothing matches this", language="en") == []


def test_search_is_safe_from_many_threads(shipped: KnowledgeBase) -> None:
    expected = [h.entry.id for h in shipped.search("refund for my return", k=5)]
    results: list[list[str]] = []

    def worker() -> None:
        for _ in range(50):
            results.append([h.entry.id for h in shipped.search("refund for my return", k=5)])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 400 and all(r == expected for r in results)


# --- Choosing a template -------------------------------------------------------------------


def wismo_kb(*, reverse: bool = False) -> KnowledgeBase:
    entries = [
        entry("wismo/b-tracking", "Tracking details", "Your tracking number is below.",
              kind="template", intents=("where_is_my_order",)),
        entry("wismo/a-status", "Order status", "Your order is on its way.",
              kind="template", intents=("where_is_my_order",)),
        entry("wismo/c-blender", "Blender delivery", "Blenders ship separately.",
              kind="template", intents=("where_is_my_order",), asins=("B08N5WRWNW",)),
        entry("wismo/article", "Tracking help", "Tracking appears in Your Orders.",
              intents=("where_is_my_order",)),
    ]  # fmt: skip
    return KnowledgeBase(entries=entries[::-1] if reverse else entries)


def test_best_template_follows_the_query() -> None:
    hit = wismo_kb().best_template(
        query="I need my tracking number", language="en", intent="where_is_my_order"
    )
    assert hit is not None and hit.entry.id == "wismo/b-tracking" and hit.score > 0


def test_best_template_falls_back_deterministically_when_nothing_matches() -> None:
    for kb in (wismo_kb(), wismo_kb(reverse=True)):
        for query in ("", "xyzzy plugh"):
            hit = kb.best_template(query=query, language="en", intent="where_is_my_order")
            assert hit is not None and hit.entry.id == "wismo/a-status"
            assert hit.score == 0


def test_best_template_prefers_the_products_own_and_never_anothers() -> None:
    kb = wismo_kb()
    query = "I need my tracking number"
    own = kb.best_template(
        query=query, language="en", intent="where_is_my_order", asins=("B0OTHER001", "B08N5WRWNW")
    )
    assert own is not None and own.entry.id == "wismo/c-blender"
    for asins in ((), ("B0OTHER001",)):
        hit = kb.best_template(query=query, language="en", intent="where_is_my_order", asins=asins)
        assert hit is not None and hit.entry.id == "wismo/b-tracking"


def test_best_template_is_none_without_a_template_for_language_or_intent() -> None:
    kb = wismo_kb()
    assert kb.best_template(query="tracking", language="de", intent="where_is_my_order") is None
    assert kb.best_template(query="tracking", language="en", intent="refund_status") is None
