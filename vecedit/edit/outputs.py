"""What an edit run leaves behind besides the SVG: frames, an animation, an HTML report,
checkpoints. Each is a callback for :class:`vecedit.edit.loop.Editor` (``on_render``,
``on_step``, ``on_end``), so the loop knows nothing about files. Every file is written
atomically (temporary file in the same folder, then rename).
"""

from __future__ import annotations

import base64
import html
import importlib.util
import math
import os
import time
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from vecedit.errors import InputError, OptionError
from vecedit.paths import write_atomic, write_text_atomic

ANIMATION_SUFFIXES = (".gif", ".mp4")
MAX_ANIMATION_FRAMES = 100


def save_torch_atomic(path, data) -> Path:
    return write_atomic(path, lambda tmp: torch.save(data, tmp))


def to_uint8(image) -> np.ndarray:
    array = image.detach().cpu().float().numpy() if torch.is_tensor(image) else np.asarray(image, dtype=np.float32)
    return np.round(np.clip(np.nan_to_num(array), 0, 1) * 255).astype(np.uint8)


def check_animation_path(path: str) -> None:
    """Refuse, before any work, animation names that cannot be written."""
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise OptionError(f"--animation {path}: give a file name ending in .gif or .mp4")
    if suffix == ".mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        raise OptionError(f"--animation {path}: writing MP4 needs the imageio-ffmpeg package "
                          "(pip install imageio-ffmpeg); or ask for a .gif")


# ------------------------------------------------------------------------ frames


class FrameWriter:
    """Numbered ``frame-NNNN.svg`` + ``.png`` every ``every`` iterations, and the final state."""

    def __init__(self, folder: Union[str, os.PathLike], every: int):
        self.folder, self.every = Path(folder), int(every)
        self.written: list[Path] = []

    def on_start(self, state) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def on_render(self, state) -> None:
        if self.every > 0 and state.iteration % self.every == 0:
            self._write(state)

    def on_end(self, state) -> None:
        if self.every > 0 and (not self.written or self.written[-1].stem != f"frame-{state.iteration:04d}"):
            self._write(state)

    def _write(self, state) -> None:
        from vecedit.imageio import save_png
        from vecedit.svg import dumps_svg

        stem = self.folder / f"frame-{state.iteration:04d}"
        write_text_atomic(stem.with_suffix(".svg"), dumps_svg(state.editor.snapshot_document()))
        save_png(to_uint8(state.image), stem.with_suffix(".png"))
        self.written.append(stem)


