"""``vectorize``: a raster image → a layered, editable :class:`~vecedit.svg.model.Document`.

Multi-round vectorization as in CLIPVG: round *i* traces the image at a finer
precision (more colour clusters) than round *i − 1*; the rounds are stacked, coarse at
the bottom, each as ``<g id="round-i">`` of closed filled paths. Finer rounds cover the
seams that open between coarse shapes when an edit moves them, and give the edit more
elements to work with. Optional extra rounds trace only a box (the reference method adds
one for a face). After pruning and capping, every path takes the mean input colour of
the pixels where it is on top (:mod:`vecedit.vectorizers.recolor`). Refinement (24 iterations
by default) then fits points and colours to the image with the differentiable renderer.

>>> import numpy as np, vecedit
>>> from vecedit.vectorizers.api import vectorize
>>> img = np.full((32, 48, 3), 255, np.uint8); img[8:24, 8:40] = (30, 90, 200)
>>> doc = vectorize(img, rounds=(2, 4), backend="skimage", size=64)
>>> [g.id for g in doc.root.children], doc.width, doc.height
(['round-0', 'round-1'], 48.0, 32.0)
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Optional, Sequence, Union

import numpy as np

from vecedit.errors import OptionError
from vecedit.vectorizers.tracers import BACKENDS, get_tracer
from vecedit.vectorizers.image import ImageSource, read_rgba, resize, resize_alpha, split_alpha, working_size
from vecedit.vectorizers.recolor import fit_colors
from vecedit.vectorizers.options import (DEFAULT_BACKEND, DEFAULT_REFINE, DEFAULT_ROUNDS, DEFAULT_SIZE, MAX_COLORS,
                                         MAX_ROUNDS)
from vecedit.vectorizers.stack import Layer, cap, prune, to_svg, transform_paths

BLEED = 4
"""Pixels (working size) by which shapes on the image border reach past it, so that moving
them during an edit does not uncover the canvas along the edges (the viewBox clips them)."""
MIN_AREA = 1.0
"""Paths with a filled area below this (working-size px²) are pruned."""
MIN_EXTENT = 0.5
"""Paths thinner than this in x or y (working-size px) are pruned."""

ExtraRound = Union[str, Sequence[float]]
_EXTRA = re.compile(r"^\s*([^:]+):\s*(\d+)\s*$")


@dataclass
class VectorizeResult:
    """What :func:`run` made and how: the SVG text (and its document) plus facts for reports and benchmarks."""

    svg: str
    layers: list[Layer]
    size: tuple[int, int]  # original width, height
    working: tuple[int, int]
    seconds: dict = field(default_factory=dict)  # "trace", "refine"
    pruned: int = 0
    capped: int = 0
    refine: object = None  # vecedit.vectorizers.refine.RefineReport or None

    @cached_property
    def document(self):
        """``svg`` read by :func:`vecedit.svg.load_svg`, on first use (writing the file needs only ``svg``)."""
        from vecedit.svg import load_svg

        return load_svg(self.svg)

    @property
    def paths(self) -> int:
        return sum(len(layer.paths) for layer in self.layers)


def vectorize(
    image: ImageSource,
    rounds: Sequence[int] = DEFAULT_ROUNDS,
    backend: str = DEFAULT_BACKEND,
    refine: int = DEFAULT_REFINE,
    max_paths: Optional[int] = None,
    size: int = DEFAULT_SIZE,
    extra_rounds: Sequence[ExtraRound] = (),
    seed: int = 0,
):
    """Vectorize ``image`` into a layered :class:`~vecedit.svg.model.Document`.

    Args:
        image: a file path (PNG, JPEG, WebP …), a ``PIL.Image`` or an array
            (``(H, W)``, ``(H, W, 3)``, ``(H, W, 4)``; uint8 or float in [0, 1]).
            Transparency is kept: the rounds are clipped to the alpha's outline at half
            opacity (:mod:`vecedit.vectorizers.alpha`), so transparent areas stay unpainted.
        rounds: colour clusters per round, coarse to fine (default ``(10, 30)``).
        backend: ``"vtracer"`` (default) or ``"skimage"``, or a
            :class:`~vecedit.vectorizers.base.Tracer` instance.
        refine: iterations of differentiable refinement (default 24, the first half at 0.75
            of the working size; 0: none).
        max_paths: keep at most this many paths (the largest).
        size: working size: the image is traced (and refined) with its longer side
            shrunk to at most ``size`` px; the SVG keeps the original pixel coordinates.
        extra_rounds: rounds restricted to a box, each ``"x,y,w,h:colors"`` or
            ``(x, y, w, h, colors)`` in original pixels; drawn on top.
        seed: seeds every random choice (k-means); same seed, same SVG.

    Raises:
        InputError: the image cannot be used. OptionError: a bad argument.
    """
    return run(image, rounds, backend, refine, max_paths, size, extra_rounds, seed).document


def check_options(rounds, backend, refine, max_paths, size, extra_rounds, seed) -> tuple:
    """Validate :func:`vectorize`'s options before any work; returns them normalised."""
    rounds = tuple(_int("rounds", r, 2, MAX_COLORS) for r in _as_list("rounds", rounds))
    if not 1 <= len(rounds) <= MAX_ROUNDS:
        raise OptionError(f"rounds must list 1 to {MAX_ROUNDS} colour counts, e.g. 10,30; got {len(rounds)}")
    if not isinstance(backend, str) and callable(getattr(backend, "trace", None)):
        pass  # a Tracer instance (Python callers, e.g. the benchmark's cutout VTracer)
    elif backend not in BACKENDS:
        raise OptionError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    refine = _int("refine", refine, 0, 100_000)
    if max_paths is not None:
        max_paths = _int("max_paths", max_paths, 1, 10_000_000)
    size = _int("size", size, 16, 8192)
    seed = _int("seed", seed, 0, 2**32 - 1)
    extras = tuple(parse_extra_round(e) for e in extra_rounds)
    return rounds, backend, refine, max_paths, size, extras, seed


