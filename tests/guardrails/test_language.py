"""The cached language model answers exactly as py3langid's own packaged model does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from evals.guardrails import FRESH_DIR, load_corpus
from guardrails import langid_cache
from guardrails.language import DETECTABLE


def test_cached_model_gives_identical_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLYDESK_CACHE_DIR", str(tmp_path))
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(DETECTABLE))
    first = langid_cache.load(DETECTABLE)  # no cache yet: the slow path, which writes it
    (written,) = tmp_path.iterdir()
    assert (written / "nextmove.bin").stat().st_size > 0
    cached = langid_cache.load(DETECTABLE)  # read back from the files
    assert not isinstance(cached.tk_nextmove, type(first.tk_nextmove))  # really the mapped copy
    # The row offsets as 4-byte numbers, not a list of int objects (4 MB of a server's heap).
    assert sys.getsizeof(cached._rowbase) < 8 * len(cached.tk_row)  # a list's pointers alone
    texts = [case.text for case in [*load_corpus(), *load_corpus(FRESH_DIR)]]
    texts += ["", "ok", "12345", "ＡＢＣ", "😊", "HELLO THERE", "Danke!", "ありがとう"]
    for text in texts:
        assert cached.classify(text) == reference.classify(text), text
        assert first.classify(text) == reference.classify(text), text


def test_a_broken_cache_falls_back_to_the_packaged_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLYDESK_CACHE_DIR", str(tmp_path))
    langid_cache.load(("en", "de"))
    (written,) = tmp_path.iterdir()
    (written / "row.bin").write_bytes(b"\0")  # truncated
    identifier = langid_cache.load(("en", "de"))
    assert identifier.classify("Vielen Dank für Ihre Bestellung und Ihre Geduld")[0] == "de"


def test_no_home_directory_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("REPLYDESK_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    identifier = langid_cache.load(("en", "de"))
    assert identifier.classify("Vielen Dank für Ihre Bestellung und Ihre Geduld")[0] == "de"
