"""The edit loop: render → losses → gradients → Adam per parameter group → SVG.

:class:`Editor` holds named, swappable components, built from an
:class:`~vecedit.edit.config.EditConfig`:

* ``renderer``: ``scene → (H, W, 4)`` (default :func:`vecedit.render.composite.render_scene`),
* ``encoder``: an image/text encoder (:mod:`vecedit.losses.encoders`; default open_clip),
* ``terms``: loss terms (:mod:`vecedit.losses.terms`): the ROI CLIP loss, an optional
  image loss, and any extra terms a caller or a plugin adds,
* ``optimizer``: :class:`torch.optim.Adam` (as :mod:`vecedit.edit.adam` calls it) with one
  parameter group per scene tensor,
* ``callbacks``: objects with optional ``on_start/on_render/on_step/on_end(state)``.

Each iteration renders once; the loss terms see the picture as a leaf tensor, and the
gradient flows back through the renderer in a second ``backward`` — the same work as one
pass, but the time of each stage is known. The picture before any step is drawn once (the
first iteration uses it while no parameter has moved) and the one after the last step when
it is first read, so a one-iteration run of a large document renders once, not three times.
Steps that produce a non-finite loss, gradient or parameter are rolled back and the learning
rates halved, with a warning. Parameters outside the selection have their gradients zeroed,
so they stay bit-identical.

>>> import vecedit                                                     # doctest: +SKIP
>>> doc = vecedit.edit("cat.svg", prompts="a tiger", iterations=150)  # doctest: +SKIP
>>> vecedit.save_svg(doc, "tiger.svg")                                # doctest: +SKIP
"""

from __future__ import annotations

import copy
import hashlib
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np
import torch

from vecedit.console import plural
from vecedit.edit.adam import Adam
from vecedit.edit.config import EditConfig, RoiConfig
from vecedit.edit.setup import choose_shapes, load_input, resolve_regions, work_canvas
from vecedit.errors import InputError, OptionError
from vecedit.losses.clip_loss import Augmentation, ClipLoss, ClipRoi
from vecedit.losses.terms import Context, Timer
from vecedit.render.over import render_threads
from vecedit.select import parameter_groups, trainable

CLAMPED = {"colors": (0.0, 1.0), "stop_colors": (0.0, 1.0), "stop_offsets": (0.0, 1.0),
           "opacities": (0.0, 1.0), "stroke_widths": (0.0, None)}


class EditWarning(UserWarning):
    """A problem the run recovered from (a rolled-back step)."""


@dataclass
class EditState:
    """What callbacks see. ``image`` is the render after ``iteration`` steps, ``(H, W, 3)``."""

    editor: "Editor"
    iteration: int = 0
    iterations: int = 0
    losses: dict = field(default_factory=dict)  # this iteration's parts, floats
    history: list = field(default_factory=list)  # one dict of parts (plus "total") per iteration
    timings: dict = field(default_factory=dict)  # seconds per stage, summed over the run
    lr_scale: float = 1.0
    stop: bool = False  # a callback sets it to end the run early
    interrupted: bool = False
    rollbacks: int = 0
    _image: Optional[torch.Tensor] = field(default=None, repr=False)
    _draw: Optional[Callable[[], torch.Tensor]] = field(default=None, repr=False)  # draws ``image`` when read

    @property
    def image(self) -> Optional[torch.Tensor]:
        if self._image is None and self._draw is not None:
            self._image, self._draw = self._draw(), None
        return self._image

    @image.setter
    def image(self, value: Optional[torch.Tensor]) -> None:
        self._image, self._draw = value, None

    def draw_when_read(self, draw: Callable[[], torch.Tensor]) -> None:
        """``image`` becomes ``draw()``, called the first time it is read (never, if nobody reads it)."""
        self._image, self._draw = None, draw

    @property
    def scene(self):
        return self.editor.scene

    @property
    def document(self):
        return self.editor.document


