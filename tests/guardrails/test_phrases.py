"""The lexicon files: schema validation and the phrase syntax ops write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardrails import phrases
from guardrails.phrase_engine import PhraseMatcher
from guardrails.phrase_syntax import phrase_regex
from guardrails.phrases import LexiconError, load, parse, validate
from guardrails.textnorm import fold


def test_shipped_lexicons_load_and_cover_the_six_languages() -> None:
    lexicons = load(phrases.LEXICON_DIR)
    assert {"en", "de", "fr", "es", "it", "ja"} <= set(lexicons)
    for language in ("en", "de", "fr", "es", "it", "ja"):
        (label,) = phrases.get(language, "order_id", "label")
        assert "{order_id}" in label
    assert phrases.categories("en", "marketing")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"marketin": {"x": ["a"]}}, "unknown rule family"),
        ({"contacts": {"phone": ["tel"]}}, "unknown category"),
        ({"marketing": {"Bad-Name": ["a"]}}, "bad category name"),
        ({"marketing": {"coupon": []}}, "non-empty list"),
        ({"marketing": {"coupon": ["coupon", "Coupon"]}}, "duplicate"),
        ({"marketing": {"coupon": [True]}}, "non-empty string"),
        ({"order_id": {"label": "Order {id}"}}, "order_id"),
        (["not", "a", "mapping"], "mapping"),
    ],
)
def test_invalid_lexicons_are_rejected(data: object, error: str) -> None:
    with pytest.raises(LexiconError, match=error):
        parse(data, where="xx.yaml")


def test_unquoted_yaml_booleans_are_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare `on` as True: the validator must say so instead of dropping it.
    (tmp_path / "en.yaml").write_text("contacts:\n  prepositions: [at, on]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="True"):
        load(tmp_path)


def test_shipped_phrases_all_compile() -> None:
    phrases.validate_all()


@pytest.mark.parametrize(
    ("phrase", "error"),
    [
        ("leave us ~", "gap ~ must stand between two words"),
        ("~ review", "gap ~ must stand between two words"),
        ("...", "must start with a word or a number"),
    ],
)
def test_a_broken_phrase_is_reported_with_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, phrase: str, error: str
) -> None:
    # Phrases are no longer compiled at import: the check runs when a language's automaton is
    # built and in validate / validate_all, and must still name the file and the key.
    (tmp_path / "en.yaml").write_text(yaml.safe_dump({"marketing": {"coupon": ["coupon*"]}}))
    (tmp_path / "de.yaml").write_text(
        yaml.safe_dump({"review_solicitation": {"request": ["bewertung*", phrase]}})
    )
    lexicons = load(tmp_path)  # the schema is fine
    with pytest.raises(LexiconError, match=re.escape("de.yaml.review_solicitation.request")) as exc:
        validate(lexicons)
    assert error in str(exc.value) and repr(phrase) in str(exc.value)
    # The first check in German builds the German automaton, which refuses the file as loudly.
    monkeypatch.setattr(phrases, "LEXICONS", lexicons)
    monkeypatch.setattr(phrases, "_BUILT", {})
    phrases.automaton("en")  # English alone is fine
    with pytest.raises(LexiconError, match=re.escape("de.yaml.review_solicitation.request")):
        phrases.automaton("de")


def test_files_need_language_names_and_english(tmp_path: Path) -> None:
    (tmp_path / "german.yaml").write_text(yaml.safe_dump({"marketing": {"x": ["y"]}}))
    with pytest.raises(LexiconError, match="language code"):
        load(tmp_path)
    (tmp_path / "german.yaml").unlink()
    (tmp_path / "de.yaml").write_text(yaml.safe_dump({"marketing": {"x": ["y"]}}))
    with pytest.raises(LexiconError, match=r"en\.yaml"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("phrase", "hits", "misses"),
    [
        ("#% off", ["20% off", "20 % OFF", "12,5% off"], ["20% partial refund", "20 offers"]),
        ("coupon*", ["coupon", "Coupons"], ["recoupon"]),
        ("our sale", ["our  sale", "OUR\nSALE"], ["our wholesale", "our sales"]),
        ("use code", ["Use code"], ["reuse code", "use codes"]),
    ],
)
def test_phrase_syntax(phrase: str, hits: list[str], misses: list[str]) -> None:
    pattern = re.compile(phrase_regex(phrase))
    for text in hits:
        assert pattern.search(fold(text).text), text
    for text in misses:
        assert not pattern.search(fold(text).text), text


def test_matcher_reports_category_and_original_offsets() -> None:
    matcher = PhraseMatcher({"coupon": ["coupon code"], "sale": ["big sale"]})
    text = "Ａ ＣＯＵＰＯＮ code and a Big Sale"
    folded = fold(text)
    found = [(folded.span(s, e), cat) for s, e, cat in matcher.finditer(folded.text)]
    assert [(text[s:e], cat) for (s, e), cat in found] == [
        ("ＣＯＵＰＯＮ code", "coupon"),
        ("Big Sale", "sale"),
    ]


def test_folding_keeps_offsets_for_expanding_characters() -> None:
    text = "Straße ﬁnal"
    folded = fold(text)
    assert folded.text == "strasse final"
    start = folded.text.index("final")
    assert folded.span(start, start + 5) == (7, 11)
    assert text[7:11] == "ﬁnal"


def test_automata_are_built_once_and_shared_by_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(phrases, "_BUILT", {})
    with ThreadPoolExecutor(8) as pool:
        built = list(pool.map(lambda _: phrases.automaton("fr"), range(16)))
    assert all(a is built[0] for a in built)
    assert phrases.automaton("xx") is phrases.automaton("en")  # no file: English
    text = "Profitez de 20 % de réduction avec le code PROMO"
    with ThreadPoolExecutor(8) as pool:
        hits = list(pool.map(lambda _: phrases.find("marketing", text, "fr"), range(16)))
    assert hits[0] and all(h == hits[0] for h in hits)


def test_a_languages_listed_profanity_joins_its_unprofessional_family(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("unprofessional:\n  insults: [idiot*]\n", encoding="utf-8")
    (tmp_path / "profanity").mkdir()
    (tmp_path / "profanity" / "en.txt").write_text("shit\n\nIdiot*\nshit\ntwat\n", "utf-8")
    family = load(tmp_path)["en"]["unprofessional"]
    # Blank lines and repeats go; a word the file's own categories hold stays with them.
    assert family["listed"] == ("shit", "twat")
    assert family["insults"] == ("idiot*",)


def test_the_shipped_profanity_lists_carry_their_licence() -> None:
    folder = phrases.LEXICON_DIR / phrases.PROFANITY
    assert (folder / "LICENSE").read_text(encoding="utf-8").startswith("Attribution 4.0")
    assert "LDNOOBW" in (folder / "README.md").read_text(encoding="utf-8")
    for language in ("en", "de", "fr", "es", "it", "ja"):
        assert phrases.get(language, "unprofessional", "listed")


NUMBER_TEXTS = [
    "5 stars, 4,5 stars, 4.5-star, 1.000,50 €, 10 %off, 3x5 star, 12\n\n star, a5 stars, _5 stars",
    "2000円 5つ星 30%オフ 注文5つ星 ３０％オフ １０００円 x12,5€ 12,. star 7.  %",
    "١٢ stars ٥-star 12345678901234567890 euros 99,99eur 5 dollars 20% off 20%",
]


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_number_starts_found_from_the_heads_match_the_regex(language: str) -> None:
    """The number phrases' starts read backwards from their heads (str.find) are the starts
    the look-ahead regex finds, wherever some number phrase matches."""
    from guardrails.phrase_engine import _numbers_before
    from guardrails.phrase_table import NUMBER

    automaton = phrases.automaton(language)
    regex = automaton._number_starts()
    heads = automaton._number_heads()
    assert heads, "every shipped number phrase goes on with literal text"
    any_number = automaton._compile_any(NUMBER)
    for text in NUMBER_TEXTS:
        folded = fold(text).text
        for cut in range(0, len(folded), 7):  # every place a number or head may be cut off
            piece = folded[cut:]
            old = [m.start() for m in regex.finditer(piece) if any_number.match(piece, m.start())]
            new = sorted({s for head in heads for s in _numbers_before(piece, head)})
            assert [s for s in new if any_number.match(piece, s)] == old, piece
