"""The token budget (`service.generate.budget`): the estimate never falls short of what a small
model's tokenizer counts (SmolLM2's, tests/data/tokenizers/), and prompts are cut to fit a small
context in the order the module promises: passages, then articles, then the oldest messages."""

from __future__ import annotations

import gzip
from dataclasses import replace
from functools import cache

import pytest
from tokenizers import Tokenizer

from service.generate.budget import AMAZON_REPLY_CHARS, Budget, estimate, reply_tokens, size
from service.generate.drafter import DraftJob, LLMFailure
from service.generate.prompts import Prompts
from service.knowledge import KnowledgeBase, load_kb, render, sample_context
from tests.conftest import REPO
from tests.fakes.openai_server import POLYGLOT_DRAFTS

PROMPTS = Prompts(REPO / "prompts")
TOKENIZER = REPO / "tests" / "data" / "tokenizers" / "smollm2-135m-instruct.json.gz"
MESSAGES = {
    "en": "Where is my parcel? I ordered the blender ten days ago and tracking shows nothing.",
    "de": "Wo bleibt mein Paket? Ich habe den Mixer vor zehn Tagen bestellt, keine Sendungsdaten.",
    "fr": "Où est mon colis ? J'ai commandé le mixeur il y a dix jours et le suivi ne montre rien.",
    "es": "¿Dónde está mi paquete? Pedí la batidora hace diez días y el seguimiento no dice nada.",
    "it": "Dov'è il mio pacco? Ho ordinato il frullatore dieci giorni fa e il tracking è fermo.",
    "ja": "荷物はどこですか？十日前にミキサーを注文しましたが、追跡情報に何も表示されません。",
}
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian"}
NAMES |= {"ja": "Japanese"}


@cache
def tokenizer() -> Tokenizer:
    return Tokenizer.from_str(gzip.decompress(TOKENIZER.read_bytes()).decode())


@cache
def kb() -> KnowledgeBase:
    return load_kb(REPO / "knowledge_base")


def counted(messages: list[dict[str, str]]) -> int:
    return sum(len(tokenizer().encode(m["content"]).ids) for m in messages)


def job(language: str, *, articles: int = 3, thread: int = 0) -> DraftJob:
    """A where-is-my-order job as the pipeline makes it, from the repo's knowledge base; with
    ``articles`` whole articles of the language (the longest: the worst case) and ``thread``
    earlier messages."""
    message = MESSAGES[language]
    longest = sorted(
        (hit for hit in kb().search("", language=language, kind="article", k=200)),
        key=lambda hit: -len(hit.entry.body),
    )
    template = kb().best_template(
        query=message, language=language, intent="where_is_my_order", asins=()
    )
    facts = sample_context()
    return DraftJob(
        message=message,
        thread=[{"sender": "buyer", "text": f"{message} ({n})"} for n in range(thread)],
        language=language,
        intent="where_is_my_order",
        order_facts=facts,
        template=template,
        template_text=render(template.entry, facts) if template else None,
        articles=tuple(longest[:articles]),
    )


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_the_estimate_never_falls_short_of_smollm2s_count(language: str) -> None:
    whole = job(language, articles=3, thread=2)
    repair = PROMPTS.repair_messages(whole, draft=MESSAGES[language], findings=())
    for messages in (PROMPTS.messages(whole), repair):
        exact, estimated = counted(messages), size(messages)
        # High on purpose: English text takes fewer tokens than the other languages' (up to
        # 1.8 times fewer); the estimate takes the others' rate for all.
        assert exact <= estimated <= 2 * exact, (exact, estimated)
    reply = POLYGLOT_DRAFTS[NAMES[language]]
    assert len(tokenizer().encode(reply).ids) <= estimate(reply)


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_a_4096_token_context_holds_the_prompt_and_a_reply(language: str) -> None:
    whole = job(language, articles=3, thread=4)
    fitted = Budget(context_tokens=4096).fit(whole, PROMPTS.messages)
    assert counted(fitted.messages) + fitted.max_tokens <= 4096
    assert fitted.max_tokens >= 600  # room for a real reply, in Japanese too
    assert fitted.job.articles, "a passage of the knowledge base is kept"


def test_articles_are_cut_to_the_passages_that_answer() -> None:
    whole = job("en", articles=3)
    fitted = Budget(context_tokens=100_000).fit(whole, PROMPTS.messages)
    assert len(fitted.job.articles) == 3  # room for all: only passages are cut
    for kept, original in zip(fitted.job.articles, whole.articles, strict=True):
        assert kept.entry.id == original.entry.id
        assert estimate(kept.entry.body) <= 200 or kept.entry.body == original.entry.body
        assert kept.entry.body.rstrip("…").split("\n\n")[0] in original.entry.body
    assert sum(map(len, (h.entry.body for h in fitted.job.articles))) < sum(
        map(len, (h.entry.body for h in whole.articles))
    )


def test_the_last_ranked_article_goes_first_then_the_oldest_message() -> None:
    whole = job("ja", articles=3, thread=3)
    sizes = []
    for context in (20_000, 3_600, 3_300, 2_800, 2_600):
        fitted = Budget(context_tokens=context).fit(whole, PROMPTS.messages)
        ids = [hit.entry.id for hit in fitted.job.articles]
        assert ids == [hit.entry.id for hit in whole.articles][: len(ids)]
        if len(fitted.job.thread) < 3:
            assert not fitted.job.articles  # the thread is cut only once no article is left
            assert list(fitted.job.thread) == list(whole.thread)[3 - len(fitted.job.thread) :]
        sizes.append((len(fitted.job.articles), len(fitted.job.thread)))
    assert sizes == [(3, 3), (2, 3), (0, 3), (0, 1), (0, 0)]


def test_a_prompt_that_cannot_fit_is_context_exceeded_without_a_call() -> None:
    huge = replace(job("en", articles=0), message="Where is my parcel? " * 400)
    with pytest.raises(LLMFailure) as failure:
        Budget(context_tokens=2048).fit(huge, PROMPTS.messages)
    assert failure.value.reason == "context_exceeded"
    assert "REPLYDESK_LLM_CONTEXT_TOKENS" in str(failure.value)


def test_the_reply_gets_amazons_limit_in_the_buyers_language_at_most_a_third_of_the_context() -> (
    None
):
    assert reply_tokens("en", context_tokens=100_000) == pytest.approx(AMAZON_REPLY_CHARS / 2.4, 1)
    assert reply_tokens("ja", context_tokens=100_000) == 2 * AMAZON_REPLY_CHARS
    assert reply_tokens("ja", context_tokens=4096) == 4096 // 3
    assert reply_tokens("de", context_tokens=8192, override=500) == 500
