"""Colour-only optimisation toward a text prompt (``vecedit recolor --prompt``).

The edit loop of :mod:`vecedit.edit.loop` with only colour parameters trainable
(``optimize="color"``: fill and stroke RGBA, gradient stop colours; stop offsets are
frozen too) at CLIPVG's recolouring learning rate 0.02. Points are never handed to the
optimiser, so every shape is written back bit-identical. This module imports PyTorch;
the palette and map modes never import it.
"""

from __future__ import annotations

from typing import Sequence

from vecedit.errors import OptionError
from vecedit.recolor.palette import RecolorResult, hex_of, inventory
from vecedit.svg.model import Document

DEFAULT_COLOR_LR = 0.02


def recolor_prompt(doc: Document, prompt: str, *, iterations: int = 150, seed: int = 0,
                   lr_color: float = DEFAULT_COLOR_LR, encoder=None, clip=None, callbacks: Sequence = (),
                   progress: bool = False, **options) -> RecolorResult:
    """Recolour ``doc`` in place toward ``prompt``; return old → new colours (a colour may split in several).

    ``clip`` is a :class:`~vecedit.edit.config.ClipConfig` or a dict of its fields
    (``model``, ``pretrained``, ``checkpoint``); ``encoder`` any object of the
    :class:`~vecedit.losses.encoders.Encoder` protocol (wins over ``clip``). Other keyword
    arguments are :class:`~vecedit.edit.config.EditConfig` fields (``patches``, ``device``…).
    """
    from vecedit.edit.config import ClipConfig, LearningRates
    from vecedit.edit.loop import edit

    if not isinstance(prompt, str) or not prompt.strip():
        raise OptionError("the prompt is empty; give the colours' theme, e.g. --prompt 'autumn leaves'")
    if not lr_color > 0:
        raise OptionError(f"--lr-color must be > 0, got {lr_color}")
    for name in ("optimize", "lr", "select"):
        if name in options:
            raise OptionError(f"{name} is fixed in recolour mode (colours only)")
    before = inventory(doc, neighbours=False)
    old = [(u.owner, u.kind, u.index, u.key) for u in before.uses]
    if isinstance(clip, dict):
        clip = ClipConfig(**clip)
    extra = {"clip": clip} if clip is not None else {}
    edit(doc, prompts=prompt.strip(), optimize="color", iterations=iterations, seed=seed, callbacks=callbacks,
         encoder=encoder, progress=progress, lr=LearningRates(shape=0.0, color=float(lr_color), stroke_width=0.0,
                                                              opacity=0.0, stops=0.0), **extra, **options)
    after = {(id(u.owner), u.kind, u.index): u.key for u in inventory(doc, neighbours=False).uses}
    pairs: dict[str, set] = {}
    paints = 0
    for owner, kind, index, key in old:
        new = after.get((id(owner), kind, index), key)
        if new != key:
            paints += 1
            pairs.setdefault(hex_of(key), set()).add(hex_of(new))
    mapping = {a: (sorted(b)[0] if len(b) == 1 else sorted(b)) for a, b in sorted(pairs.items())}
    return RecolorResult(mapping=mapping, paints=paints, colors=len(before.keys))


__all__ = ["recolor_prompt", "DEFAULT_COLOR_LR"]
