"""Does a sentence still read after a removal? "Call us or email.", "Write to me at.",
"Details here: (or)." do not: the removal took the object the sentence was built around.

The tests are deliberately few and sure: a sentence that ends on a word that needs something
after it (a preposition, a conjunction, a contact verb, optionally with its pronoun: "email
me"), brackets left with nothing but punctuation or a connector in them, punctuation left
orphaned (" ,", ",.", ":."). Such a sentence is removed whole rather than sent half-cut
(guardrails/resolve.py). The words come from the lexicon (``contacts``: prepositions,
connectors, labels) and, for the verbs, from the short lists below, six languages.
"""

from __future__ import annotations

import re
from functools import cache

from guardrails import phrases

# Verbs (and nouns used as verbs) that need an address or number after them.
_CONTACT_VERBS = {
    "en": "email e-mail mail call phone text ring write contact reach visit message whatsapp",
    "de": "mailen anrufen schreiben kontaktieren erreichen besuchen melden",
    "fr": "écrire appeler contacter joindre visiter écrivez appelez contactez",
    "es": "escribir llamar contactar visitar escríbanos llámenos escriba llame",
    "it": "scrivere chiamare contattare visitare scriva chiami scriverci chiamarci",
}
_PRONOUNS = "me us mir uns moi nous me nos mi ci le lui"
# Before a noun, not a verb: "thank you for your email", "the call", "votre appel".
_DETERMINER_WORDS = (
    "a an the your our this that my ihre ihr ihrer unsere unser die der das ein eine votre notre "
    "le la les un une su sus nuestro nuestra el una il lo sua suo nostro nostra"
)
# "by mail", "per e-mail", "par téléphone": after these, a contact word is the means, a noun.
_MEANS_WORDS = "by per via par por tramite con mit avec"
_DETERMINERS = frozenset(_DETERMINER_WORDS.split()) | frozenset(_MEANS_WORDS.split())
# (A blank before ":;!?" is French typography, not a seam: only "," and "." count.)
_ORPHAN = re.compile(r"\s[,.](?![\w.])|[,;:][.!?]|\(\s*\)|\[\s*\]|[(\[]\s*[,;:.]\s*[)\]]")
_LAST_WORDS = re.compile(r"([^\W\d_][\w'’-]*)(?:\s+([^\W\d_][\w'’-]*))?\W*$")
# The words before the last, up to three, with only blanks between them ("by first-class").
_WORDS_BEFORE = re.compile(r"((?:[^\W\d_][\w'’-]*\s+){1,3})[^\W\d_][\w'’-]*\W*$")


# Words that end a sentence as a verb's particle: "rufen Sie uns an", "log in", "turn it on".
_PARTICLE_WORDS = (
    "an auf zu mit vor aus nach ab ein um bei durch über da in on up out off over back by"
)
_PARTICLES = frozenset(_PARTICLE_WORDS.split())


def _contact_words(*families: str) -> frozenset[str]:
    """The single words of the lexicon's ``contacts`` categories ``families``, folded."""
    return frozenset(
        word.casefold()
        for family in families
        for phrase in phrases.everywhere("contacts", family)
        for word in phrase.split()
        if word.isalpha()
    )


_LABELS = ("phone_labels", "email_labels", "link_labels")


@cache
def _dangling() -> frozenset[str]:
    return _contact_words("prepositions", "connectors", *_LABELS) - _PARTICLES


@cache
def _before_detail() -> frozenset[str]:
    """The words that go with a contact detail before it: prepositions and labels, particles
    included ("on" of "is on example.com")."""
    return _contact_words("prepositions", *_LABELS)


@cache
def _verbs() -> frozenset[str]:
    return frozenset(w for words in _CONTACT_VERBS.values() for w in words.split())


@cache
def _connector_brackets() -> re.Pattern[str]:
    connectors = sorted(
        {w.casefold() for w in phrases.everywhere("contacts", "connectors") if w.isalpha()}
    )
    alternation = "|".join(map(re.escape, connectors)) or "(?!)"
    return re.compile(rf"[(\[]\s*(?:{alternation})?\s*[)\]]", re.IGNORECASE)


# A verb that needs its complement: "Our hotline is +49 30 1234 daily" without the number is
# "Our hotline is daily", which says something else. Before a removed detail (its labels and
# prepositions aside: "is at …"), such a word means the sentence no longer reads.
_COPULA_WORDS = (
    "is are was were be ist sind war lautet lauten est sont était es son está están era è sono"
)
_COPULAS = frozenset(_COPULA_WORDS.split())
_TRAILING_WORD = re.compile(r"([^\W\d_][\w'’-]*)\W*$")


