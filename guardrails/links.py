"""``external_link`` and ``insecure_link``: every link that is not https to an Amazon marketplace.

Links are judged by registrable domain (``amazon.de.evil.com`` is evil.com; see
:mod:`guardrails.domains`). A bare word with a dot counts as a domain only when its ending is a
real public suffix and not a file extension, which keeps ``manual.pdf``, ``3.5``, ``v1.2`` and
"z.B." out. A bare mention of an Amazon domain ("your order on amazon.de") is not a link and
stays.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from guardrails.contacts import KANA_AT, LATIN_AT, LATIN_DOT
from guardrails.domains import SHORTENERS, bare_domain, registrable
from guardrails.marketplaces import AMAZON_DOMAINS
from guardrails.spans import Context, Span, quote
from guardrails.textnorm import CJK, GLUE, narrow
from guardrails.views import reading_through

_MARKDOWN = re.compile(
    r"(?P<bang>!?)\[(?P<label>[^\[\]\n]{0,300})\]\((?P<url>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)"
    r"(?:\s+\"[^\"\n]*\")?\)"
)
_ANCHOR = re.compile(
    r"<a\s[^<>]*?href\s*=\s*(?P<q>[\"']?)(?P<url>[^\"'\s<>]+)(?P=q)[^<>]*>(?P<label>.{0,500}?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_IMAGE = re.compile(r"<img\s[^<>]*?src\s*=\s*[\"']?(?P<url>[^\"'\s<>]+)[^<>]*>", re.IGNORECASE)
# A URL ends at blanks, at quotes and brackets of markup, and where CJK text resumes
# ("…/helpをご覧ください"). Cyrillic and Greek letters stay in, so "https://аmazon.de"
# (Cyrillic а) is judged as the look-alike domain it is.
# After a scheme, a host's labels may be kana and kanji too ("http://ああ.com"): labels of word
# characters before a dot and a Latin letter (the suffix); the path still ends at CJK text.
_URL = re.compile(
    rf"(?<![{GLUE}@/.])(?:(?:https?|ftp)://(?:[\w-]+\.)+(?=[a-z])|(?:https?|ftp)://|www\.)"
    rf"[^\s<>\"'`{CJK}]+",
    re.IGNORECASE,
)
# A bare domain's labels may hold accented Latin letters ("elpaís.com"); its suffix is ASCII.
_BARE_LABEL = r"[a-z0-9\u00c0-\u024f](?:[a-z0-9\u00c0-\u024f-]{0,61}[a-z0-9\u00c0-\u024f])?"
_BARE = re.compile(
    rf"(?<![{GLUE}@/.:-])"
    rf"(?P<host>(?:{_BARE_LABEL}\.)+[a-z][a-z0-9-]{{0,61}}[a-z0-9])"
    rf"(?P<rest>(?::\d{{2,5}})?(?:[/?#][^\s<>\"'`{CJK}]*)?)(?![{GLUE}@-])",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]*>")
# No URL and no bare domain holds a blank, and each holds an anchor: "://" or "www." (any
# case) for a URL, a dot before a letter (its last dot) for a bare domain. Their regexes run
# only over the blank-free stretches around anchors: a few short scans instead of a long one.
_DOT_LETTER = re.compile(r"\.[a-z]", re.IGNORECASE)
_WWW = re.compile(r"[wW][wW][wW]\.")  # a class first: re skips ahead in C, unlike (?i)www
_SPACE = re.compile(r"\s")


def _stretch_matches(
    pattern: re.Pattern[str], text: str, anchors: list[int]
) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match holds an anchor and no blank:
    the same matches (look-behinds see before a scan's start), found stretch by stretch."""
    out: list[re.Match[str]] = []
    end = 0
    for at in sorted(anchors):
        if at < end:
            continue  # its stretch is scanned already
        # After the last common blank before the anchor: the stretch's start, or earlier at a
        # blank (never inside a word, never before the last stretch's end).
        start = max(end, 1 + max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)))
        blank = _SPACE.search(text, at)
        end = blank.start() if blank else len(text)
        out += pattern.finditer(text, start, end)
    return out


Verdict = Literal["ok", "upgrade", "insecure", "external"]


def _trim(url: str) -> str:
    """Drop sentence punctuation glued to the end of a URL, keeping balanced brackets."""
    while url and url[-1] in ".,;:!?'\"*>]})":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


