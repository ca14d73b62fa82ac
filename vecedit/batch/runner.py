"""One item through every step, in a worker process (of either engine).

:func:`run_item` reads the input once (its bytes feed the item's hash and the first step),
passes each step's file as bytes to the next (the same bytes a kept file holds, so a batch
step does what its command does to that file), writes the outputs only when every step
succeeded (each atomically), then the item's record. A problem with the item comes back as
``status: "failed"`` with one line; it never raises.

Each process keeps what serves every item: the parsed step flags and the CLIP encoders
(:func:`encoder_for`, loaded once per process and model). Torch runs on one thread per
worker: the engines parallelise over items, and the results then do not depend on how
many threads a machine would give.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from vecedit.batch.plan import Item, item_hash, manifest_text
from vecedit.batch.steps import RASTER, SVG, Step, edit_config, parse_flags
from vecedit.errors import VeceditError

_ARGS: dict = {}
_ENCODERS: dict = {}
_PREPARED = False


@dataclass
class Artifact:
    kind: str  # svg | png | raster
    data: bytes
    path: Optional[str] = None  # the input file, for the first step


def run_item(item: Item, steps, job_digest: str) -> dict:
    """Run ``item`` through ``steps``; the report line as a dict (see :mod:`vecedit.batch.report`)."""
    _prepare_process()
    start = time.perf_counter()
    result = {"input": item.source, "outputs": [path for _, path in item.outputs], "status": "done",
              "seconds": 0.0, "error": None, "worker": f"{socket.gethostname()}:{os.getpid()}",
              "encoder_loaded": False}
    try:
        data = Path(item.source).read_bytes()
        kind = SVG if item.source.lower().endswith(".svg") else RASTER
        artifact, made = Artifact(kind, data, item.source), {}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k, step in enumerate(steps):
                artifact, loaded = run_step(step, artifact, Path(item.source).parent)
                result["encoder_loaded"] |= loaded
                made[k] = artifact.data
        if caught:
            result["warnings"] = sorted({" ".join(str(w.message).split()) for w in caught})
        write_outputs(item, made, item_hash(job_digest, data))
    except VeceditError as error:
        result.update(status="failed", error=" ".join(str(error).split()) or type(error).__name__)
    except (OSError, ValueError, RecursionError, MemoryError, UnicodeError) as error:  # unreadable or absurd input
        result.update(status="failed", error=f"{type(error).__name__}: {' '.join(str(error).split())[:300]}")
    except Exception as error:  # a bug must not stop the other items; say it is one
        result.update(status="failed",
                      error=f"internal error ({type(error).__name__}: {' '.join(str(error).split())[:300]})")
    result["seconds"] = round(time.perf_counter() - start, 4)
    return result


def write_outputs(item: Item, made: dict, digest: str) -> None:
    """Each output atomically, then the record that says the item is done."""
    from vecedit.paths import write_atomic, write_text_atomic

    sizes = {}
    for k, path in item.outputs:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, made[k])
        sizes[path] = len(made[k])
    Path(item.manifest).parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(item.manifest, manifest_text(item, digest, sizes))


def run_step(step: Step, artifact: Artifact, folder: Optional[Path] = None) -> tuple[Artifact, bool]:
    """One step on one file → (its output, whether an encoder was loaded for it); ``<image>``
    files resolve against *folder*, the input file's, at every step."""
    from vecedit.svg import load_svg as load_any
    from vecedit.svg.write import svg_bytes

    def load_svg(data: bytes):
        return load_any(data, resources=folder)

    if step.kind == "vectorize":
        return Artifact(SVG, svg_bytes(_vectorize(_args(step), artifact))), False
    if step.kind == "render":
        return Artifact("png", _render(_args(step), load_svg(artifact.data))), False
    if step.kind == "recolor":
        doc, loaded = _recolor(_args(step), load_svg(artifact.data))
    elif step.kind == "font":
        doc, loaded = _font(_args(step), load_svg(artifact.data))
    else:
        doc, loaded = _edit(step, artifact.path if artifact.kind == RASTER else load_svg(artifact.data))
    return Artifact(SVG, svg_bytes(doc)), loaded


