"""Registrable domains (publicsuffixlist, on the public-suffix snapshot inside its wheel) and
which dotted words are domains at all: shared by the link and e-mail rules.

ICANN suffixes only and no unknown top-level domains (``foo.notatld`` is no domain), as
tldextract answered before it: publicsuffixlist reads the same list without importing an HTTP
stack (tldextract's requests and urllib3 held 19 MB of a server's memory and a tenth of a
second of ``replydesk check``). It loads on the first text that has something like a domain,
not at import.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

# The dots IDNA reads as label separators: "例え。テスト", "shop．de".
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


@cache  # two threads may both build one on the very first call; either is the same
def _list() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _parts(host: str) -> tuple[str, str]:
    """The label before the public suffix, and the suffix; ``("", "")`` when there is none."""
    name = host.translate(_DOTS).lower().strip(".")
    suffix = _list().publicsuffix(name)
    if not suffix or suffix == name or not name.endswith("." + suffix):
        return "", ""
    return name[: -len(suffix) - 1].rsplit(".", 1)[-1], suffix


# Real public suffixes that are far more often file extensions in a reply ("manual.zip").
FILE_EXTENSIONS = frozenset(
    "zip mov mp4 mp3 py md sh rs ps pl cc so ai doc docx xls xlsx csv txt rtf pdf jpg jpeg png "  # noqa: SIM905
    "gif bmp tif tiff heic webp svg wav avi mkv exe msi dmg apk iso bin img stl dwg psd eps json "
    "xml html htm js css ini cfg log bak tmp dat".split()
)
SHORTENERS = frozenset(
    "bit.ly tinyurl.com forms.gle youtu.be amzn.to amzn.eu a.co t.co goo.gl ow.ly is.gd buff.ly "  # noqa: SIM905
    "rebrand.ly cutt.ly shorturl.at tiny.cc".split()
)


@lru_cache(maxsize=1024)  # replies repeat the same few domains
def registrable(host: str) -> str:
    domain, suffix = _parts(host)
    return f"{domain}.{suffix}" if domain and suffix else ""


@lru_cache(maxsize=1024)
def bare_domain(host: str, *, has_path: bool) -> bool:
    """Is a dotted word without scheme a domain? Real suffix, not a file name, not a typo."""
    domain, suffix = _parts(host)
    if not domain or not suffix:
        return False
    labels = host.split(".")
    top = labels[-1]
    if has_path or labels[0].lower() == "www":
        return True
    if top.lower() in FILE_EXTENSIONS:
        return False
    # "order.It will", "thanks.Best" are a missing space after a full stop, not domains.
    return not (len(labels) == 2 and top.istitle())