@lru_cache(maxsize=1024)  # templates repeat the same few links; the public-suffix lookup costs
def _judge(url: str) -> tuple[Verdict, str]:
    lowered = url.lower()
    scheme = lowered.split("://", 1)[0] if "://" in lowered else ""
    try:
        host = urlsplit(url if scheme else "//" + url).hostname or ""
    except ValueError:
        host = ""
    domain = registrable(host)
    # An "@" anywhere (user info, or an address glued to the path) hides where the link goes
    # or smuggles an address in: never an acceptable Amazon link.
    amazon = domain in AMAZON_DOMAINS and "@" not in url and "＠" not in url
    if scheme == "https" or not scheme:
        return ("ok" if amazon else "external"), domain
    if scheme == "http":
        return ("upgrade" if amazon else "insecure"), domain
    return "external", domain


def _why(verdict: Verdict, url: str, domain: str) -> str:
    if verdict == "insecure":
        return f"Removed the insecure http link {quote(url)}: links must be https and go to Amazon."
    if domain in SHORTENERS:
        return f"Removed the short link {quote(url)}: short links hide where they lead."
    return f"Removed the link {quote(url)}: buyer messages may only link to Amazon pages."


def _readable(label: str) -> bool:
    """May a removed link's text stay? Not when it is an address itself, nor when it names
    Amazon: "[Amazon's returns page](https://returns-amazon.example)" would still send the
    buyer to look for that page, and is how phishing reads."""
    return (
        bool(label)
        and "@" not in label
        and "amazon" not in label.casefold()
        and not _URL.search(label)
        and not _BARE.search(label)
    )


def _link(start: int, end: int, text: str, url: str, label: str) -> Span | None:
    """A markdown or HTML link: keep its text when the link goes, unless the text is the URL."""
    verdict, domain = _judge(url)
    match = text[start:end]
    secure = "https://" + url.split("://", 1)[1] if verdict == "upgrade" else url
    if verdict in ("ok", "upgrade"):
        if match.startswith("["):
            if verdict == "ok":
                return None
            new = match.replace(url, secure, 1)
        else:
            new = f"{label} ({secure})" if label and label != secure and label != url else secure
        if verdict == "upgrade":
            msg = f"Changed the Amazon link {quote(url)} to https: Amazon links must use https."
            return Span("insecure_link", "fixed", start, end, match, msg, replacement=new)
        msg = "Turned an HTML link into plain text: buyer messages do not display HTML."
        return Span("formatting", "fixed", start, end, match, msg, replacement=new)
    rule = "insecure_link" if verdict == "insecure" else "external_link"
    keep = label if _readable(label) else ""
    msg = _why(verdict, url, domain) + (f' Kept its text "{quote(keep)}".' if keep else "")
    return Span(rule, "fixed", start, end, match, msg, replacement=keep, label_cleanup=not keep)


def _image(start: int, end: int, text: str, url: str) -> Span | None:
    verdict, _ = _judge(url)
    match = text[start:end]
    if verdict == "ok":
        if match.startswith("<"):
            return None  # an <img> of Amazon's own: the formatting rule strips the tag
        msg = "Replaced a markdown image with its Amazon link: images do not display in messages."
        return Span("formatting", "fixed", start, end, match, msg, replacement=url)
    if verdict in ("insecure", "upgrade"):
        msg = f"Removed the image {quote(url)}: images must be served over https."
        return Span("insecure_link", "fixed", start, end, match, msg, replacement="")
    msg = f"Removed the image {quote(url)}: buyer messages may only link to Amazon pages."
    return Span("external_link", "fixed", start, end, match, msg, replacement="")


# Full-width letters, digits and the characters of an address (ｗｗｗ．ｓｈｏｐ－１．ｊｐ／ａ)
# read as ASCII, character for character: offsets stay. Full-width punctuation around them (：,
# （…）) stays what it is, and so does ＠ (the e-mail rule's).
_HALFWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "．／－＿"} | {
    code: code - 0xFEE0
    for low, high in (("０", "９"), ("Ａ", "Ｚ"), ("ａ", "ｚ"))
    for code in range(ord(low), ord(high) + 1)
}
_WIDE_LETTER = re.compile("[Ａ-Ｚａ-ｚ]")
# A full-width address has a full-width dot, or a dot next to a full-width letter.
_FULLWIDTH = re.compile("[０-９Ａ-Ｚａ-ｚ－＿][．.]|[．.][Ａ-Ｚａ-ｚ]|．")


