"""Amazon marketplaces: domain, marketplace id, country, default buyer language.

Shared by the guardrails (which Amazon domains a link may point to, which phone region to
parse for) and the service (request validation, default language, business calendar).
Marketplace ids are the ones the SP-API uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Marketplace:
    domain: str
    marketplace_id: str
    country: str  # ISO 3166-1 alpha-2, also the phonenumbers region and the holidays country
    language: str  # default buyer language (ISO 639-1)
    timezone: str


MARKETPLACES: tuple[Marketplace, ...] = (
    Marketplace("amazon.com", "ATVPDKIKX0DER", "US", "en", "America/Los_Angeles"),
    Marketplace("amazon.ca", "A2EUQ1WTGCTBG2", "CA", "en", "America/Toronto"),
    Marketplace("amazon.com.mx", "A1AM78C64UM0Y8", "MX", "es", "America/Mexico_City"),
    Marketplace("amazon.com.br", "A2Q3Y263D00KWC", "BR", "pt", "America/Sao_Paulo"),
    Marketplace("amazon.co.uk", "A1F83G8C2ARO7P", "GB", "en", "Europe/London"),
    Marketplace("amazon.de", "A1PA6795UKMFR9", "DE", "de", "Europe/Berlin"),
    Marketplace("amazon.fr", "A13V1IB3VIYZZH", "FR", "fr", "Europe/Paris"),
    Marketplace("amazon.it", "APJ6JRA9NG5V4", "IT", "it", "Europe/Rome"),
    Marketplace("amazon.es", "A1RKKUPIHCS9HS", "ES", "es", "Europe/Madrid"),
    Marketplace("amazon.nl", "A1805IZSGTT6HS", "NL", "nl", "Europe/Amsterdam"),
    Marketplace("amazon.se", "A2NODRKZP88ZB9", "SE", "sv", "Europe/Stockholm"),
    Marketplace("amazon.pl", "A1C3SOZRARQ6R3", "PL", "pl", "Europe/Warsaw"),
    Marketplace("amazon.com.tr", "A33AVAJ2PDY3EV", "TR", "tr", "Europe/Istanbul"),
    Marketplace("amazon.com.be", "AMEN7PMS3EDWL", "BE", "fr", "Europe/Brussels"),
    Marketplace("amazon.ie", "A28R8C7NBKEWEA", "IE", "en", "Europe/Dublin"),
    Marketplace("amazon.ae", "A2VIGQ35RCS4UG", "AE", "en", "Asia/Dubai"),
    Marketplace("amazon.sa", "A17E79C6D8DWNP", "SA", "ar", "Asia/Riyadh"),
    Marketplace("amazon.eg", "ARBP9OOSHTCHU", "EG", "ar", "Africa/Cairo"),
    Marketplace("amazon.in", "A21TJRUUN4KGV", "IN", "en", "Asia/Kolkata"),
    Marketplace("amazon.co.jp", "A1VC38T7YXB528", "JP", "ja", "Asia/Tokyo"),
    Marketplace("amazon.sg", "A19VAU5U5O7RUS", "SG", "en", "Asia/Singapore"),
    Marketplace("amazon.com.au", "A39IBJ37TRP1C6", "AU", "en", "Australia/Sydney"),
    Marketplace("amazon.co.za", "AE08WJ6YKNBMC", "ZA", "en", "Africa/Johannesburg"),
)

_BY_KEY: dict[str, Marketplace] = {}
for _m in MARKETPLACES:
    _BY_KEY[_m.domain] = _m
    _BY_KEY["www." + _m.domain] = _m
    _BY_KEY[_m.marketplace_id.lower()] = _m

#: Registrable domains a link may point to (https only). Judged by registrable domain, so
#: ``amazon.de.evil.com`` never matches.
AMAZON_DOMAINS: frozenset[str] = frozenset(m.domain for m in MARKETPLACES)


#: The home marketplace of each language, for judging a text that has no order of its own (a KB
#: template, a corpus case): es is amazon.es, not amazon.com.mx, the first to speak it above.
HOME_MARKETPLACE: Mapping[str, str] = MappingProxyType(
    {
        "en": "amazon.com",
        "de": "amazon.de",
        "fr": "amazon.fr",
        "es": "amazon.es",
        "it": "amazon.it",
        "ja": "amazon.co.jp",
        "nl": "amazon.nl",
        "pl": "amazon.pl",
        "sv": "amazon.se",
        "tr": "amazon.com.tr",
    }
)


def lookup(value: str) -> Marketplace | None:
    """The marketplace for a domain (``amazon.de``, ``www.amazon.de``) or an id, else None."""
    return _BY_KEY.get(value.strip().lower())


def resolve(value: str) -> Marketplace:
    """Like :func:`lookup` but raises ``ValueError`` naming the accepted forms."""
    found = lookup(value)
    if found is None:
        raise ValueError(
            f"unknown marketplace {value!r}: use a domain such as 'amazon.de' "
            "or a marketplace id such as 'A1PA6795UKMFR9'"
        )
    return found
