"""What the intent model reads of a message: word and character n-grams, and their hashes."""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter

import numpy as np
import numpy.typing as npt

from guardrails.textnorm import CJK_SPAN, HALFWIDTH_KATAKANA, normalize

HASH_BITS = 18
MAX_CHARS = 2_000  # the opening of a long message says what it is about
_WORD_RE = re.compile(r"\w+")
_DIGITS_RE = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Casefolded, Latin accents dropped (buyers often omit them), digit runs → "0"."""
    folded = normalize(text[:MAX_CHARS])
    # Only Latin letters lose their marks: decomposing kana would turn が into か.
    out = []
    for ch in folded:
        if ch < "\u0250" and not ch.isascii():
            ch = "".join(
                c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)
            )
        out.append(ch)
    return _DIGITS_RE.sub("0", "".join(out))


_CJK = re.compile(f"[{CJK_SPAN}{HALFWIDTH_KATAKANA}]")


def is_cjk(ch: str) -> bool:
    return _CJK.match(ch) is not None


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def features(text: str) -> Counter[str]:
    """Word unigrams and bigrams, and 2–4 character n-grams of each word with its boundaries."""
    words = _WORD_RE.findall(normalise(text))
    counts: Counter[str] = Counter()
    for i, word in enumerate(words):
        cjk = is_cjk(word[0])
        # A Japanese "word" here is a whole clause (no spaces): only its n-grams can match.
        if not cjk:
            counts["w " + word] += 1
            if i:
                counts["b " + words[i - 1] + " " + word] += 1
        padded = f" {word} "
        smallest, largest = (1, 3) if cjk else (2, 4)  # one kanji is a word; one letter is not
        for n in range(smallest, largest + 1):
            for start in range(len(padded) - n + 1):
                gram = padded[start : start + n]
                if gram.strip():
                    counts[gram] += 1
    return counts


def hashed(
    text: str, *, bag: Counter[str] | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The features of a text as (bucket, value) pairs: 1 + log(count), unit length. ``bag``
    is ``features(text)`` when the caller has it already.

    Buckets are CRC-32 of the n-gram, so the same text has the same vector in every process.
    """
    buckets: dict[int, float] = {}
    mask = (1 << HASH_BITS) - 1
    for gram, count in (features(text) if bag is None else bag).items():
        bucket = zlib.crc32(gram.encode("utf-8")) & mask
        buckets[bucket] = buckets.get(bucket, 0.0) + 1 + math.log(count)
    columns = np.fromiter(buckets.keys(), dtype=np.int64, count=len(buckets))
    values = np.fromiter(buckets.values(), dtype=np.float64, count=len(buckets))
    norm = math.sqrt(float(values @ values)) if len(values) else 1.0
    return columns, values / max(norm, 1e-12)