@reading_through
def detect(text: str, *, ctx: Context) -> list[Span]:
    wide = not narrow(text) and (
        "．" in text or (_WIDE_LETTER.search(text) and _FULLWIDTH.search(text))
    )
    if wide:
        view = text.translate(_HALFWIDTH)
        found = _detect(view) + _spoken(view, ctx)
        return [replace(span, match=text[span.start : span.end]) for span in found]
    return _detect(text) + _spoken(text, ctx)


# Domains spelt out to slip past a filter: "shop-berlin punkt de", "example dot com slash help",
# "tienda punto es barra contacto", "shop . example . it", "ドット". Spoken words make many false
# domains ("ce point de vue", "el punto es"), so only these count: a www, or an ending that is
# no ordinary word where it stands.
_SPOKEN_DOT = rf"(?:{LATIN_DOT}|ドット)"
_SPOKEN_SLASH = r"(?:slash|schrägstrich|barre oblique|barra|スラッシュ)"
_SPOKEN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SEP_DOT = (
    rf"(?:[ \t]*[(\[][ \t]*{_SPOKEN_DOT}[ \t]*[)\]][ \t]*|[ \t]+{_SPOKEN_DOT}[ \t]+"
    r"|[ \t]*ドット[ \t]*|[ \t]+\.[ \t]+)"  # a dot with blanks on both sides, never a full stop
)
_SEP_SLASH = rf"(?:[ \t]+{_SPOKEN_SLASH}[ \t]+|[ \t]*スラッシュ[ \t]*)"
_SPOKEN = re.compile(
    rf"(?<![A-Za-z0-9_.@/-])(?P<host>{_SPOKEN_LABEL}(?:{_SEP_DOT}{_SPOKEN_LABEL})+)"
    rf"(?P<path>(?:{_SEP_SLASH}{_SPOKEN_LABEL})*)",
    re.IGNORECASE,
)
_SPOKEN_SEP = re.compile(rf"{_SEP_DOT}", re.IGNORECASE)
# Endings that are no word of any language here, and those that are a word in some: German
# "de" is no German word, but French, Spanish and Italian "de" is; "at" is English, "it"
# English, "es" Spanish, "io" and "se" Italian…
_SAFE_ENDINGS = frozenset(
    {"com", "net", "org", "info", "biz", "eu", "uk", "fr", "jp", "ch", "nl", "pl", "co.uk", "co.jp"}
)
_WORD_ENDINGS = {
    "de": {"fr", "es", "it", "pt", "nl"},
    "at": {"en", "fr", "es", "it", "pt", "nl", "sv"},
    "it": {"en"},
    "es": {"es", "en", "pt"},
    "be": {"en"},
    "se": {"es", "it", "fr", "pt", "sv"},
    "io": {"it", "en"},
    "shop": {"en"},
    "store": {"en"},
    "online": {"en", "de"},
}


# What ends the name of an e-mail address: the address is the e-mail rule's, not a link.
_AT_BEFORE = re.compile(
    rf"(?:[@＠]|[(\[]\s*at\s*[)\]]|(?<![^\W\d_])(?:at|{LATIN_AT})|{KANA_AT})[ \t]*$",
    re.IGNORECASE,
)


# Where a spelt-out address may be: a separator word standing alone, bracketed or between
# blanks, or a dot between blanks.
_SEPARATOR_WORDS = tuple(LATIN_DOT.split("|"))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_AROUND = ((" ", " "), ("(", ")"), ("[", "]"), ("( ", " )"))
_MARKS = ("ドット", " . ")


