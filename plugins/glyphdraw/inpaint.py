"""An optional raster target from a local Stable Diffusion inpainting model (diffusers), glyph-masked.

GlyphDraw fine-tunes Stable Diffusion to take the glyph image and the position mask as
extra UNet inputs. A stock inpainting UNet already takes two such inputs — the mask and
the masked image — so here the render *with the inserted glyphs* is the init image and
the position mask is the inpainting mask: with ``strength`` < 1 the denoising starts
from the noised glyphs, keeping their layout, and repaints only inside the mask. The
work is done on a crop around the mask at ``size`` pixels (SD's native scale), pasted
back into the render; the edit loop then pulls the glyphs toward it with an image loss
weighted by the same mask.

diffusers and transformers are imported only here, only when a model is given
(``pip install 'vecedit[diffusion]'``).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Optional

import numpy as np

from vecedit.errors import InputError, OptionError

_PIPELINES: dict = {}
WHAT = ("the folder of a diffusers Stable Diffusion inpainting model (model_index.json and a unet/ whose "
        "config has in_channels 9, e.g. a local copy of stable-diffusion-2-inpainting)")


def check_model_folder(path) -> Path:
    """Refuse, before importing diffusers, anything that is not an inpainting pipeline folder."""
    folder = Path(str(path)).expanduser()
    if not folder.exists():
        raise InputError(f"sd_model {path}: no such folder; give {WHAT}")
    if not folder.is_dir():
        raise InputError(f"sd_model {path}: is a file, not a model folder; give {WHAT} (single-file checkpoints "
                         "must be converted with diffusers first)")
    index = _json(folder / "model_index.json", path)
    if index is None:
        raise InputError(f"sd_model {path}: not a diffusers model folder (no model_index.json); give {WHAT}")
    kind = index.get("_class_name", "a pipeline")
    unet = _json(folder / "unet" / "config.json", path) if "unet" in index else None
    if unet is None:
        raise InputError(f"sd_model {path}: {kind} has no UNet; give {WHAT}")
    channels = unet.get("in_channels")
    if channels != 9:
        raise InputError(f"sd_model {path}: {kind} with a {channels}-channel UNet is a text-to-image model, not an "
                         f"inpainting one (9 channels: latents, mask, masked image); give {WHAT}")
    return folder


def _json(file: Path, given) -> Optional[dict]:
    if not file.is_file():
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"sd_model {given}: cannot read {file.name} ({error}); the model folder is damaged") from None
    if not isinstance(data, dict):
        raise InputError(f"sd_model {given}: {file.name} is not a JSON object; the model folder is damaged")
    return data


@contextlib.contextmanager
def _quiet():
    """diffusers/transformers at error level and without progress bars while loading, then as they were."""
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    libraries = (dlog, tlog)
    saved = [(lib.get_verbosity(), lib.is_progress_bar_enabled()) for lib in libraries]
    for lib in libraries:
        lib.set_verbosity_error()
        lib.disable_progress_bar()
    try:
        yield
    finally:
        for lib, (level, bars) in zip(libraries, saved):
            lib.set_verbosity(level)
            if bars:
                lib.enable_progress_bar()


def load_pipeline(path, device: str):
    """The inpainting pipeline in ``path`` on ``device`` (loaded once per process)."""
    folder = check_model_folder(path)
    key = (str(folder.resolve()), device)
    if key in _PIPELINES:
        return _PIPELINES[key]
    try:
        import torch
        from diffusers import StableDiffusionInpaintPipeline
    except ImportError:
        raise InputError("sd_model needs diffusers and transformers: pip install 'vecedit[diffusion]'") from None
    try:
        with _quiet():
            pipe = StableDiffusionInpaintPipeline.from_pretrained(str(folder), local_files_only=True)
    except Exception as error:  # diffusers raises many kinds for a broken folder; one line says which
        what = " ".join(str(error).split())[:200] or type(error).__name__
        raise InputError(f"sd_model {path}: cannot load it as a diffusers inpainting pipeline ({what})") from None
    with _quiet():
        pipe = pipe.to(device, torch.float16) if device.startswith("cuda") else pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    _PIPELINES[key] = pipe
    return pipe


def crop_around(mask: np.ndarray, context: float = 0.5) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1 of the mask's bounds grown by ``context`` × their size on every side (in the canvas)."""
    from vecedit.plugins.glyphdraw.placement import mask_bounds

    height, width = mask.shape
    x0, y0, x1, y1 = mask_bounds(mask)
    grow = context * max(x1 - x0, y1 - y0)
    return (max(0, int(x0 - grow)), max(0, int(y0 - grow)), min(width, int(np.ceil(x1 + grow))),
            min(height, int(np.ceil(y1 + grow))))


def sd_shape(width: int, height: int, size: int) -> tuple[int, int]:
    """Width, height with the longest side ``size``, both multiples of 8 (what SD's VAE and UNet take)."""
    scale = size / max(width, height)
    return max(8, int(round(width * scale / 8)) * 8), max(8, int(round(height * scale / 8)) * 8)


def inpaint_target(model, image: np.ndarray, mask: np.ndarray, prompt: str, *, steps: int = 30,
                   strength: float = 0.8, guidance: float = 7.5, seed: int = 0, size: int = 512,
                   device: str = "cpu") -> np.ndarray:
    """``image`` (H, W, 3) in [0, 1] with the area under ``mask`` (H, W) repainted toward ``prompt``.

    ``model`` is a model folder or a loaded pipeline. Returns (H, W, 3) float32; outside the
    crop around the mask it is ``image`` itself.
    """
    import torch
    from PIL import Image

    if not prompt or not str(prompt).strip():
        raise OptionError("sd_model needs a prompt: give -p PROMPT (what the inserted text should look like)")
    if not (mask > 0).any():
        raise OptionError("the position mask is empty; nothing to inpaint")
    pipe = load_pipeline(model, device) if isinstance(model, (str, Path)) else model
    x0, y0, x1, y1 = crop_around(mask)
    sw, sh = sd_shape(x1 - x0, y1 - y0, size)
    crop = Image.fromarray(_uint8(image[y0:y1, x0:x1])).resize((sw, sh), Image.BICUBIC)
    hole = Image.fromarray(_uint8(mask[y0:y1, x0:x1])).resize((sw, sh), Image.BILINEAR)
    with torch.no_grad():
        result = pipe(prompt=str(prompt), image=crop, mask_image=hole, height=sh, width=sw,
                      num_inference_steps=int(steps), strength=float(strength), guidance_scale=float(guidance),
                      generator=torch.Generator("cpu").manual_seed(int(seed)), output_type="np").images[0]
    painted = Image.fromarray(_uint8(result)).resize((x1 - x0, y1 - y0), Image.BICUBIC)
    target = np.array(image[..., :3], dtype=np.float32, copy=True)
    target[y0:y1, x0:x1] = np.asarray(painted, dtype=np.float32) / 255
    return target


def _uint8(array: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(array, dtype=np.float64) * 255), 0, 255).astype(np.uint8)


__all__ = ["check_model_folder", "load_pipeline", "inpaint_target", "crop_around", "sd_shape"]