def parse_extra_round(value: ExtraRound) -> tuple[float, float, float, float, int]:
    """``"x,y,w,h:colors"`` or ``(x, y, w, h, colors)`` → a checked tuple."""
    if isinstance(value, str):
        m = _EXTRA.match(value)
        parts = m.group(1).split(",") if m else []
        try:
            if len(parts) != 4:
                raise ValueError
            x, y, w, h = (float(p) for p in parts)
            colors = int(m.group(2))
        except ValueError:
            raise OptionError(
                f"cannot read extra round {value!r}; write x,y,w,h:colors in image pixels, e.g. 120,40,200,240:30"
            ) from None
    else:
        try:
            x, y, w, h, colors = value
            x, y, w, h = float(x), float(y), float(w), float(h)
        except (TypeError, ValueError):
            raise OptionError(f"an extra round must be (x, y, w, h, colors); got {value!r}") from None
        colors = _int("extra round colors", colors, 2, MAX_COLORS)
    if not all(map(math.isfinite, (x, y, w, h))) or w <= 0 or h <= 0:
        raise OptionError(f"extra round box {x:g},{y:g},{w:g},{h:g} needs a positive width and height")
    if not 2 <= colors <= MAX_COLORS:
        raise OptionError(f"extra round colors must be between 2 and {MAX_COLORS}, got {colors}")
    return (x, y, w, h, colors)


DEFAULT_MAX_PATHS = 300
"""Paths kept when ``max_paths`` is not given (the largest), at least: a noisy image traces to one
path per speck, and refining thousands of them takes minutes for no visible gain (``--max-paths``
raises it). Larger working images keep one path per :data:`PIXELS_PER_PATH` pixels if that is more."""
PIXELS_PER_PATH = 192
"""At 512 px this keeps every path of scikit-image's five samples (380–884 paths; 909 allowed at
512×341): capped at 300 they lost most of the default's gain over vtracer (chelsea +1.5 dB at 300
paths against +2.3 dB at 884, coffee +1.7 against +3.1), while 64 px keeps the floor of 300."""