def _spoken_matches(text: str) -> list[re.Match[str]]:
    """``_SPOKEN.finditer(text)``, tried only around the separator words (found by substring
    searches in C): most drafts have none, and the rest only a few."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: the ASCII letters only
        lowered = text.translate(_ASCII_LOWER)
    wanted = [
        f"{before}{word}{after}"
        for word in _SEPARATOR_WORDS
        if word in lowered
        for before, after in _AROUND
    ] + [mark for mark in _MARKS if mark in text]
    places = []
    for word in wanted:
        at = lowered.find(word)
        while at >= 0:
            places.append(at)
            at = lowered.find(word, at + 1)
    found: list[re.Match[str]] = []
    end = 0
    for at in sorted(places):
        if at < end:
            continue
        # A label is at most 63 characters: the host starts within reach of its separator.
        for m in _SPOKEN.finditer(text, max(end, at - 80), min(len(text), at + 200)):
            if m.start() <= at < m.end():
                found.append(m)
                end = m.end()
                break
    return found


def _spoken(text: str, ctx: Context) -> list[Span]:
    spans = []
    for m in _spoken_matches(text):
        if _AT_BEFORE.search(text, max(0, m.start() - 16), m.start()):
            continue
        host = _SPOKEN_SEP.sub(".", m["host"]).lower()
        if "." not in host or host == m["host"].lower():
            continue  # an ordinary domain: the first pass judged it
        labels = host.split(".")
        ending = ".".join(labels[-2:]) if ".".join(labels[-2:]) in _SAFE_ENDINGS else labels[-1]
        safe = ending in _SAFE_ENDINGS or (
            ending in _WORD_ENDINGS and ctx.language not in _WORD_ENDINGS[ending]
        )
        if labels[0] != "www" and not safe:
            continue
        if labels[0] != "www" and len(labels[-2 if len(labels) > 1 else 0]) < 3:
            continue  # "la punto es", "ce point fr": no name before the ending
        verdict, domain = _judge(host)
        if verdict != "external":
            continue
        match = m.group()
        msg = _why(verdict, host, domain).replace("the link", "the spelt-out web address")
        spans.append(
            Span("external_link", "fixed", m.start(), m.end(), match, msg, "", label_cleanup=True)
        )
    return spans


def _detect(text: str) -> list[Span]:
    if "." not in text and "<" not in text:
        return []
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(span: Span | None, start: int, end: int) -> None:
        taken.append((start, end))  # judged, even when allowed: its parts are not re-judged
        if span is not None:
            spans.append(span)

    for m in _MARKDOWN.finditer(text) if "](" in text else ():
        url = m["url"]
        if m["bang"]:
            add(_image(m.start(), m.end(), text, url), m.start(), m.end())
            if spans and spans[-1].start == m.start() and spans[-1].rule != "formatting":
                # A markdown image is a formatting fault too, whatever its host: on record
                # beside the removal that already takes it out (a finding, not a second edit).
                msg = (
                    "The removed markdown image would not have displayed: messages show no images."
                )
                spans.append(
                    Span(
                        "formatting", "fixed", m.start(), m.end(), m.group(), msg, replacement=None
                    )
                )
        else:
            add(_link(m.start(), m.end(), text, url, m["label"].strip()), m.start(), m.end())
    if "<" in text:
        for m in _ANCHOR.finditer(text):
            if free(m.start(), m.end()):
                label = " ".join(_TAG.sub("", m["label"]).split())
                add(_link(m.start(), m.end(), text, m["url"], label), m.start(), m.end())
        for m in _IMAGE.finditer(text):
            if free(m.start(), m.end()):
                add(_image(m.start(), m.end(), text, m["url"]), m.start(), m.end())
    anchors = [m.start() for m in _WWW.finditer(text)] if "." in text else []
    at = text.find("://")
    while at >= 0:
        anchors.append(at)
        at = text.find("://", at + 1)
    for m in _stretch_matches(_URL, text, anchors) if anchors else ():
        url = _trim(m.group())
        start, end = m.start(), m.start() + len(url)
        if not free(start, end):
            # "https://x.com/a[label](…)": the URL ends where a judged link begins.
            cut = min((s for s, _ in taken if start < s < end), default=start)
            url = _trim(text[start:cut])
            end = start + len(url)
            if ("://" not in url and not url.lower().startswith("www.")) or not free(start, end):
                continue
        verdict, domain = _judge(url)
        span = None
        if verdict == "upgrade":
            msg = f"Changed the Amazon link {quote(url)} to https: Amazon links must use https."
            new = "https://" + url.split("://", 1)[1]
            span = Span("insecure_link", "fixed", start, end, url, msg, replacement=new)
        elif verdict != "ok":
            rule = "insecure_link" if verdict == "insecure" else "external_link"
            msg = _why(verdict, url, domain)
            span = Span(rule, "fixed", start, end, url, msg, replacement="", label_cleanup=True)
        add(span, start, end)
    dots = [m.start() for m in _DOT_LETTER.finditer(text)]
    for m in _stretch_matches(_BARE, text, dots) if dots else ():
        url = _trim(m.group())
        start, end = m.start(), m.start() + len(url)
        if not free(start, end) or not bare_domain(m["host"], has_path=bool(m["rest"])):
            continue
        verdict, domain = _judge(url)
        if verdict != "ok":
            msg = _why(verdict, url, domain)
            spans.append(
                Span("external_link", "fixed", start, end, url, msg, "", label_cleanup=True)
            )
    return spans
