"""Built model files shipped with the code (service/data/, guardrails/data/), each with a manifest
beside it.

A manifest (`<name>.json`) records the file's sha256, its format version and a digest of the
example files it was built from. Loading refuses a file whose bytes or format do not match its
manifest (a half-copied file, a file from another build, a newer layout) rather than answer
from it, and warns when the examples changed since the build: the model still works, it just
has not learnt the edits yet.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)


class ArtifactError(RuntimeError):
    """A shipped model file that cannot be trusted: missing, altered, or of another format."""


def manifest_path(artifact: Path) -> Path:
    return artifact.with_suffix(".json")


def write_npz(path: Path, arrays: Mapping[str, npt.ArrayLike]) -> None:
    """A compressed .npz without pickles. np.savez stamps the time into the archive; a fixed
    stamp makes the same arrays the same bytes, so a rebuild that changes nothing is no diff."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def write_manifest(
    artifact: Path, *, format_version: int, examples_sha256: str, rebuild: str
) -> dict[str, Any]:
    """Record the built file's hash next to it; call after the file is written."""
    content = artifact.read_bytes()
    manifest: dict[str, Any] = {
        "artifact": artifact.name,
        "format": format_version,
        "sha256": hashlib.sha256(content).hexdigest(),
        "bytes": len(content),
        "examples_sha256": examples_sha256,
        "rebuild": rebuild,
    }
    manifest_path(artifact).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(artifact: Path, *, rebuild: str) -> dict[str, Any]:
    path = manifest_path(artifact)
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        message = f"{path} is missing: rebuild {artifact.name} with `{rebuild}`"
        raise ArtifactError(message) from None
    return manifest


def read_checked(
    artifact: Path, *, format_version: int, rebuild: str
) -> tuple[bytes, dict[str, Any]]:
    """The artifact's bytes and its manifest, once the bytes match its sha256 and format."""
    manifest = read_manifest(artifact, rebuild=rebuild)
    if manifest.get("format") != format_version:
        raise ArtifactError(
            f"{artifact.name} has format {manifest.get('format')!r}, this code reads "
            f"{format_version}: rebuild it with `{rebuild}`"
        )
    try:
        content = artifact.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"{artifact} is missing: build it with `{rebuild}`") from None
    found = hashlib.sha256(content).hexdigest()
    if found != manifest.get("sha256"):
        raise ArtifactError(
            f"{artifact} does not match {manifest_path(artifact).name} (sha256 {found[:12]}…, "
            f"recorded {str(manifest.get('sha256'))[:12]}…): the file was altered or only "
            f"partly copied; rebuild it with `{rebuild}`"
        )
    return content, manifest


def is_current(manifest: Mapping[str, Any], examples_sha256: str) -> bool:
    """False, with a warning saying how to rebuild, when the examples changed since the build."""
    recorded = manifest.get("examples_sha256")
    if recorded == examples_sha256:
        return True
    log.warning(
        "%s was built from other example files than those on disk (examples sha256 %s…, "
        "recorded %s…): it answers from the old examples until you run `%s`",
        manifest.get("artifact"),
        examples_sha256[:12],
        str(recorded)[:12],
        manifest.get("rebuild"),
    )
    return False
