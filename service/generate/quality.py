"""The quality gate: is the model's answer a reply at all? Run on every answer a model gives
(a draft, a repair) before the guardrails see it.

The guardrails judge what a text says against Amazon's rules; they cannot tell that a small
model answered the buyer with the buyer's own message, with the chat template's role labels,
in another language, or with a polite nothing where the buyer asked where the parcel is. Such an
answer is worse than the approved template, so it is not used: the draft falls back to the
template with the reason ``low_quality`` and the checks that failed on record.

The checks (each cheap and deterministic; the thresholds are deliberately high, since a false
failure only costs the model's answer):

- ``echo``: a run of the buyer's own words copied out (12 words, or the whole message when it
  has 5-11; 25 characters of Japanese), from the message or the thread.
- ``injection``: what a model copies from instructions smuggled into its input, or from its
  chat template: role labels at a line start ("SYSTEM:"), template tokens (``<|im_start|>``,
  ``[INST]``), "ignore all previous instructions", "as an AI language model".
- ``language``: confidently written in another language than the buyer's (the guardrails'
  ``language_mismatch`` judgement, which skips short and obvious texts).
- ``repetition``: the same sentence or line (four words or more, ten characters of Japanese)
  three times: a small model stuck in a loop.
- ``unanswered``: a reply to a shipping question (where is my order, a delay, delivered but not
  received) that names neither the carrier nor the tracking number the order has.

Leaked prompt markers (``prompt_leak``) and an answer cut at the token limit
(``unusable_response``) were failures before this gate and keep their own reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from guardrails.language_rule import mismatch
from guardrails.textnorm import CJK_WORD, fold_str
from service.generate.drafter import DraftJob
from service.generate.prompts import language_name

ECHO_WORDS = 12  # a run this long copied from the buyer is an echo, whatever else is said
ECHO_MIN_WORDS = 5  # a shorter message copied whole is one too, down to this length
ECHO_CJK_CHARS = 25
REPEATS = 3  # the same sentence this many times is a loop
SHIPPING = frozenset({"where_is_my_order", "shipping_delay", "delivered_not_received"})

_WORD = re.compile(r"\w+")
_CJK = re.compile(f"[{CJK_WORD}]")  # in folded text: half-width kana are full-width there
_INJECTION = re.compile(
    r"(?im)^\s*(?:#+\s*)?(?:system|assistant|user|human|developer)\s*:"  # role labels
    r"|<\|(?:im_start|im_end|eot_id|start_header_id|end_header_id|endoftext|system|user"
    r"|assistant)\|>|\[/?INST\]|<</?SYS>>|</s>"  # chat template tokens
    r"|\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above"
    r"|earlier)\s+(?:rules|instructions|prompts?|messages?)\b"
    r"|\bas an ai(?: language)? model\b|\bnew policy from amazon\b",
)


@dataclass(frozen=True, slots=True)
class Failed:
    check: str  # echo, injection, language, unanswered
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "detail": self.detail}


def gate(text: str, job: DraftJob) -> list[Failed]:
    """The checks ``text``, the model's answer to ``job``, fails; none for a usable reply."""
    failed = []
    echo = copied_run(text, _buyer_texts(job))
    if echo:
        failed.append(Failed("echo", f'copies the buyer\'s words: "{echo}"'))
    injection = _INJECTION.search(text)
    if injection:
        found = " ".join(injection.group().split())
        failed.append(Failed("injection", f'holds instruction or chat-template text: "{found}"'))
    verdict = mismatch(text, job.language)
    if verdict is not None:
        found, expected = language_name(verdict[0]), language_name(job.language)
        failed.append(Failed("language", f"written in {found}, the buyer writes {expected}"))
    looped = repeated(text)
    if looped:
        failed.append(Failed("repetition", f'says the same {REPEATS} times or more: "{looped}"'))
    missing = _unanswered(text, job)
    if missing:
        failed.append(Failed("unanswered", missing))
    return failed


def _buyer_texts(job: DraftJob) -> list[str]:
    if job.purpose != "reply":
        return []
    texts = [job.message]
    for entry in job.thread:
        if entry.get("sender") == "buyer":
            texts.append(str(entry.get("text", "")))
    return [text for text in texts if text.strip()]


def copied_run(text: str, sources: Iterable[str]) -> str | None:
    """The first run of a buyer text found copied in ``text``, shortened for the record."""
    answer = fold_str(text)
    words = _WORD.findall(answer)
    joined = " " + " ".join(words) + " "
    cjk_answer = "".join(_CJK.findall(answer))
    for source in sources:
        folded = fold_str(source)
        cjk = "".join(_CJK.findall(folded))
        if len(cjk) >= ECHO_CJK_CHARS:
            for start in range(len(cjk) - ECHO_CJK_CHARS + 1):
                run = cjk[start : start + ECHO_CJK_CHARS]
                if run in cjk_answer:
                    return run[:40]
            continue
        own = _WORD.findall(folded)
        if len(own) < ECHO_MIN_WORDS:
            continue
        size = min(ECHO_WORDS, len(own))
        for start in range(len(own) - size + 1):
            run = " ".join(own[start : start + size])
            if f" {run} " in joined:
                return run if len(run) <= 80 else run[:77] + "…"
    return None


_PIECES = re.compile(r"[^\n.!?。！？]+")


def repeated(text: str) -> str | None:
    """A sentence or line of some length said REPEATS times or more, if there is one."""
    seen: dict[str, int] = {}
    for piece in _PIECES.findall(fold_str(text)):
        words = _WORD.findall(piece)
        if len(words) < 4 and len("".join(_CJK.findall(piece))) < 10:
            continue
        key = " ".join(words)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] >= REPEATS:
            return " ".join(piece.split())[:80]
    return None


def _unanswered(text: str, job: DraftJob) -> str | None:
    """A shipping question: the reply names the carrier or the tracking number the order has."""
    if job.purpose != "reply" or job.intent not in SHIPPING:
        return None
    facts = [str(job.order_facts.get(key) or "") for key in ("carrier", "tracking_number")]
    facts = [fact for fact in facts if fact.strip()]
    if not facts:
        return None
    folded = fold_str(text)
    squeezed = re.sub(r"[\s\-]", "", folded)
    for fact in facts:
        wanted = fold_str(fact).strip()
        if wanted.isascii():  # "UPS", not the "ups" of "hiccups"; "1Z 999…" as "1Z999…"
            spaced = r"[\s\-]*".join(map(re.escape, re.sub(r"[\s\-]", "", wanted)))
            # Bounded by ASCII letters only: "UPSにて" names UPS.
            if re.search(rf"(?<![a-z0-9]){spaced}(?![a-z0-9])", folded):
                return None
        elif re.sub(r"[\s\-]", "", wanted) in squeezed:
            return None
    return "a reply to a shipping question that names neither the carrier nor the tracking number"
