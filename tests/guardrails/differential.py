"""Differential harness: record what the guardrails answer for ~15,000 texts, compare later.

Refactoring the engine must not change a single answer. ``record PATH`` writes, per text,
``check(...).to_dict()``, every detector's raw spans (finer than the report: resolution can hide
a changed span) and the phrase hits of every phrase family in three languages; ``compare PATH``
recomputes everything and prints each difference. Inputs: the hand corpus, the corpus files,
the fresh probe, the bench drafts (both mixes), the external corpora when present, the
pathological inputs cut to the check limit, and seeded random texts: every lexicon phrase
instantiated in random surroundings, mutated corpus texts and random fragment mixes.

    python -m tests.guardrails.differential record /tmp/guard/before.jsonl
    python -m tests.guardrails.differential compare /tmp/guard/before.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from guardrails import check, phrases, pipeline
from tests.guardrails.support import OID, OTHER_OID

LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "nl", "pl", "pt", "sv", "tr", "ar", "zh")
MARKETS = {"en": "amazon.com", "de": "amazon.de", "fr": "amazon.fr", "es": "amazon.es"}
MARKETS |= {"it": "amazon.it", "ja": "amazon.co.jp", "nl": "amazon.nl", "pl": "amazon.pl"}
MARKETS |= {"sv": "amazon.se", "tr": "amazon.com.tr", "ar": "amazon.sa", "pt": "amazon.com.br"}
# (family, categories) as the detectors ask for them; () is every category.
TABLES = (
    ("marketing", ()),
    ("review_solicitation", ()),
    ("off_platform", ()),
    ("incentive", ("offers",)),
    ("incentive", ("compensation",)),
    ("unprofessional", ()),
    ("amazon_duplicate", ("confirmations",)),
    ("amazon_duplicate", ("closings",)),
)
# Characters whose folding changes length or script, and glue of every kind.
TRICKY = list(
    "ßẞﬁﬃİıǰŉ\u0301\u0308★☆⭐🌟\u00a0\u3000\u200b㈱①¼Ⅻｶﾞﾟｱ１２５％＠．ÅåΣσςДжé日本語レビューをはです"
)
TRICKY += ["\n", "\n\n", " ", "  ", "\t", ".", "!", "?", "。", "-", "'", "’", "#", "_", "%", "€"]
GLUE = ["", " ", "a", "x", "9", "_", "-", ".", "レ", "ー", "の", "日", "é", "ß", "\n", "(", "「"]


def _corpus_cases() -> Iterator[tuple[str, str, str | None, str]]:
    from evals.guardrails import FRESH_DIR, load_corpus
    from tests.guardrails.corpus import CORPUS

    for text in CORPUS:
        yield text, "amazon.com", None, "reply"
    for case in [*load_corpus(), *load_corpus(FRESH_DIR)]:
        yield case.text, case.marketplace, case.language, case.kind


def _bench_cases() -> Iterator[tuple[str, str, str | None, str]]:
    from bench.guardrails import PATHOLOGICAL, drafts
    from guardrails.pipeline import MAX_CHECK_LENGTH

    for share in (0.2, 1.0):
        for text, market, language in drafts(violations=share):
            yield text, market, language, "reply"
    for build in PATHOLOGICAL.values():
        yield build()[:MAX_CHECK_LENGTH], "amazon.com", "en", "reply"
        yield build()[:1500], "amazon.co.jp", "ja", "reply"


def _external_cases() -> Iterator[tuple[str, str, str | None, str]]:
    from evals import guardrails_external as ext

    if ext.eval_data_missing():
        return
    for case in ext.bitext_cases():
        yield case.text, case.marketplace, case.language, case.kind
    for sample in ext._presidio():
        yield str(sample["full_text"]), "amazon.com", "en", "reply"
    for text in ext.sms_ham():
        yield text, "amazon.com", "en", "reply"


def _instance(phrase: str, rng: random.Random) -> str:
    """One text a phrase might match: numbers for #, endings for *, words for ~."""
    out = []
    for token in phrase.split():
        if token == "~":
            gap = rng.choice(["", "a", "us a quick", "ein", "x" * 45, "a. b", "très", "を", "ぜひ"])
            out.append(gap)
            continue
        if len(token) > 1 and token.endswith("*"):
            token = token[:-1] + rng.choice(["", "s", "ed", "ing", "en", "x"])
        while "#" in token:
            token = token.replace("#", rng.choice(["5", "10", "12.5", "12,5", "1 000", "٣"]), 1)
        if rng.random() < 0.2:
            token = token.upper()
        out.append(token)
    sep = rng.choice([" ", " ", "  ", "\n", "\u00a0", ""])
    return sep.join(out)