def encoder_for(model: str, pretrained, checkpoint, device) -> tuple[object, bool]:
    """The CLIP encoder of this process for these weights (loaded on first use) and whether it was loaded now."""
    from vecedit.losses.encoders import default_device, load_clip

    key = (model, pretrained, checkpoint, device or default_device())
    if key in _ENCODERS:
        return _ENCODERS[key], False
    _ENCODERS[key] = load_clip(model, pretrained, checkpoint, key[3])
    return _ENCODERS[key], True


# ----------------------------------------------------------------------- the steps


def _args(step: Step):
    key = (step.kind, step.argv)
    if key not in _ARGS:
        _ARGS[key] = parse_flags(step.kind, step.argv)
    return _ARGS[key]


def _vectorize(args, artifact: Artifact):
    from vecedit.vectorizers import api

    if artifact.path is not None and artifact.kind == RASTER:
        image = artifact.path
    else:
        import io

        from PIL import Image

        image = Image.open(io.BytesIO(artifact.data))
    return api.run(image, args.rounds, args.backend, args.refine, args.max_paths, args.size, args.extra_round,
                   args.seed).document


def _render(args, doc) -> bytes:
    from vecedit.api import render
    from vecedit.imageio import to_png_bytes

    image = render(doc, width=args.width, height=args.height, background=args.background, renderer=args.renderer)
    return to_png_bytes(image)


def _recolor(args, doc):
    from vecedit.recolor.cli import options_from
    from vecedit.recolor.palette import recolor_document

    options = options_from(args)
    if options.get("prompt") is None:
        recolor_document(doc, options.get("palette"), options.get("mapping"), tolerance=options.get("tolerance", 0.0),
                         shading=options.get("shading", False), keep=options.get("keep"))
        return doc, False
    from vecedit.edit.config import ClipConfig
    from vecedit.recolor.prompt import recolor_prompt

    edit = dict(options["edit"], progress=False)
    clip = edit.pop("clip", None) or ClipConfig()
    edit["encoder"], loaded = encoder_for(clip.model, clip.pretrained, clip.checkpoint, edit.get("device"))
    recolor_prompt(doc, options["prompt"], **edit)
    return doc, loaded


def _font(args, doc):
    from vecedit.fonts.stylize import stylize_font

    options = {name: getattr(args, name) for name in ("patches", "work_size", "device")
               if getattr(args, name) is not None}
    encoder, loaded = encoder_for(args.clip or "ViT-B-32", args.clip_pretrained or "openai", args.clip_checkpoint,
                                  args.device)  # as ClipConfig's defaults; a checkpoint wins over the tag
    doc = stylize_font(document=doc, prompt=args.prompt, glyph_prompts=args.glyph_prompts, per_glyph=args.per_glyph,
                       glyphs=args.glyphs, iterations=args.iterations, seed=args.seed, lr_shape=args.lr_shape,
                       acap_weight=args.acap_weight, tone_weight=args.tone_weight, tone_sigma=args.tone_sigma,
                       encoder=encoder, **options)
    return doc, loaded


def _edit(step: Step, source):
    from vecedit.edit.loop import Editor  # as `vecedit edit --config` runs a job file

    config = edit_config(step)
    clip = config.clip
    encoder, loaded = encoder_for(clip.model, clip.pretrained, clip.checkpoint, config.device)
    editor = Editor(source, config, encoder=encoder)
    editor.run()
    return editor.document, loaded


def _prepare_process() -> None:
    global _PREPARED
    if not _PREPARED:
        from vecedit.allocator import reuse_freed_memory

        reuse_freed_memory()  # as the command does
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        else:  # read when torch loads (only if a step needs it)
            os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
        _PREPARED = True


__all__ = ["run_item", "run_step", "write_outputs", "encoder_for", "Artifact"]