# What may complete the copula after the removal: "The old manual is [at …] in our archive".
_PLACE_WORDS = (
    "in im am an auf bei unter dans en sur chez à au aux el la nel nella nei sul sulla su da "
    "at on inside within under"
)
_PLACES = frozenset(_PLACE_WORDS.split())
_LEADING_WORD = re.compile(r"\s*([^\W\d_][\w'’-]*)")


# Japanese: a removed address or number leaves the particle that pointed at it with nothing
# before it ("写真を までお送りください", "、宛にご連絡", "は、までお知らせください").
_JA_ORPHAN_PARTICLE = re.compile(r"\s*(?:まで|宛て?に?|へ)")
_JA_BEFORE_DETAIL = re.compile(r"(?:^|[\s、，：:（(「]|[はをがにのと])\s*$")


# A Japanese sentence may go on past a clause that lost its address ("…お待ちください、ご不明な
# 点は…まで。"): only that clause goes when what is left still ends as a sentence ends.
_JA_COMMA = re.compile(r"[、，]")
_JA_FINAL = re.compile(
    r"(?:ます|ません|ました|ましょう|ください|下さい|です|でした|ございます|ませ|した|たい)\s*$"
)
_JA_END = re.compile(r"[。．！？!?]*\s*$")


def japanese_clause(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The part of ``sentence`` to remove instead of all of it, when ``sentence[start:end]``
    (what was removed) lies in its last clause: from the comma before that clause to the
    sentence's final punctuation, provided the clauses before it end as a sentence ends
    ("…お待ちください"), not mid-way ("恐れ入りますが", "発送いたしましたので")."""
    commas = [m.start() for m in _JA_COMMA.finditer(sentence, 0, start)]
    if not commas:
        return None
    stop = _JA_END.search(sentence, end)
    assert stop is not None  # the pattern matches the empty end
    if _JA_COMMA.search(sentence, end, stop.start()):
        return None  # a clause follows: the sentence goes whole
    if not _JA_FINAL.search(sentence, 0, commas[-1]):
        return None
    return commas[-1], stop.start()


def cut_from_its_verb(before: str, after: str) -> bool:
    """A contact detail was removed between ``before`` and ``after``: was it the complement of
    a copula ("Our hotline is … daily", "The guide is on …, page 4"), once the labels and
    prepositions that went with it are set aside? Not when a place follows ("is at … in our
    archive"). In Japanese: is a particle that pointed at it left with nothing before it?"""
    if _JA_ORPHAN_PARTICLE.match(after) and _JA_BEFORE_DETAIL.search(before):
        return True
    text = before
    while (m := _TRAILING_WORD.search(text)) is not None:
        word = m.group(1).casefold()
        if word in _COPULAS:
            following = _LEADING_WORD.match(after)
            return following is None or following.group(1).casefold() not in _PLACES
        if word not in _before_detail():
            return False
        text = text[: m.start()]
    return False


def _after_determiner(text: str) -> bool:
    """Does a determiner or a "by" stand among the three words before the last, with only
    modifiers between ("by first-class mail", "your recent email"), no connector ("by email
    or call")?"""
    m = _WORDS_BEFORE.search(text)
    if m is None:
        return False
    for word in reversed(m.group(1).casefold().split()):
        if word in _DETERMINERS:
            return True
        if word in _dangling() or word in _verbs():
            return False
    return False


def broken(sentence: str) -> str | None:
    """Why ``sentence`` no longer reads, or None. Japanese and Chinese are not judged."""
    text = sentence.strip()
    if not text:
        return None
    if _ORPHAN.search(text) or _connector_brackets().search(text):
        return "punctuation or brackets left with nothing in them"
    m = _LAST_WORDS.search(text)
    if m is None:
        return None
    last, after = (m.group(2) or m.group(1)).casefold(), m.group(2)
    before = m.group(1).casefold() if after else None
    if before in _DETERMINERS or _after_determiner(text):
        return None  # a noun: "your email", "the call", "by first-class mail"
    if last in _dangling() or last in _verbs():
        return f'it ends on "{last}", which needs something after it'
    if before is not None and before in _verbs() and last in _PRONOUNS.split():
        return f'it ends on "{before} {last}", which needs something after it'
    return None
