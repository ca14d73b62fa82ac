"""One call for every renderer: builtin (differentiable), reference (resvg), diffvg.

``render_document(doc, …)`` returns an ``(H, W, 4)`` float32 tensor, straight alpha in
[0, 1]. The builtin renderer keeps the autograd graph when the scene's tensors require
gradients; use :func:`vecedit.scene.from_document` + :func:`render_scene` for that.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import torch

from vecedit.errors import OptionError
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg.model import Document

RENDERERS = ("builtin", "reference", "diffvg")


def render_document(
    doc: Document,
    width: Optional[int] = None,
    height: Optional[int] = None,
    background: Optional[Sequence[float]] = None,
    renderer: str = "builtin",
    device: Union[str, torch.device] = "cpu",
) -> torch.Tensor:
    """Render ``doc`` at ``width``×``height`` pixels (default: the document's size).

    ``background`` is an RGB(A) tuple in [0, 1] composited under the drawing.
    """
    if renderer == "builtin":
        scene = from_document(doc, width, height, device=device)
        with torch.no_grad():
            return render_scene(scene, background=background)
    if renderer == "reference":
        from vecedit.render.reference import render_reference
        from vecedit.svg import dumps_svg

        w, h = from_document_size(doc, width, height)
        bg = None if background is None else tuple(float(c) for c in background)
        image = render_reference(dumps_svg(doc), width=w, height=h, background=bg)
        return torch.from_numpy(np.ascontiguousarray(image)).to(device)
    if renderer == "diffvg":
        from vecedit.render.diffvg_backend import render_diffvg

        return render_diffvg(doc, width, height, background, device)
    raise OptionError(f"unknown renderer {renderer!r}; choose one of {', '.join(RENDERERS)}")


def from_document_size(doc: Document, width: Optional[int], height: Optional[int]) -> tuple[int, int]:
    from vecedit.scene import output_size

    return output_size(doc, width, height)
