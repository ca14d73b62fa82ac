"""Text features kept on disk between runs: a prompt's template ensemble is encoded once per model.

Encoding one prompt through CLIP's 80 ImageNet templates is the largest piece of an edit's
start-up on a CPU (seconds), and it gives the same numbers every time for the same model,
weights, text and templates. So :func:`cached` stores the ``(D,)`` result in the user's cache
folder and reads it back next time.

* Where: ``$VECEDIT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/vecedit`` (default
  ``~/.cache/vecedit``), under ``text-features/``. ``VECEDIT_CACHE_DIR=""`` turns it off.
* Key: the encoder's ``cache_identity`` (architecture, weights file path, size, modification
  time and a digest of its first and last MiB — or the pretrained tag —, device type, weights
  dtype, torch and open_clip versions), the text and the template list. The full key is
  stored inside the entry and compared on reading, so a hash collision cannot return
  another prompt's features.
* Writes are atomic (a temporary file renamed over the entry); an entry that cannot be read,
  holds another key, or has the wrong shape or non-finite numbers is ignored and rewritten.
  A cache folder that cannot be written costs the write, never the run.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch

SAMPLE = 1 << 20  # bytes of a weights file's head and tail that enter its identity


def cache_root() -> Optional[Path]:
    """The folder of vecedit's caches, or None when turned off (``VECEDIT_CACHE_DIR=""``)."""
    explicit = os.environ.get("VECEDIT_CACHE_DIR")
    if explicit is not None:
        return Path(explicit).expanduser() if explicit.strip() else None
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "vecedit"


def file_identity(path: str) -> str:
    """``path``'s resolved name, size, mtime and a digest of its first and last MiB (cheap
    for a 600 MB weights file; a rewritten file changes its mtime or its bytes there)."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    digest = hashlib.sha256()
    with open(resolved, "rb") as handle:
        digest.update(handle.read(SAMPLE))
        if stat.st_size > 2 * SAMPLE:
            handle.seek(-SAMPLE, os.SEEK_END)
            digest.update(handle.read(SAMPLE))
    return f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}|{digest.hexdigest()[:16]}"


def entry_key(identity: str, text: str, templates: Sequence[str]) -> str:
    return "\n".join([identity, text, *templates])


def cached(identity: Optional[str], text: str, templates: Sequence[str],
           compute: Callable[[], torch.Tensor]) -> torch.Tensor:
    """``compute()`` (a ``(D,)`` float tensor), read from or written to the cache when
    ``identity`` is known and the cache is on; the result is on the CPU when it was read."""
    root = cache_root()
    if identity is None or root is None:
        return compute()
    key = entry_key(identity, text, templates)
    path = root / "text-features" / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".npz")
    found = _read(path, key)
    if found is not None:
        return torch.from_numpy(found)
    features = compute()
    _write(path, key, features.detach().float().cpu().numpy())
    return features


def _read(path: Path, key: str) -> Optional[np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as entry:
            stored_key, features = str(entry["key"]), np.array(entry["features"], dtype=np.float32)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # absent, truncated, not an npz
        return None
    if stored_key != key or features.ndim != 1 or not features.size or not np.isfinite(features).all():
        return None
    return features


def _write(path: Path, key: str, features: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, key=np.array(key), features=features)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(buffer.getvalue())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:  # a read-only or full cache folder: the run goes on without the entry
        pass


__all__ = ["cache_root", "cached", "entry_key", "file_identity"]
