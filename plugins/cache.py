"""Parley's file cache, shared by every package: derived model files (a GGUF converted to
safetensors, an encoder exported to ONNX, an unpacked adapter) kept under
``$PARLEY_CACHE`` (default ``~/.cache/parley``) by the digest of what they came from."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV = "PARLEY_CACHE"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "parley")


def file_digest(path: Path) -> str:
    """The first 32 hex digits of the file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()[:32]
