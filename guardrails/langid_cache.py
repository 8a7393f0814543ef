"""py3langid's model, restricted to our languages and kept on disk in a form that loads at once.

py3langid ships one LZMA-compressed npz (4.5 MB, 68 MB unpacked): decompressing it costs about
0.7 s, more than a whole ``replydesk check`` may take. The first load here unpacks it as
py3langid does, restricts it to the marketplace languages exactly as ``set_languages`` does,
and writes the arrays uncompressed to a cache directory; later processes map the 39 MB state
table from that file (only the pages a text visits are read) and read the rest (3 MB).

The arrays are the ones py3langid would hold, byte for byte, and classification is py3langid's
own code on them, so verdicts and probabilities are identical (tests/guardrails/test_language.py
compares both). The cache is keyed by the size and time of py3langid's model file and code
and by the language list; it is written atomically, and a read-only or missing home only means
every process takes the slow path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

FORMAT = 1  # bump when the layout below changes


def cache_dir() -> Path:
    """``$REPLYDESK_CACHE_DIR``, else ``$XDG_CACHE_HOME/replydesk``, else ``~/.cache/replydesk``."""
    explicit = os.environ.get("REPLYDESK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "replydesk"


def _key(languages: Sequence[str]) -> str:
    # The model file and the code that reads it (a new py3langid replaces both); file stats,
    # not importlib.metadata, which costs more than the cached load itself.
    sources = [MODEL_DIR / MODEL_FILE, MODEL_DIR / "langid.py", MODEL_DIR / "modelio.py"]
    stats = [(s.stat().st_size, s.stat().st_mtime_ns) for s in sources]
    raw = f"{FORMAT}|{stats}|{','.join(languages)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _read(path: Path) -> LanguageIdentifier:
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    with (path / "nextmove.bin").open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    nextmove = memoryview(mapped).cast(meta["nextmove"])
    row = array(meta["row"])
    row.frombytes((path / "row.bin").read_bytes())
    output = array("i")
    output.frombytes((path / "output.bin").read_bytes())
    ptc = np.load(path / "ptc.npy", allow_pickle=False)
    pc = np.load(path / "pc.npy", allow_pickle=False)
    classes = meta["classes"]
    if len(row) != len(output) or ptc.shape != (meta["features"], len(classes)):
        raise ValueError(f"{path}: incomplete language-model cache")
    # py3langid keeps each state's row offset, shifted, in a list of 104,583 ints (4 MB of a
    # serving process's heap); the same numbers in an array take 0.4 MB and index the same.
    # (tests/guardrails/test_language.py holds the verdicts to py3langid's own.)
    identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=[])
    if not isinstance(getattr(identifier, "_rowbase", None), list):  # a py3langid of another make
        return LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    shifted = np.frombuffer(row, dtype=f"u{row.itemsize}").astype(np.uint32) << 8
    identifier.tk_row, identifier._rowbase = row, array("I", shifted.tobytes())
    return identifier


def _write(path: Path, identifier: LanguageIdentifier) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
    try:
        nextmove, row = identifier.tk_nextmove, identifier.tk_row
        (tmp / "nextmove.bin").write_bytes(nextmove.tobytes())
        (tmp / "row.bin").write_bytes(row.tobytes())
        (tmp / "output.bin").write_bytes(array("i", identifier.tk_output).tobytes())
        np.save(tmp / "ptc.npy", identifier.nb_ptc, allow_pickle=False)
        np.save(tmp / "pc.npy", identifier.nb_pc, allow_pickle=False)
        meta = {
            "nextmove": nextmove.typecode,
            "row": row.typecode,
            "classes": list(identifier.nb_classes),
            "features": int(identifier.nb_ptc.shape[0]),
        }
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        os.rename(tmp, path)  # atomic; another process may have won the race, which is fine
    except OSError:
        for child in tmp.iterdir():
            child.unlink()
        tmp.rmdir()
        if not path.is_dir():
            raise


def load(languages: Sequence[str]) -> LanguageIdentifier:
    """py3langid's identifier restricted to ``languages``, with normalised probabilities."""
    try:
        path: Path | None = cache_dir() / f"langid-{_key(languages)}"
    except (OSError, RuntimeError):  # no home directory to be found: no cache
        path = None
    if path is not None:
        try:
            return _read(path)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache yet (or a broken one): take the slow path and write it
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only home: every process takes the slow path
            _write(path, identifier)
    return identifier
