"""The token budget: a prompt and its reply within the model's context.

A local model has a small context (llama.cpp serves 4,096 tokens by default, Ollama 2,048-4,096)
and an English-centric tokenizer spends two tokens on a Japanese character; three whole
knowledge-base articles then overflow it, and the server answers HTTP 400 before drafting.
So the prompt is assembled to fit, before it is sent:

1. ``max_tokens``: enough for Amazon's 2,000-character limit in the buyer's language
   (``REPLYDESK_LLM_REPLY_TOKENS`` overrides), never more than a third of the context;
2. each knowledge-base article reduced to its paragraphs that share most words with the
   buyer's message (a model drafts from the passage that answers, not from whole articles);
3. while the prompt does not fit: the last-ranked article dropped, then the conversation's
   oldest message;
4. still too long (a huge buyer message): ``context_exceeded``, without a call.

Token counts are estimated from characters, per script, on the high side: the rates are those
of SmolLM2's tokenizer (a 49k-entry byte-level BPE trained on English, the most tokens per
character of the tokenizers we measured), so a model with a larger vocabulary only has room to
spare (tests/service/generate/test_budget.py checks the estimate against that tokenizer).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from guardrails.textnorm import CJK_PUNCTUATION, FULLWIDTH, HAN, HAN_COMPATIBILITY, KANA
from service.generate.drafter import DraftJob, LLMFailure
from service.knowledge import Hit
from service.knowledge.index import passages, tokenize

AMAZON_REPLY_CHARS = 2_000
PASSAGE_TOKENS = 200  # per article: a passage or two
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message
MARGIN = 1.05  # the estimate is an estimate

# Characters per token, by script: SmolLM2's tokenizer on replydesk's prompts and replies
# (English 3.8, German 2.4-2.6, Japanese 0.54: rounded down, to over-count).
_ASCII_PER_TOKEN = 2.4
_CJK_TOKENS_PER_CHAR = 2.0
_OTHER_TOKENS_PER_CHAR = 1.0  # accented Latin letters, symbols: usually a token of their own
_CJK = re.compile(f"[{CJK_PUNCTUATION}{KANA}{HAN}{HAN_COMPATIBILITY}{FULLWIDTH}]")


def estimate(text: str) -> int:
    """Tokens ``text`` takes, estimated high (see the module docstring)."""
    cjk = len(_CJK.findall(text))
    ascii_chars = len(text.encode("ascii", "ignore"))  # counted in C
    other = len(text) - cjk - ascii_chars
    tokens = ascii_chars / _ASCII_PER_TOKEN + cjk * _CJK_TOKENS_PER_CHAR
    return math.ceil(tokens + other * _OTHER_TOKENS_PER_CHAR)


def reply_tokens(language: str, *, context_tokens: int, override: int = 0) -> int:
    """``max_tokens`` for a reply in ``language``: Amazon's limit, at most a third of the
    context (an override, at most half)."""
    if override:
        return min(override, context_tokens // 2)
    per_char = _CJK_TOKENS_PER_CHAR if language in ("ja", "zh") else 1 / _ASCII_PER_TOKEN
    return min(math.ceil(AMAZON_REPLY_CHARS * per_char), context_tokens // 3)


def size(messages: list[dict[str, str]]) -> int:
    tokens = sum(estimate(m["content"]) + MESSAGE_OVERHEAD for m in messages)
    return math.ceil(tokens * MARGIN)


@dataclass(frozen=True, slots=True)
class Fitted:
    messages: list[dict[str, str]]
    max_tokens: int
    job: DraftJob  # what the prompt holds: passages, the articles and thread kept
    prompt_tokens: int  # estimated


@dataclass(frozen=True, slots=True)
class Budget:
    context_tokens: int
    reply_tokens: int = 0  # 0: from Amazon's limit in the buyer's language

    def fit(self, job: DraftJob, render: Callable[[DraftJob], list[dict[str, str]]]) -> Fitted:
        """The prompt ``render`` makes of ``job``, cut to fit (see the module docstring)."""
        max_tokens = self._reply(job.language)
        limit = self.context_tokens - max_tokens
        query = frozenset(tokenize(job.message, language=job.language)) if job.message else None
        job = replace(job, articles=tuple(_passage(hit, query, job) for hit in job.articles))
        while True:
            messages = render(job)
            needed = size(messages)
            if needed <= limit:
                return Fitted(messages, max_tokens, job, needed)
            if job.articles:
                job = replace(job, articles=tuple(job.articles)[:-1])
            elif job.thread:
                job = replace(job, thread=tuple(job.thread)[1:])
            else:
                raise self._exceeded(needed, max_tokens)

    def check(self, job: DraftJob, messages: list[dict[str, str]]) -> int:
        """``max_tokens`` for ``messages`` (a repair: nothing to cut), or context_exceeded."""
        return self._within(size(messages), self._reply(job.language))

    def translation(self, messages: list[dict[str, str]], *texts: str) -> int:
        """``max_tokens`` for a translation of ``texts`` (twice their estimate: a target
        language may take more tokens), or context_exceeded."""
        max_tokens = min(2 * sum(map(estimate, texts)) + 64, self.context_tokens // 2)
        return self._within(size(messages), max_tokens)

    def within(self, messages: list[dict[str, str]], max_tokens: int) -> int:
        """``max_tokens`` when ``messages`` leave room for it, or context_exceeded."""
        return self._within(size(messages), max_tokens)

    def _reply(self, language: str) -> int:
        return reply_tokens(
            language, context_tokens=self.context_tokens, override=self.reply_tokens
        )

    def _within(self, needed: int, max_tokens: int) -> int:
        """``max_tokens`` when a prompt of ``needed`` tokens leaves room for it."""
        if needed + max_tokens > self.context_tokens:
            raise self._exceeded(needed, max_tokens)
        return max_tokens

    def _exceeded(self, needed: int, max_tokens: int) -> LLMFailure:
        return LLMFailure(
            "context_exceeded",
            f"the prompt needs about {needed} tokens and the answer {max_tokens}: more than "
            f"the {self.context_tokens} of REPLYDESK_LLM_CONTEXT_TOKENS",
        )


def _passage(hit: Hit, query: frozenset[str] | None, job: DraftJob) -> Hit:
    entry = hit.entry
    if query is None:  # no message (a proactive draft): the article's own title leads
        query = frozenset(tokenize(entry.title, language=job.language))
    body = passages(entry.body, query, language=entry.language, size=estimate, limit=PASSAGE_TOKENS)
    return hit if body == entry.body else replace(hit, entry=replace(entry, body=body))
