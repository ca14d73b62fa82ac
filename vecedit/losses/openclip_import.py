"""Importing open_clip without the optional libraries an architecture does not use.

``import open_clip`` imports Hugging Face ``transformers`` and ``timm`` when they are
installed, for the architectures whose text or image tower comes from them: about one CPU
second of a start-up budget of five, spent on every run of a plain CLIP (ViT-B/32). open_clip
already treats both as optional (``transformers = None`` when absent), so
:func:`import_open_clip` hides the ones the requested architecture's config does not name
while open_clip is first imported. When a later architecture in the same process does need
one, the open_clip module that wraps it is imported again, this time with the library.

open_clip also imports ``torchvision`` (for its training transforms and a frozen batch norm),
whose ``models`` and ``ops`` packages import ``torch._dynamo``: 2.5 of the 3 CPU seconds of
torchvision, for nothing an encoder uses. Those two packages are registered *deferred*
(:func:`_deferring`): their ``__init__`` runs at the first attribute looked up on them, so the
submodules open_clip imports (``torchvision.ops.misc``) load alone and ``torchvision.ops.nms``
or ``torchvision.models.resnet18`` still work later in the process.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

OPTIONAL = {"transformers": "open_clip.hf_model", "timm": "open_clip.timm_model"}
DEFERRED = ("torchvision.models", "torchvision.ops")


def needed_libraries(model: Optional[str]) -> Optional[set[str]]:
    """The optional libraries ``model`` (an open_clip name or JSON config path) uses, read from
    its config without importing open_clip; None when its config cannot be found and read."""
    if model is None:
        return None
    path = Path(model) if model.endswith(".json") else _bundled_config(model)
    try:
        config = json.loads(path.read_text()) if path is not None else None
    except (OSError, ValueError, RecursionError):  # load_clip says what is wrong with the file
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
            _deferring(DEFERRED)
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


def _deferring(packages: tuple[str, ...]) -> None:
    """Register each of ``packages`` (subpackages of one top-level package not imported yet)
    without running its ``__init__``: that runs when an attribute it lacks is first looked up.
    Importing one of its submodules needs only ``__path__``, which it has."""
    root = packages[0].split(".")[0]
    spec = importlib.util.find_spec(root) if root not in sys.modules else None
    if spec is None or spec.submodule_search_locations is None:
        return
    for name in packages:
        found = importlib.machinery.PathFinder.find_spec(name, spec.submodule_search_locations)
        if found is not None and name not in sys.modules:
            sys.modules[name] = _deferred_package(found)


def _deferred_package(spec):
    package = importlib.util.module_from_spec(spec)

    def complete(attribute: str):  # the module's __getattr__ (PEP 562), called once: runs its __init__
        del package.__getattr__
        spec.loader.exec_module(package)
        return getattr(package, attribute)

    package.__getattr__ = complete
    return package


__all__ = ["import_open_clip", "needed_libraries"]
