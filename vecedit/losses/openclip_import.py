"""Importing open_clip without the optional libraries an architecture does not use.

``import open_clip`` imports Hugging Face ``transformers`` and ``timm`` when they are
installed, for the architectures whose text or image tower comes from them: about one CPU
second of a start-up budget of five, spent on every run of a plain CLIP (ViT-B/32). open_clip
already treats both as optional (``transformers = None`` when absent), so
:func:`import_open_clip` hides the ones the requested architecture's config does not name
while open_clip is first imported. When a later architecture in the same process does need
one, the open_clip module that wraps it is imported again, this time with the library.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

OPTIONAL = {"transformers": "open_clip.hf_model", "timm": "open_clip.timm_model"}


def needed_libraries(model: Optional[str]) -> Optional[set[str]]:
    """The optional libraries ``model`` (an open_clip name or JSON config path) uses, read from
    its config without importing open_clip; None when its config cannot be found and read."""
    if model is None:
        return None
    path = Path(model) if model.endswith(".json") else _bundled_config(model)
    try:
        config = json.loads(path.read_text()) if path is not None else None
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    text, vision = config.get("text_cfg") or {}, config.get("vision_cfg") or {}
    needed = set()
    if isinstance(text, dict) and text.get("hf_model_name"):
        needed.add("transformers")
    if isinstance(vision, dict) and vision.get("timm_model_name"):
        needed.add("timm")
    return needed


def _bundled_config(name: str) -> Optional[Path]:
    spec = importlib.util.find_spec("open_clip")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "model_configs" / f"{name}.json"
        if candidate.is_file():
            return candidate
    return None


def import_open_clip(model: Optional[str] = None):
    """``open_clip``, imported without the optional libraries ``model`` does not need (the first
    time), or with those it needs made available (later)."""
    needed = needed_libraries(model)
    if "open_clip" not in sys.modules:
        hidden = set(OPTIONAL) - needed if needed is not None else set()
        with _hiding(hidden):
            import open_clip
        return open_clip
    import open_clip

    for library in needed if needed is not None else OPTIONAL:
        wrapper = sys.modules.get(OPTIONAL[library])
        if wrapper is not None and getattr(wrapper, library, True) is None and importlib.util.find_spec(library):
            importlib.reload(wrapper)  # same module namespace: open_clip's classes see the library now
    return open_clip


@contextmanager
def _hiding(names: set[str]):
    """Context: ``import NAME`` raises ImportError for the ``names`` not imported yet."""
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


__all__ = ["import_open_clip", "needed_libraries"]