def default_max_paths(working: tuple[int, int]) -> int:
    return max(DEFAULT_MAX_PATHS, working[0] * working[1] // PIXELS_PER_PATH)


def run(
    image: ImageSource,
    rounds: Sequence[int] = DEFAULT_ROUNDS,
    backend: str = DEFAULT_BACKEND,
    refine: int = DEFAULT_REFINE,
    max_paths: Optional[int] = None,
    size: int = DEFAULT_SIZE,
    extra_rounds: Sequence[ExtraRound] = (),
    seed: int = 0,
    progress: Optional[Callable[[str, int, Optional[float]], None]] = None,
    keep_on_interrupt: bool = False,
    overlap: bool = False,
) -> VectorizeResult:
    """:func:`vectorize` with a :class:`VectorizeResult` and hooks for the command line.

    ``progress(stage, steps_done, loss)`` is called after each round ("trace") and each
    refinement iteration ("refine"). With ``keep_on_interrupt``, Ctrl-C during
    refinement keeps the best result so far (``result.refine.interrupted``). ``overlap``:
    trace in a child process while this one imports the refiner (:func:`trace_beside_import`).
    The command line asks for it where :func:`overlap_worthwhile`; a library call does not
    by default: a spawned child re-runs the caller's main script unless it is guarded by
    ``if __name__ == "__main__"``.
    """
    rounds, backend, refine, max_paths, size, extras, seed = check_options(
        rounds, backend, refine, max_paths, size, extra_rounds, seed
    )
    rgb, alpha = split_alpha(read_rgba(image))
    height, width = rgb.shape[:2]
    ww, wh = working_size(width, height, size)
    work = resize(rgb, ww, wh)
    work_alpha = None if alpha is None else resize_alpha(alpha, ww, wh)
    tracer = get_tracer(backend) if isinstance(backend, str) else backend
    notify = progress or (lambda stage, n, loss: None)

    start = time.perf_counter()
    trace_args = (backend, work, rgb if extras else None, rounds, extras, size, seed, (width, height))
    if overlap and refine > 0:
        traced = trace_beside_import((trace_args, max_paths, work_alpha))
        notify("trace", len(traced.layers), None)
    else:
        traced = trace_and_fit(trace_args, max_paths, work_alpha, notify=notify)
    layers, pruned, capped, shown, clip = traced.layers, traced.pruned, traced.capped, traced.shown, traced.clip
    seconds = {"trace": time.perf_counter() - start}

    report = None
    if refine:
        from vecedit.vectorizers.refine import refine as run_refine

        start = time.perf_counter()
        report = run_refine(
            layers, work, width, height, refine, seed=seed,
            on_step=lambda i, loss: notify("refine", 1, loss), keep_on_interrupt=keep_on_interrupt,
            weights=work_alpha, held=shown == 0,
        )
        pruned += _prune(layers, (width, height), (ww, wh))
        seconds["refine"] = time.perf_counter() - start

    comment = (
        f"vecedit vectorize: rounds {','.join(map(str, rounds))}"
        + "".join(f" + box {x:g},{y:g},{w:g},{h:g}:{n}" for x, y, w, h, n in extras)
        + f", backend {tracer.name}, size {size}, refine {refine}, seed {seed}"
    )
    svg = to_svg(layers, width, height, comment, clip=clip)
    return VectorizeResult(svg, layers, (width, height), (ww, wh), seconds, pruned, capped, report)


def trace_rounds(backend, work: np.ndarray, rgb: Optional[np.ndarray], rounds, extras, size: int, seed: int,
                 original: tuple[int, int], notify=None) -> list[Layer]:
    """Every round traced: ``work`` is the image at the working size, ``rgb`` the original
    (only the extra rounds read it); paths in the ``original`` (width, height) pixels."""
    tracer = get_tracer(backend) if isinstance(backend, str) else backend
    width, height = original
    wh, ww = work.shape[:2]
    layers = []
    for n in rounds:
        paths = _trace_padded(tracer, work, n, seed, (BLEED,) * 4)
        transform_paths(paths, (width / ww, height / wh), (0.0, 0.0))
        layers.append(Layer(f"{n} colours", n, paths))
        if notify:
            notify("trace", 1, None)
    for x, y, w, h, n in extras:
        layers.append(_extra_round(tracer, rgb, (x, y, w, h), n, size, seed, (width / ww, height / wh)))
        if notify:
            notify("trace", 1, None)
    return layers


@dataclass
class Traced:
    """What :func:`trace_and_fit` hands the refinement."""

    layers: list[Layer]
    pruned: int
    capped: int
    shown: np.ndarray  # per path (stacking order), the pixels where it is on top
    clip: Optional[object] = None  # the alpha's outline (vecedit.vectorizers.alpha), or None


def trace_and_fit(trace_args: tuple, max_paths: Optional[int], work_alpha: Optional[np.ndarray],
                  notify=None) -> Traced:
    """Every round traced (:func:`trace_rounds`), pruned and capped, each path coloured by
    what it shows, and the alpha's outline: everything before refinement, no torch needed."""
    layers = trace_rounds(*trace_args, notify=notify)
    work, (width, height) = trace_args[1], trace_args[7]
    wh, ww = work.shape[:2]
    pruned = _prune(layers, (width, height), (ww, wh))
    capped = cap(layers, max_paths if max_paths is not None else default_max_paths((ww, wh)))
    shown = fit_colors(layers, work, width, height, weights=work_alpha)
    clip = None
    if work_alpha is not None:
        from vecedit.vectorizers.alpha import trace_alpha

        clip = trace_alpha(work_alpha, (width / ww, height / wh))
    return Traced(layers, pruned, capped, shown, clip)


def _prune(layers: list[Layer], original: tuple[int, int], working: tuple[int, int]) -> int:
    """:func:`prune` with its thresholds in working-size pixels (the paths are in original ones)."""
    sx, sy = original[0] / working[0], original[1] / working[1]
    return prune(layers, MIN_AREA * sx * sy, MIN_EXTENT * min(sx, sy))


def overlap_worthwhile(backend) -> bool:
    """Tracing beside the refiner's import pays when torch is not loaded yet (a fresh
    ``vecedit vectorize``: about 3 s of import), a second core is free to take it, the
    backend is a built-in one (a child process can rebuild it by name) and this process may
    start children (a multiprocessing daemon may not)."""
    import multiprocessing
    import os
    import sys

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return (isinstance(backend, str) and "torch" not in sys.modules and cores >= 2
            and not multiprocessing.current_process().daemon)


def trace_beside_import(args: tuple) -> Traced:
    """:func:`trace_and_fit` (``args``) in a child process while this one imports torch and the renderer.

    The two take about as long (≈ 3 s each for a 512 px image), so on two free cores a
    ``vectorize`` ends that much sooner. The child ignores Ctrl-C and ends with this
    function; an error in it is raised here as it was raised there.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # not fork: the caller may hold threads
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_trace_to_pipe, args=(send, args), daemon=True)
    child.start()
    send.close()
    try:
        import torch  # noqa: F401  (the point: loaded while the child traces)

        import vecedit.render.composite  # noqa: F401
        import vecedit.scene  # noqa: F401

        try:
            ok, value = receive.recv()
        except EOFError:  # the child died (killed, out of memory): trace here instead
            return trace_and_fit(*args)
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()
    if not ok:
        raise value
    return value


def _trace_to_pipe(send, args: tuple) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from vecedit.allocator import reuse_freed_memory

    reuse_freed_memory()  # a process of ours, as the command is
    try:
        result = (True, trace_and_fit(*args))
    except Exception as error:  # noqa: BLE001 (handed to the parent, which raises it)
        result = (False, error)
    try:
        send.send(result)
    except Exception as error:  # an exception that does not pickle
        send.send((False, RuntimeError(f"tracing failed: {type(error).__name__}: {error}")))
    send.close()


def _trace_padded(tracer, rgb: np.ndarray, n: int, seed: int, pad: tuple[int, int, int, int]):
    """Trace ``rgb`` edge-padded by ``pad`` = (left, top, right, bottom) px; paths in ``rgb``'s pixels."""
    left, top, right, bottom = pad
    padded = np.pad(rgb, ((top, bottom), (left, right), (0, 0)), mode="edge") if any(pad) else rgb
    paths = tracer.trace(padded, n, seed=seed)
    transform_paths(paths, (1.0, 1.0), (-float(left), -float(top)))
    return paths


def _extra_round(tracer, rgb, box, n, size, seed, work_scale) -> Layer:
    """Trace the original image inside ``box`` (clamped to the image) at up to ``size`` px."""
    height, width = rgb.shape[:2]
    x, y, w, h = box
    x0, y0 = max(0, int(math.floor(x))), max(0, int(math.floor(y)))
    x1, y1 = min(width, int(math.ceil(x + w))), min(height, int(math.ceil(y + h)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise OptionError(
            f"extra round box {x:g},{y:g},{w:g},{h:g} lies outside the {width}×{height} px image "
            "(or covers less than 2×2 px of it); give x,y,w,h in image pixels"
        )
    crop = rgb[y0:y1, x0:x1]
    cw, ch = working_size(x1 - x0, y1 - y0, size)
    crop = resize(crop, cw, ch)
    # bleed only where the box meets the image border; inside, the box edge stays put
    pad = tuple(BLEED if edge else 0 for edge in (x0 == 0, y0 == 0, x1 == width, y1 == height))
    paths = _trace_padded(tracer, crop, n, seed, pad)
    transform_paths(paths, ((x1 - x0) / cw, (y1 - y0) / ch), (float(x0), float(y0)))
    return Layer(f"{n} colours in {x0},{y0},{x1 - x0},{y1 - y0}", n, paths, box=(x0, y0, x1 - x0, y1 - y0))


def _as_list(name: str, value) -> list:
    if isinstance(value, str):
        parts = [p for p in value.replace(" ", "").split(",") if p]
        if not parts:
            raise OptionError(f"{name} must list colour counts separated by commas, e.g. 10,30; got {value!r}")
        return parts
    if isinstance(value, (int, np.integer)):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise OptionError(f"{name} must be a list of colour counts, e.g. (10, 30); got {value!r}") from None


def _int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise OptionError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise OptionError(f"{name} must be a whole number, got {value!r}") from None
    if not isinstance(value, (int, np.integer)):
        raise OptionError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise OptionError(f"{name} must be between {low} and {high:,}, got {value}")
    return int(value)
