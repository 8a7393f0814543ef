"""The second line for the semantic rules: a sentence classifier with shipped weights.

The phrase lists (``lexicon/<language>.yaml``) catch the certain cases and fix them. What they
miss is the same ask in other words: "your thoughts on the product page would help other
shoppers", a discount "once your rating is updated", a new product "in a promotional bundle".
This model reads every sentence of a draft and says how likely it is to be a review request, an
incentive, marketing, an off-platform ask, unprofessional, a bare shipping confirmation, or
none of these. A sentence it is sure about, and that no phrase rule already caught, is
``flagged`` (the agent looks before approving): precision first, so each label has its own
threshold, chosen on a development set of its own (see :mod:`guardrails.sentence_fit`).

The model is a multinomial logistic regression over sparse features of the folded sentence:
words, word pairs and word beginnings for scripts written with spaces, character pairs and
triples for kana and kanji. It is trained by ``replydesk sentence-model build`` on
``guardrails/data/policy_sentences/train`` (sentences written for this purpose by writers who
saw only the policy, never the phrase lists or an evaluation set) and shipped as
``guardrails/data/sentence_model.npz`` with a manifest (sha256, format, examples digest);
loading it never trains. NumPy is imported on the first check that needs the model.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardrails import solicitation
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import CJK_WORD, fold, fold_str, narrow

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

DATA = Path(__file__).parent / "data"
ARTIFACT = DATA / "sentence_model.npz"
EXAMPLES_DIR = DATA / "policy_sentences" / "train"
DEV_DIR = DATA / "policy_sentences" / "dev"
FORMAT = 1
REBUILD = "replydesk sentence-model build"

NONE = "none"
# Label -> the rule it flags. ``unprofessional`` learnt from 1,100 more sentences written for
# it (blame, condescension, sarcasm, crude slang, jabs at groups, and clean ones close to them)
# before it was flagged: its words ("you", "doch", "usted") are the words of every reply.
RULES = {
    "review_solicitation": "review_solicitation",
    "incentive": "incentive",
    "marketing": "marketing",
    "off_platform": "off_platform",
    "unprofessional": "unprofessional",
}
# A bare shipping confirmation is not flagged; the amazon_duplicate rule asks whether a
# proactive message holds one (confirms()), at this label's own threshold.
CONFIRMATION = "shipping_confirmation"
LABELS = (NONE, *RULES, CONFIRMATION)

_WHY_OFFER = "offers something for a review, which asks for that review"
CONTACT_RULES = ("external_link", "insecure_link", "email_address", "phone_number")
_WHY = {
    "unprofessional": "may read as unprofessional to the buyer",
    "review_solicitation": "reads like a request for a review or feedback",
    "incentive": "reads like something offered for a review or feedback",
    "marketing": "reads like promotion",
    "off_platform": "reads like an invitation to leave Amazon",
}

_CJK_RUN = f"[{CJK_WORD}]+"
_TOKEN = re.compile(rf"{_CJK_RUN}|[^\W\d_{CJK_WORD}]+|\d+|[%€$£¥]")
_CJK_CHAR = re.compile(f"[{CJK_WORD}]")
_FIRST_CJK = CJK_WORD[0]
_DIGIT_RUN = re.compile(r"\d+")
_CJK_TOKEN = "<cjk>"  # a run of kana and kanji, as one word of a pair
# A piece of a draft the model reads: up to a sentence end (kept) or a line break.
_PIECE = re.compile(r"[^\n.!?。！？]+[.!?。！？]*")
MIN_WORDS = 3
# MIN_WORDS blank-separated words: ``len(piece.split()) >= MIN_WORDS`` without the list.
_THREE_WORDS = re.compile(rf"\S(?:\s+\S+){{{MIN_WORDS - 2}}}\s+\S")
CACHE_SIZE = 8192
MIN_CJK_CHARS = 8
PREFIX = 5  # word beginnings: "bewert" of "bewertung", "bewerten", "bewertet"


def features(sentence: str) -> list[str]:
    """The sparse features of one sentence (folded: case, width and accents as the phrase
    rules see them; numbers as ``0``)."""
    out: list[str] = []
    words: list[str] = []
    for token in _TOKEN.findall(fold_str(sentence)):
        if _CJK_CHAR.match(token):
            padded = f"<{token}>"
            out += ["c:" + padded[i : i + 2] for i in range(len(padded) - 1)]
            out += ["c:" + padded[i : i + 3] for i in range(len(padded) - 2)]
            words.append(_CJK_TOKEN)
            continue
        word = "0" if token[0].isdigit() else token
        words.append(word)
        out.append("w:" + word)
        if len(word) > PREFIX + 1:
            out.append("p:" + word[:PREFIX])
    out += ["b:" + a + " " + b for a, b in pairwise(words)]
    return out


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    probability: float


class SentenceModel:
    """Weights over a vocabulary of features, with a threshold per label.

    :func:`features` names the features (training reads them); a prediction finds the same
    ones without building their names, for all sentences of a draft at once: words through
    dictionaries read in C (each known word's feature, its beginning's, its number for pairs),
    pairs of word numbers and kana/kanji pairs and triples as integer keys looked up in sorted
    arrays. tests/guardrails/test_sentence_model.py holds the two to the same sets.
    """

    def __init__(
        self,
        vocabulary: Sequence[str],
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        labels: Sequence[str],
        thresholds: Sequence[float],
    ) -> None:
        import numpy as np

        # The names are not kept (a few MB of strings per worker): only what a prediction
        # looks up. ``vocabulary(path)`` reads them again.
        self.size = len(vocabulary)
        self.weights = weights.astype(np.float32, copy=False)
        self.bias = bias.astype(np.float64)
        self.labels = tuple(labels)
        self.thresholds = dict(zip(self.labels, thresholds, strict=True))
        # The rules' labels and their thresholds (a label that is no rule never flags).
        self._flag_at = {label: self.thresholds.get(label, 1.1) for label in RULES}
        self._cache: dict[str, Prediction] = {}
        # One pass sorts the names by kind ("w:", "p:", "b:", "c:"): loading is part of the
        # first check's time (``replydesk check FILE``).
        kinds: dict[str, list[tuple[str, int]]] = {"w:": [], "p:": [], "b:": [], "c:": []}
        for i, feature in enumerate(vocabulary):
            kinds[feature[:2]].append((feature[2:], i))
        self._prefixes = dict(kinds["p:"])
        self._words = dict(kinds["w:"])
        # 0 stands for a run of kana and kanji in a pair.
        self._numbers = {word: number for number, (word, _) in enumerate(kinds["w:"], 1)}
        self._count = len(self._numbers) + 1
        numbers = self._numbers.get
        pairs: dict[int, int] = {}
        for pair, i in kinds["b:"]:
            one, _, two = pair.partition(" ")
            first = 0 if one == _CJK_TOKEN else numbers(one, -1)
            second = 0 if two == _CJK_TOKEN else numbers(two, -1)
            if first >= 0 and second >= 0:
                pairs[first * self._count + second] = i
        grams = {_gram_key(gram): i for gram, i in kinds["c:"]}
        self._pair_keys, self._pair_ids = _sorted(pairs)
        self._gram_keys, self._gram_ids = _sorted(grams)

    def _ids(self, folded: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(sentence, feature)`` index pairs of the known features of ``folded``, each pair
        once, sorted by sentence."""
        import numpy as np

        tokens: list[str] = []
        owner: list[int] = []
        for number, sentence in enumerate(folded):
            found = _TOKEN.findall(_DIGIT_RUN.sub("0", sentence))
            tokens += found
            owner += [number] * len(found)
        if not tokens:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        where = np.asarray(owner, dtype=np.int64)
        words = np.fromiter(map(self._words.get, tokens, repeat(-1)), np.int64, len(tokens))
        prefixes = self._prefixes
        cut = PREFIX + 1
        begins = np.fromiter(
            (prefixes.get(t[:PREFIX], -1) if len(t) > cut else -1 for t in tokens),
            np.int64,
            len(tokens),
        )
        numbers = np.fromiter(map(self._numbers.get, tokens, repeat(-1)), np.int64, len(tokens))
        cjk = [i for i, t in enumerate(tokens) if t >= _FIRST_CJK and _CJK_CHAR.match(t)]
        if cjk:
            numbers[cjk] = 0
        sentences = [where[words >= 0], where[begins >= 0]]
        features = [words[words >= 0], begins[begins >= 0]]
        # Pairs of neighbouring words of one sentence.
        keys = numbers[:-1] * self._count + numbers[1:]
        valid = (numbers[:-1] >= 0) & (numbers[1:] >= 0) & (where[:-1] == where[1:])
        found_pairs = _lookup(self._pair_keys, self._pair_ids, keys[valid])
        sentences.append(where[:-1][valid][found_pairs >= 0])
        features.append(found_pairs[found_pairs >= 0])
        if cjk:
            gram_keys, gram_owner = [], []
            for i in cjk:
                codes = _codes(f"<{tokens[i]}>")
                gram_keys += [
                    codes[:-1] << 21 | codes[1:],
                    codes[:-2] << 42 | codes[1:-1] << 21 | codes[2:],
                ]
                gram_owner.append(np.full(2 * len(codes) - 3, where[i]))
            found_grams = _lookup(self._gram_keys, self._gram_ids, np.concatenate(gram_keys))
            sentences.append(np.concatenate(gram_owner)[found_grams >= 0])
            features.append(found_grams[found_grams >= 0])
        pairs_of = np.unique(np.concatenate(sentences) * self.size + np.concatenate(features))
        return pairs_of // self.size, pairs_of % self.size

    def probabilities(
        self, sentences: Sequence[str], *, folded: bool = False
    ) -> npt.NDArray[np.float64]:
        """One row per sentence: the probability of each label (in ``self.labels`` order).
        ``folded``: the sentences are folded already (guardrails.textnorm.fold)."""
        import numpy as np

        texts = sentences if folded else [fold_str(s) for s in sentences]
        owner, ids = self._ids(texts)
        scores = np.tile(self.bias, (len(texts), 1))
        if len(ids):
            sizes = np.bincount(owner, minlength=len(texts))
            have = np.flatnonzero(sizes)
            starts = np.concatenate(([0], np.cumsum(sizes[have])[:-1]))
            sums = np.add.reduceat(self.weights[ids], starts, axis=0, dtype=np.float64)
            scores[have] += sums / np.sqrt(sizes[have])[:, None]
        scores -= scores.max(axis=1, keepdims=True)
        odds = np.exp(scores)
        probabilities: npt.NDArray[np.float64] = odds / odds.sum(axis=1, keepdims=True)
        return probabilities

    def predict(self, sentences: Sequence[str], *, folded: bool = False) -> list[Prediction]:
        """The likeliest label of each sentence. Predictions are kept per folded sentence (up
        to CACHE_SIZE): drafts made from templates and knowledge-base text share most of their
        sentences, and the same sentence always gets the same answer."""
        texts = sentences if folded else [fold_str(s) for s in sentences]
        cache = self._cache
        # Read once: another thread may empty the cache meanwhile (every answer is kept here).
        out = list(map(cache.get, texts))
        if all(out):  # every sentence seen before: the template drafts' common case
            return out  # type: ignore[return-value]
        missing = list(dict.fromkeys(t for t, known in zip(texts, out, strict=True) if not known))
        if missing:
            probabilities = self.probabilities(missing, folded=True)
            best = probabilities.argmax(axis=1).tolist()
            new = {
                text: Prediction(self.labels[k], float(row[k]))
                for text, row, k in zip(missing, probabilities, best, strict=True)
            }
            if len(cache) + len(new) > CACHE_SIZE:
                cache.clear()
            cache.update(new)
            out = [known or new[text] for text, known in zip(texts, out, strict=True)]
        return [prediction for prediction in out if prediction is not None]

    def sure(self, prediction: Prediction) -> bool:
        """Is the model sure enough to flag (a rule's label at or above its threshold)?"""
        return prediction.probability >= self._flag_at.get(prediction.label, 2.0)