class Editor:
    """One edit run over one document (see the module docstring)."""

    def __init__(self, document, config: Optional[EditConfig] = None, *, encoder=None, renderer=None,
                 loss_terms: Sequence = (), callbacks: Sequence = (), rois: Sequence[ClipRoi] = (),
                 progress: bool = False, vectorized_path: Optional[str] = None, selection=None, plugin=None):
        from vecedit.imageio import to_rgba
        from vecedit.scene import canvas_scale, from_document

        self.config = config = copy.deepcopy(config or EditConfig()).validate()
        self.progress = progress
        self.document = load_input(document, vectorized_path)
        self.plugin_notes: list[str] = []
        if config.plugin or plugin is not None:
            from vecedit.plugin.registry import run_plugin

            extra = run_plugin(config, self.document, encoder, plugin)
            self.document, encoder, self.plugin_notes = extra.document, encoder or extra.encoder, extra.notes
            rois, loss_terms = [*rois, *extra.rois], [*loss_terms, *extra.loss_terms]
            if extra.select is not None and selection is None and not config.select:
                selection = extra.select  # the plugin's defaults give way to the run's own choices
            if extra.optimize and not config.optimize:
                config.optimize = list(extra.optimize)
                config.kinds()
        self.source_digest = _digest(self.document)
        extra_rois = list(rois)
        regions = resolve_regions(config, self.document, extra_rois)
        if not regions and not loss_terms and not config.target_image:
            raise OptionError("nothing to aim for: give a prompt (-p 'a red car'), ROIs with prompts, "
                              "or a target image")
        self.device = torch.device(config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if regions and encoder is None:
            from vecedit.losses.encoders import load_clip

            clip = config.clip
            started = []
            encoder = load_clip(clip.model, clip.pretrained, clip.checkpoint, str(self.device),
                                precision=config.precision, announce=lambda: started.append(time.perf_counter())
                                or self._say(f"loading CLIP {clip.model} ({clip.checkpoint or clip.pretrained}) "
                                             f"on {self.device} …"))
            if started:
                self._say(f"CLIP loaded in {time.perf_counter() - started[0]:.1f} s")
        if hasattr(encoder, "with_precision"):
            encoder = encoder.with_precision(config.precision)
        self.encoder = encoder
        size = getattr(encoder, "image_size", None) if encoder is not None else None
        width, height = work_canvas(config, self.document, regions, size, needs_full=bool(config.target_image))
        self.scene = scene = from_document(self.document, width, height, device=self.device)
        self.scale = canvas_scale(self.document, scene.width, scene.height)
        self.rois = [r.to_canvas(*self.scale, (scene.width, scene.height)) for r in regions]
        chosen = choose_shapes(scene, self.document, config.select if selection is None else selection,
                               *self.scale, self.rois,
                               default_to_rois=config.prompt is None and bool(self.rois)
                               and not config.target_image)
        self.groups = parameter_groups(scene, chosen, config.kinds())
        if not scene.shapes:
            raise InputError("nothing to edit: the document has no visible shape (`vecedit info` lists them)")
        if not any(s.editable for s in scene.shapes):
            raise InputError("nothing to edit: none of the document's shapes is editable (`vecedit info` says why)")
        if self.groups.count() == 0:
            raise InputError(f"nothing to edit: the selected elements have no {'/'.join(config.kinds())} "
                             "parameters to optimise; widen --select or --optimize")
        self.params = trainable(scene, self.groups)
        self.optimizer = self._optimizer()
        self.background = to_rgba(config.background)
        self.renderer = renderer or _default_renderer
        self.terms = []
        if self.rois:
            aug = Augmentation(config.patches, config.patch_size, 0.1, config.distortion, config.crop_scale,
                               config.roi_weight, config.patch_weight)
            self.terms.append(ClipLoss(encoder, self.rois, aug, config.reference_text, config.templates))
        if config.target_image:
            from vecedit.losses.image_loss import ImageLoss

            self.terms.append(ImageLoss(config.target_image, config.image_loss, config.image_weight))
        self.terms.extend(loss_terms)
        self.callbacks = list(callbacks)
        self.progress = progress
        self.generator = torch.Generator().manual_seed(int(config.seed))
        self.timer = Timer(sync=self.device.type == "cuda")
        self.state = EditState(self, iterations=config.iterations)
        self._good: Optional[dict] = None
        self._prepared: set[int] = set()  # ids of the terms already prepared
        self._unmoved: Optional[tuple] = None  # (picture with its graph, what it was drawn from)
        self.initial: torch.Tensor = self._render_initial()  # before any step: what the directions start from

    # ------------------------------------------------------------------ components
    def _optimizer(self) -> Adam:
        lr = self.config.lr
        shape_lr = lr.shape * math.sqrt(self.scale[0] * self.scale[1])  # document px → canvas px
        rates = {"points": shape_lr, "colors": lr.color, "stop_colors": lr.color, "stop_offsets": lr.stops,
                 "stroke_widths": lr.stroke_width, "opacities": lr.opacity, "gradient_geometry": lr.shape,
                 "filter_params": lr.filter}
        groups = [{"params": [t], "lr": rates[name], "name": name, "base_lr": rates[name]}
                  for name, t in self.params.items() if rates[name] > 0]
        if not groups:
            raise OptionError("every learning rate of the selected parameters is 0; nothing would move")
        return Adam(groups)

    def render(self) -> torch.Tensor:
        """The scene composited on the background, ``(H, W, 3)`` (keeps the graph)."""
        return self.renderer(self.scene, self.background)[..., :3]

    def _drawn_from(self) -> tuple:
        """What a picture depends on that can change: the renderer and each parameter's in-place version."""
        return (self.renderer, *(t._version for t in self.params.values()))

    def _render_initial(self) -> torch.Tensor:
        """The picture before any step, drawn with its graph: the first iteration uses it as long as
        no parameter has moved (a restored checkpoint, a callback's edit) and the renderer is the same."""
        with render_threads():
            image = self.render()
        if image.requires_grad:
            self._unmoved = (image, self._drawn_from())
        return image.detach()

    def _render_step(self) -> torch.Tensor:
        unmoved, self._unmoved = self._unmoved, None
        if unmoved is not None and unmoved[1] == self._drawn_from():
            return unmoved[0]
        with render_threads():  # one thread where spinning OpenMP threads would fight
            return self.render()

    # ------------------------------------------------------------------ the loop
    def run(self) -> "EditState":
        state, config = self.state, self.config
        if self.progress and any(id(t) not in self._prepared for t in self.terms):
            self._say("encoding the prompts and the starting picture …")
        self._prepare_terms()
        self._call("on_start")
        bar = _progress_bar(config.iterations, state.iteration, self.progress)
        self._run_from = state.iteration
        try:
            while state.iteration < config.iterations and not state.stop:
                self._iteration(bar)
        except KeyboardInterrupt:
            state.interrupted = True
            self._undo_partial_iteration()
        except BaseException:
            self._undo_partial_iteration()
            raise
        finally:
            if bar is not None:
                bar.close()
        state.draw_when_read(self._render_detached)
        self.write_back()
        self._call("on_end")
        return state

    def _render_detached(self) -> torch.Tensor:
        with torch.no_grad():
            return self.render().detach()

    def step(self) -> "EditState":
        """One iteration outside :meth:`run` (terms prepared on first use; no callbacks'
        ``on_start``/``on_end``, no write-back): for callers that interleave runs."""
        self._prepare_terms()
        self._iteration(None)
        return self.state

    def _prepare_terms(self) -> None:
        """Each term's ``prepare``, once, on the scene as built: a term measuring its reference
        there (ACAP angles, glyph tone) must not see a checkpoint's restored parameters."""
        context = Context(self.scene, self.initial, self.initial, 0, self.generator, self.timer, self.document)
        for term in self.terms:
            if id(term) not in self._prepared:
                term.prepare(context)
                self._prepared.add(id(term))

    def _iteration(self, bar) -> None:
        state, timer = self.state, self.timer
        k = state.iteration
        self._started = (k, self.generator.get_state())
        self.optimizer.zero_grad(set_to_none=True)
        started = timer.now()
        image = self._render_step()
        rendered = timer.now()
        state.image = image.detach()
        if not image.requires_grad:  # e.g. only a gradient on text selected, which the renderer draws fixed
            raise OptionError("nothing selected changes the picture: the parameters to optimise do not reach its "
                              "pixels; widen --select or --optimize")
        self._call("on_render")
        leaf = image.detach().requires_grad_(True)
        context = Context(self.scene, leaf, self.initial, k, self.generator, timer, self.document)
        parts: dict[str, torch.Tensor] = {}
        for term in self.terms:
            parts.update(term(context))
        total = sum(parts.values())
        if torch.is_tensor(total) and total.requires_grad:  # else no term depends on the picture: no gradient
            total.backward()
        losses_back = timer.now()
        if leaf.grad is not None:
            with render_threads():
                image.backward(leaf.grad)
        back = timer.now()
        self._step(k, total)
        done = timer.now()
        stages = timer.take()
        encoder = stages.get("encoder_forward", 0.0) + stages.get("encoder_backward", 0.0)
        times = {"render": (rendered - started) + (back - losses_back), "encoder": encoder,
                 "other": (done - started) - (rendered - started) - (back - losses_back) - encoder,
                 "iteration": done - started}
        for name, seconds in times.items():
            state.timings[name] = state.timings.get(name, 0.0) + seconds
        state.losses = {name: float(v.detach()) for name, v in parts.items()}
        state.losses["total"] = float(total.detach())
        state.history.append(dict(state.losses))
        state.iteration = k + 1
        if bar is not None:
            bar.set_postfix_str(" ".join(f"{n} {v:.3f}" for n, v in state.losses.items()), refresh=False)
            bar.update(1)
            self._estimate(bar, times["iteration"])
        self._call("on_step")

    def _say(self, text: str) -> None:
        """A status line on stderr while nothing else shows progress (with ``progress``)."""
        if self.progress:
            print(f"vecedit: {text}", file=sys.stderr, flush=True)

    def _estimate(self, bar, seconds: float) -> None:
        """After the second iteration of a run (the first warms caches up), one line: the time it will take."""
        if self.state.iteration - getattr(self, "_run_from", 0) != 2:
            return
        left = (self.config.iterations - self.state.iteration) * seconds
        if left >= ESTIMATE_FROM_SECONDS:
            line = (f"vecedit: {seconds:.1f} s per iteration: about {_duration(left)} more for "
                    f"{self.config.iterations} iterations")
            write = getattr(bar, "write", None)  # tqdm's keeps the bar intact; a log gets a plain line
            write(line, file=sys.stderr) if write else print(line, file=sys.stderr, flush=True)

    def _step(self, k: int, total: torch.Tensor) -> None:
        grads_ok = bool(torch.isfinite(total)) and all(
            t.grad is None or bool(torch.isfinite(t.grad).all()) for t in self.params.values())
        if not grads_ok:
            self._lower_lr(k, "the loss or a gradient is not finite; the step was skipped")
            return
        self._good = self._snapshot()
        self._good_iteration = k
        self.optimizer.step()
        with torch.no_grad():
            for name, t in self.params.items():
                if name in CLAMPED:
                    low, high = CLAMPED[name]
                    keep = self.groups.masks[name].view((-1,) + (1,) * (t.dim() - 1))
                    t.copy_(torch.where(keep, t.clamp(low, high), t))
        if not all(bool(torch.isfinite(t).all()) for t in self.params.values()):
            self._restore_good()
            self._lower_lr(k, "a parameter became non-finite; the step was rolled back")

    def _lower_lr(self, k: int, why: str) -> None:
        self.state.rollbacks += 1
        self.state.lr_scale *= 0.5
        for group in self.optimizer.param_groups:
            group["lr"] = group["base_lr"] * self.state.lr_scale
        warnings.warn(f"iteration {k + 1}: {why}; learning rates halved (now ×{self.state.lr_scale:g})",
                      EditWarning, stacklevel=2)

    def _snapshot(self) -> dict:
        return {
            "params": {n: t.detach().clone() for n, t in self.params.items()},
            "optimizer": {id(p): {k: (v.clone() if torch.is_tensor(v) else v) for k, v in s.items()}
                          for p, s in self.optimizer.state.items()},
        }

    def _undo_partial_iteration(self) -> None:
        """After an interrupt or a crash inside an iteration: back to the state before it began,
        so the result and a checkpoint are exactly the last completed step."""
        started = getattr(self, "_started", None)
        if started is None or started[0] != self.state.iteration:
            return  # the interrupted iteration had completed (the interrupt came from a callback)
        if getattr(self, "_good_iteration", None) == started[0]:
            self._restore_good()
        self.generator.set_state(started[1])

    def _restore_good(self) -> None:
        if self._good is None:
            return
        with torch.no_grad():
            for name, t in self.params.items():
                t.copy_(self._good["params"][name])
        saved = self._good["optimizer"]
        for p in list(self.optimizer.state):
            if id(p) in saved:
                self.optimizer.state[p] = {k: (v.clone() if torch.is_tensor(v) else v) for k, v in saved[id(p)].items()}
            else:
                del self.optimizer.state[p]

    def _call(self, event: str) -> None:
        for callback in self.callbacks:
            method = getattr(callback, event, None)
            if method is None and event == "on_step" and callable(callback):
                method = callback
            if method is not None:
                method(self.state)

    # ------------------------------------------------------------------ results
    def write_back(self, document=None) -> list[int]:
        """Write the current parameters into ``document`` (default: the edited one)."""
        from vecedit.scene import write_back

        return write_back(self.scene, document if document is not None else self.document)

    def snapshot_document(self):
        """A copy of the document holding the current parameters (the original is untouched)."""
        doc = copy.deepcopy(self.document)
        self.write_back(doc)
        return doc

    def checkpoint(self) -> dict:
        return {
            "format": "vecedit-edit-checkpoint/1",
            "source": self.source_digest,
            "canvas": (self.scene.width, self.scene.height),
            "iteration": self.state.iteration,
            "params": {n: t.detach().cpu().clone() for n, t in self.params.items()},
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "history": list(self.state.history),
            "lr_scale": self.state.lr_scale,
            "timings": dict(self.state.timings),
            "config": self.config.to_dict(),
        }

    def restore(self, checkpoint: dict, where: str = "the checkpoint") -> None:
        """Continue from :meth:`checkpoint`'s data (same input, same canvas, same selection)."""
        if checkpoint.get("format") != "vecedit-edit-checkpoint/1":
            raise InputError(f"{where} is not a vecedit edit checkpoint")
        if checkpoint["source"] != self.source_digest:
            raise InputError(f"{where} belongs to another input document; run without --resume")
        check_resumable(checkpoint, self.config, where)
        if tuple(checkpoint["canvas"]) != (self.scene.width, self.scene.height) or \
                set(checkpoint["params"]) != set(self.params):
            raise InputError(f"{where} was made with another work size, --optimize or --select; "
                             "use the same options or run without --resume")
        self._prepare_terms()  # before the parameters move to the checkpoint's
        with torch.no_grad():
            for name, t in self.params.items():
                t.copy_(checkpoint["params"][name].to(t.device, t.dtype))
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.generator.set_state(checkpoint["generator"])
        self.state.iteration = int(checkpoint["iteration"])
        self.state.history = list(checkpoint["history"])
        self.state.lr_scale = float(checkpoint["lr_scale"])
        self.state.timings = dict(checkpoint.get("timings", {}))
        self.state.image = None  # the restored parameters' picture is drawn by the next iteration


def check_resumable(checkpoint: dict, config: EditConfig, where: str, ignore: tuple = ()) -> None:
    """Refuse, in one line saying what differs, a checkpoint written by a run with another
    prompt, ROIs, seed, CLIP weights, loss weights… (:func:`vecedit.edit.config.resume_differences`)."""
    from vecedit.edit.config import resume_differences

    differences = resume_differences(checkpoint.get("config") or {}, config, ignore)
    if differences:
        raise InputError(f"--resume: {where} was made with another {'; '.join(differences)}; "
                         "use the same options or run without --resume")


def _default_renderer(scene, background):
    from vecedit.render.composite import render_scene

    return render_scene(scene, background=background)


def _digest(document) -> str:
    from vecedit.svg import dumps_svg

    return hashlib.sha256(dumps_svg(document).encode("utf-8", "surrogatepass")).hexdigest()


ESTIMATE_FROM_SECONDS = 10.0  # a run that ends sooner needs no estimate of its length


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    from vecedit.console import progress

    return progress(total, "edit", "it", initial=initial)


# ---------------------------------------------------------------------- public API


def edit(
    document_or_path,
    prompts: Union[str, Sequence[str], None] = None,
    rois: Sequence = (),
    optimize: Union[str, Sequence[str], None] = None,
    select=None,
    iterations: Optional[int] = None,
    seed: Optional[int] = None,
    callbacks: Sequence = (),
    encoder=None,
    *,
    config: Optional[EditConfig] = None,
    loss_terms: Sequence = (),
    renderer: Optional[Callable] = None,
    progress: bool = False,
    **options: Any,
):
    """Edit a vector document toward text prompts; return the edited :class:`~vecedit.svg.Document`.

    Args:
        document_or_path: a Document, an SVG path or SVG text (a raster image path is
            vectorized first).
        prompts: the prompt for the whole canvas (a string), or one prompt per entry of
            ``rois`` (a list), optionally preceded by the whole canvas's prompt.
        rois: regions beyond the whole canvas: ``"x,y,w,h"`` boxes (document pixels),
            selectors (``"#hat"``), H×W mask arrays, :class:`RoiConfig` objects or dicts
            with ``prompt``, ``box|mask|select`` and ``weight``, or resolved
            :class:`~vecedit.losses.clip_loss.ClipRoi` (with ``direction`` /
            ``target_features`` for targets in the encoder's feature space).
        optimize: ``"all"`` or any of ``shape, color, stroke, opacity`` (comma-separated or a list);
            default: all, or what a plugin chooses.
        select: which elements may move: ids, classes, selectors, ``x,y,w,h`` boxes or a mask.
        iterations, seed: the number of steps (default 150); the seed of every random choice
            (default 0); when omitted, ``config``'s values stand.
        callbacks: objects with ``on_start/on_render/on_step/on_end(state)`` or plain
            functions called after each step with an :class:`EditState`.
        encoder: an image/text encoder (default: open_clip, per ``config.clip``).
        config: a full :class:`EditConfig`; the arguments above override it.
        loss_terms: extra :class:`~vecedit.losses.terms.LossTerm` objects.
        **options: any other :class:`EditConfig` field (``patches=16``, ``lr=…``).

    Raises:
        OptionError / InputError: bad prompts, regions, selections or weights (see the message).
    """
    base = copy.deepcopy(config) if config is not None else EditConfig()
    given = {"iterations": iterations, "seed": seed}
    fields = {**{name: value for name, value in given.items() if value is not None}, **options}
    if optimize is not None:
        fields["optimize"] = [optimize] if isinstance(optimize, str) else list(optimize)
    if select is not None and not isinstance(select, (np.ndarray, torch.Tensor)):
        if not isinstance(select, str) and _looks_like_box(select):
            select = ",".join(f"{float(v):g}" for v in select)
        fields["select"] = [select] if isinstance(select, str) else list(select)
    for name, value in fields.items():
        if not hasattr(base, name):
            raise OptionError(f"edit() got an unknown option {name!r}")
        setattr(base, name, value)
    main, roi_prompts = _split_prompts(prompts, rois)
    if main is not None or prompts is not None:
        base.prompt = main
    resolved, configs = [], []
    for item, prompt in zip(rois, roi_prompts):
        if isinstance(item, ClipRoi):
            resolved.append(item)
        elif isinstance(item, RoiConfig):
            configs.append(item)
        elif isinstance(item, dict):
            configs.append(RoiConfig(**{"prompt": prompt or "", **item}))
        elif isinstance(item, (np.ndarray, torch.Tensor)):
            configs.append(RoiConfig(prompt=prompt or "", mask=item))  # type: ignore[arg-type]
        else:
            key = "box" if _looks_like_box(item) else "select"
            text = ",".join(f"{v:g}" for v in item) if not isinstance(item, str) else item
            configs.append(RoiConfig(prompt=prompt or "", **{key: text}))
    base.rois = list(base.rois) + configs
    editor = Editor(document_or_path, base, encoder=encoder, renderer=renderer, loss_terms=loss_terms,
                    callbacks=callbacks, rois=resolved, progress=progress,
                    selection=select if isinstance(select, (np.ndarray, torch.Tensor)) else None)
    state = editor.run()
    if state.interrupted:
        warnings.warn(f"interrupted after {plural(state.iteration, 'iteration')}; returning the last good result",
                      EditWarning, stacklevel=2)
    return editor.document


def _split_prompts(prompts, rois) -> tuple[Optional[str], list[Optional[str]]]:
    n = len(rois)
    if prompts is None:
        return None, [None] * n
    if isinstance(prompts, str):
        return prompts, [None] * n
    prompts = list(prompts)
    if len(prompts) == n + 1:
        return prompts[0], prompts[1:]
    if len(prompts) == n:
        return None, prompts
    raise OptionError(f"got {plural(len(prompts), 'prompt')} for {plural(n, 'ROI')}; give one per ROI, optionally preceded by the "
                      "whole canvas's prompt")


def _looks_like_box(item) -> bool:
    from vecedit.select import parse_box

    if isinstance(item, str):
        return parse_box(item) is not None
    return isinstance(item, (tuple, list)) and len(item) == 4 and all(isinstance(v, (int, float)) for v in item)


__all__ = ["Editor", "EditState", "EditWarning", "edit"]
