"""Registrable domains (tldextract on its bundled public-suffix snapshot) and which dotted
words are domains at all: shared by the link and e-mail rules.

``suffix_list_urls=()`` and no cache directory: tldextract never touches the network or the
disk. It (and the requests stack it imports) loads on the first text that has something like a
domain, not at import.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tldextract import TLDExtract


@cache  # two threads may both build one on the very first call; either is the same
def _tld() -> TLDExtract:
    import tldextract

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    extract("example.com")  # parse the bundled snapshot now, once
    return extract


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


@lru_cache(maxsize=1024)  # replies repeat the same few domains; tldextract costs per call
def registrable(host: str) -> str:
    parts = _tld()(host)
    return f"{parts.domain}.{parts.suffix}".lower() if parts.domain and parts.suffix else ""


@lru_cache(maxsize=1024)
def bare_domain(host: str, *, has_path: bool) -> bool:
    """Is a dotted word without scheme a domain? Real suffix, not a file name, not a typo."""
    parts = _tld()(host)
    if not parts.domain or not parts.suffix:
        return False
    labels = host.split(".")
    top = labels[-1]
    if has_path or labels[0].lower() == "www":
        return True
    if top.lower() in FILE_EXTENSIONS:
        return False
    # "order.It will", "thanks.Best" are a missing space after a full stop, not domains.
    return not (len(labels) == 2 and top.istitle())