def _codes(text: str) -> npt.NDArray[np.int64]:
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _gram_key(gram: str) -> int:
    """A kana/kanji pair or triple (with the run's ``<`` and ``>``) as one integer: code points
    fit in 21 bits."""
    key = 0
    for char in gram:
        key = key << 21 | ord(char)
    return key


def _sorted(table: dict[int, int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    import numpy as np

    items = sorted(table.items())
    keys = np.fromiter((key for key, _ in items), np.int64, len(items))
    return keys, np.fromiter((i for _, i in items), np.int64, len(items))


def _lookup(
    keys: npt.NDArray[np.int64], ids: npt.NDArray[np.int64], wanted: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The id of each wanted key, -1 for a key not in ``keys`` (sorted)."""
    import numpy as np

    if not len(keys) or not len(wanted):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, ids[at], -1)


def examples_digest(examples: Path = EXAMPLES_DIR, dev: Path = DEV_DIR) -> str:
    """The sha256 of the training and development files, as the manifest records it (the
    thresholds come from the development files)."""
    import hashlib

    digest = hashlib.sha256()
    for directory in (examples, dev):
        for path in sorted(directory.glob("*.jsonl")):
            digest.update(f"{directory.name}/{path.name}".encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load(path: Path = ARTIFACT) -> SentenceModel:
    """The shipped model, once its bytes match its manifest (guardrails.artifacts)."""
    import io

    import numpy as np

    from guardrails import artifacts

    content, manifest = artifacts.read_checked(path, format_version=FORMAT, rebuild=REBUILD)
    if EXAMPLES_DIR.is_dir():  # an installed copy may ship without the training sentences
        artifacts.is_current(manifest, examples_digest())
    with np.load(io.BytesIO(content), allow_pickle=False) as data:
        vocabulary = _names(data)
        labels = str(data["labels"]).split(",")
        return SentenceModel(
            vocabulary,
            data["weights"].astype(np.float32),
            data["bias"].astype(np.float32),
            labels,
            [float(t) for t in data["thresholds"]],
        )


def _names(data: Any) -> list[str]:
    return bytes(data["vocabulary"]).decode("utf-8").split("\n")


def vocabulary(path: Path = ARTIFACT) -> list[str]:
    """The feature names of the shipped model, in index order (the tests read them)."""
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return _names(data)


_MODEL: SentenceModel | None = None
_LOCK = threading.Lock()


def model() -> SentenceModel:
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                _MODEL = load()
    return _MODEL


def pieces(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the pieces of ``text`` worth reading: up to a sentence end or a line
    break, three words or more, or eight characters with kana or kanji (a greeting, a name or
    an abbreviation's stub alone says nothing to the model)."""
    out = []
    cjk = not narrow(text)  # no kana or kanji in a Latin-1 text
    for m in _PIECE.finditer(text):
        piece = m.group()
        if _THREE_WORDS.search(piece) or (
            cjk and len(piece) >= MIN_CJK_CHARS and _CJK_CHAR.search(piece)
        ):
            start, end = m.span()
            out.append((start + len(piece) - len(piece.lstrip()), end))
    return out


def confirms(text: str) -> bool:
    """Does a sentence of ``text`` only repeat Amazon's order, shipping or delivery notice (or
    thank for the order), by the model, sure at the label's threshold?"""
    spans = pieces(text)
    if not spans:
        return False
    current = model()
    threshold = current.thresholds.get(CONFIRMATION, 1.1)
    predictions = current.predict([text[s:e] for s, e in spans])
    return any(p.label == CONFIRMATION and p.probability >= threshold for p in predictions)


def detect(text: str, *, ctx: Context, found: Iterable[Span] = ()) -> list[Span]:
    """Flags for the sentences the model is sure break a rule that ``found`` (the phrase
    rules' spans) does not already cover there. A removed link, address or number covers
    off_platform in its sentence too: what pointed off Amazon is gone with it."""
    covered: dict[str, list[tuple[int, int]]] = {}
    contact: list[tuple[int, int]] = []
    for span in found:
        covered.setdefault(span.rule, []).append((span.start, span.end))
        if span.rule in CONTACT_RULES:
            contact.append((span.start, span.end))
    # The model reads the words, not the addresses: a link, an e-mail address or a number is
    # the contact rules' business, and its pieces ("shop", "com", "pdf") are no words of a
    # sentence. They are blanked, offsets kept.
    read = text
    for s, e in contact:
        read = read[:s] + " " * (e - s) + read[e:]
    spans = pieces(read)
    if not spans:
        return []
    covered.setdefault("off_platform", []).extend(contact)
    current = model()
    folded = fold(read)
    if folded.source is None:
        parts = [folded.text[s:e] for s, e in spans]
    else:  # folding changed lengths: find each sentence's folded offsets
        at = folded.source
        parts = [folded.text[bisect_left(at, s) : bisect_left(at, e)] for s, e in spans]
    out = []
    predictions = current.predict(parts, folded=True)
    sure = current.sure
    flagged = [(span, p) for span, p in zip(spans, predictions, strict=True) if sure(p)]
    for (start, end), prediction in flagged:
        sentence = text[start:end]
        if prediction.label == "off_platform" and solicitation.asks_nothing(sentence):
            continue  # a warning, a needless contact, an app's feature: as phrases read it
        # Something offered for a review asks for that review, as the phrase rules read it.
        rules = ("incentive", "review_solicitation") if prediction.label == "incentive" else ()
        for rule in rules or (RULES[prediction.label],):
            if any(s < end and start < e for s, e in covered.get(rule, ())):
                continue
            why = _WHY[rule] if rule == prediction.label else _WHY_OFFER
            msg = (
                f'"{quote(sentence)}" {why} (the sentence model is '
                f"{prediction.probability:.0%} sure; no phrase rule matched): check it before "
                "sending."
            )
            out.append(Span(rule, "flagged", start, end, sentence, msg))
    return out