class AnimationWriter:
    """Collects renders during the run and writes a GIF (Pillow) or an MP4 (imageio-ffmpeg)."""

    def __init__(self, path: Union[str, os.PathLike], iterations: int, every: int = 0, fps: int = 10):
        check_animation_path(str(path))
        self.path, self.fps = Path(path), fps
        self.every = every or max(1, math.ceil(iterations / MAX_ANIMATION_FRAMES))
        self.frames: list[np.ndarray] = []

    def on_render(self, state) -> None:
        if state.iteration % self.every == 0:
            self.frames.append(to_uint8(state.image))

    def on_end(self, state) -> None:
        self.frames.append(to_uint8(state.image))
        self.write()

    def write(self) -> None:
        frames = self.frames
        if self.path.suffix.lower() == ".gif":
            from PIL import Image

            images = [Image.fromarray(f) for f in frames]
            durations = [1000 // self.fps] * (len(images) - 1) + [1500]  # rest on the result
            write_atomic(self.path, lambda tmp: images[0].save(tmp, format="GIF", save_all=True,
                                                               append_images=images[1:], duration=durations, loop=0))
        else:
            import imageio.v2 as imageio

            def write(tmp: str) -> None:
                with imageio.get_writer(tmp, format="FFMPEG", fps=self.fps, codec="libx264", macro_block_size=2) as w:
                    for f in frames:
                        h, w_ = f.shape[0] // 2 * 2, f.shape[1] // 2 * 2
                        w.append_data(f[:h, :w_])

            write_atomic(self.path, write)


# ------------------------------------------------------------------------ checkpoints


class Checkpointer:
    """Saves :meth:`Editor.checkpoint` every ``every`` steps and when a run is interrupted;
    removes it when the run completes (unless ``keep``)."""

    def __init__(self, path: Union[str, os.PathLike], every: int, keep: bool = False):
        self.path, self.every, self.keep = Path(path), int(every), keep

    def on_step(self, state) -> None:
        if self.every > 0 and state.iteration % self.every == 0 and state.iteration < state.iterations:
            self.save(state)

    def on_end(self, state) -> None:
        if state.interrupted or state.iteration < state.iterations:
            self.save(state)
        elif not self.keep and self.path.exists():
            self.path.unlink()

    def save(self, state) -> None:
        save_torch_atomic(self.path, state.editor.checkpoint())


def load_checkpoint(path: Union[str, os.PathLike]) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--resume: no checkpoint at {path}; run without --resume to start afresh")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a damaged or foreign file
        raise InputError(f"--resume: cannot read {path} as a checkpoint ({type(error).__name__}); "
                         "delete it and run without --resume") from None
    # a foreign torch file (a state dict, a tensor) loads too: check before its fields are compared
    if not isinstance(data, dict) or data.get("format") != "vecedit-edit-checkpoint/1" \
            or not isinstance(data.get("config"), dict):
        raise InputError(f"--resume: {path} is not a vecedit edit checkpoint; delete it and run without --resume")
    return data


# ------------------------------------------------------------------------ report


class HtmlReport:
    """A self-contained page: input and output side by side, loss curves, settings, timings."""

    def __init__(self, path: Union[str, os.PathLike], title: str = "vecedit edit", settings: Optional[dict] = None):
        self.path, self.title, self.settings = Path(path), title, settings or {}
        self.started = time.time()

    def on_end(self, state) -> None:
        editor = state.editor
        from vecedit.imageio import to_png_bytes

        def img(image) -> str:
            return "data:image/png;base64," + base64.b64encode(to_png_bytes(to_uint8(image))).decode("ascii")

        encoder = editor.encoder
        rows = dict(self.settings)
        rows["encoder"] = getattr(encoder, "description", type(encoder).__name__) if encoder is not None else "none"
        rows["canvas (work size)"] = f"{editor.scene.width}×{editor.scene.height} px"
        rows["iterations done"] = f"{state.iteration} of {state.iterations}" + (" (interrupted)" if state.interrupted else "")
        if state.rollbacks:
            rows["rolled-back steps"] = str(state.rollbacks)
        done = max(1, len(state.history))
        timing = ", ".join(f"{k} {v / done:.3f} s" for k, v in state.timings.items())
        rows["mean time per iteration"] = timing or "–"
        rows["wall time"] = f"{time.time() - self.started:.1f} s"
        table = "\n".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                          for k, v in rows.items())
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
.pair {{ display: flex; gap: 2em; flex-wrap: wrap; }} figure {{ margin: 0; }}
figure img {{ max-width: 45vw; border: 1px solid #ccc; image-rendering: auto; }}
table {{ border-collapse: collapse; margin-top: 1em; }} th, td {{ text-align: left; padding: 2px 10px; }}
th {{ color: #555; font-weight: normal; }}
</style></head><body>
<h1>{html.escape(self.title)}</h1>
<div class="pair">
<figure><img alt="input" src="{img(editor.initial)}"><figcaption>input</figcaption></figure>
<figure><img alt="output" src="{img(state.image)}"><figcaption>output</figcaption></figure>
</div>
<h2>Loss</h2>
{loss_chart(state.history)}
<table>{table}</table>
</body></html>
"""
        write_text_atomic(self.path, page)


PALETTE = ("#222222", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")


def loss_chart(history: list[dict], width: int = 640, height: int = 240) -> str:
    """Loss curves as an inline SVG (one polyline per part, the total in black)."""
    if not history:
        return "<p>no iterations ran</p>"
    names = ["total"] + [n for n in history[0] if n != "total"]
    values = np.array([[h.get(n, np.nan) for n in names] for h in history], dtype=float)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high - low < 1e-12:
        high = low + 1.0
    left, right, top, bottom = 56, 12, 24, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(history)

    def x(i):
        return left + (plot_w * i / max(1, n - 1))

    def y(v):
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="loss curves">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>',
             f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="11">{high:.3g}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="11">{low:.3g}</text>',
             f'<text x="{left}" y="{height - 8}" font-size="11">1</text>',
             f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end" font-size="11">{n}</text>']
    for j, name in enumerate(names):
        color = PALETTE[j % len(PALETTE)]
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values[:, j]) if np.isfinite(v))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="{2 if j == 0 else 1.2}" points="{pts}"/>')
        parts.append(f'<text x="{left + 90 * j}" y="14" font-size="11" fill="{color}" '
                     f'>{html.escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


__all__ = ["FrameWriter", "AnimationWriter", "Checkpointer", "HtmlReport", "load_checkpoint", "loss_chart",
           "check_animation_path", "write_text_atomic", "save_torch_atomic"]