def _phrase_cases(rng: random.Random) -> Iterator[tuple[str, str, str | None, str]]:
    for language, lexicon in sorted(phrases.LEXICONS.items()):
        for family in sorted(phrases.MATCHED):
            for items in lexicon.get(family, {}).values():
                for phrase in items:
                    body = _instance(phrase, rng)
                    text = rng.choice(GLUE) + body + rng.choice(GLUE)
                    if rng.random() < 0.5:
                        text = f"Hello Jane, {text}. Thanks for your order {OID}."
                    lang = rng.choice([language, language, "en", rng.choice(LANGUAGES)])
                    market = MARKETS.get(lang, "amazon.com")
                    kind = rng.choice(["reply", "reply", "proactive"])
                    yield text, market, lang, kind


def _wide(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if len(char) == 1 and "!" <= char <= "~" else char


def _mutate(text: str, rng: random.Random) -> str:
    chars = list(text[:2500])
    for _ in range(rng.randint(1, 12)):
        roll = rng.random()
        at = rng.randrange(len(chars) + 1)
        if roll < 0.35:
            chars[at:at] = list(rng.choice(TRICKY))
        elif roll < 0.5 and chars:
            del chars[at : at + rng.randint(1, 4)]
        elif roll < 0.65 and chars:
            end = min(len(chars), at + rng.randint(1, 30))
            chars[at:end] = [c.upper() if rng.random() < 0.7 else c for c in chars[at:end]]
        elif roll < 0.8 and chars:  # to full width
            end = min(len(chars), at + rng.randint(1, 20))
            chars[at:end] = [_wide(c) for c in chars[at:end]]
        else:
            end = min(len(chars), at + rng.randint(1, 40))
            chars[at:at] = chars[at:end]
    return "".join(chars)


def _random_cases(
    rng: random.Random, pool: list[str], count: int
) -> Iterator[tuple[str, str, str | None, str]]:
    from tests.guardrails.test_properties import FRAGMENTS, SEPARATORS

    for index in range(count):
        if index % 2:
            text = _mutate(rng.choice(pool), rng)
        else:
            parts = rng.choices([*FRAGMENTS, OTHER_OID, *TRICKY], k=rng.randint(1, 12))
            text = "".join(p + rng.choice(SEPARATORS) for p in parts)
        lang = rng.choice((*LANGUAGES, None))
        market = MARKETS.get(lang or "en", "amazon.com")
        yield text, market, lang, rng.choice(["reply", "reply", "proactive"])


def cases() -> list[tuple[str, str, str | None, str]]:
    rng = random.Random(20261201)
    out = [*_corpus_cases(), *_bench_cases(), *_external_cases()]
    out += _phrase_cases(rng)
    out += _random_cases(rng, [text for text, *_ in out if len(text) < 3000], 4000)
    return out


def _hits(text: str, language: str) -> list[object]:
    """Every phrase table's hits, through the engine's public entry point."""
    out: list[object] = []
    for family, only in TABLES:
        out.append([list(hit) for hit in phrases.find(family, text, language, only=only)])
    return out


def answer(text: str, market: str, language: str | None, kind: str, rng: random.Random) -> object:
    report = check(text, order_id=OID, marketplace=market, language=language, message_kind=kind)
    ctx = pipeline.context(order_id=OID, marketplace=market, language=language, message_kind=kind)
    spans = [
        [prio, s.rule, s.action, s.start, s.end, s.message, s.replacement, s.sentence]
        for prio, s in pipeline.detect(text, ctx=ctx)
    ]
    languages = sorted({"en", ctx.language, rng.choice(LANGUAGES)})
    hits = {lang: _hits(text, lang) for lang in languages} if len(text) <= 3000 else {}
    return {"report": report.to_dict(), "spans": spans, "hits": hits}


def _rows() -> Iterator[str]:
    rng = random.Random(7)
    for index, (text, market, language, kind) in enumerate(cases()):
        args = [text, market, language, kind]
        result = answer(text, market, language, kind, rng)
        yield json.dumps({"i": index, "args": args, "out": result}, ensure_ascii=False)


def main(argv: list[str]) -> int:
    command, path = argv
    if command == "record":
        with Path(path).open("w", encoding="utf-8") as handle:
            count = 0
            for row in _rows():
                handle.write(row + "\n")
                count += 1
        print(f"recorded {count} texts to {path}")
        return 0
    differences = 0
    count = 0
    with Path(path).open(encoding="utf-8") as handle:
        for line, row in zip(handle, _rows(), strict=True):
            count += 1
            old, new = json.loads(line), json.loads(row)
            if old != new:
                differences += 1
                if differences <= 20:
                    print(f"--- case {old['i']}: args {old['args']!r}")
                    for key in ("report", "spans", "hits"):
                        if old["out"][key] != new["out"][key]:
                            print(f"  {key} before: {old['out'][key]}")
                            print(f"  {key} after:  {new['out'][key]}")
    print(f"compared {count} texts: {differences} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
