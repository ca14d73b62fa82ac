"""``vecedit edit``: text-guided editing of an SVG (or a raster image, vectorized first).

A thin layer over :class:`vecedit.edit.loop.Editor`: flags and job files become an
:class:`~vecedit.edit.config.EditConfig`; outputs (frames, animation, report,
checkpoints) are callbacks. Flags given on the command line override the job file.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from vecedit.console import plural
from vecedit.edit.config import EditConfig, RoiConfig, load_config
from vecedit.errors import InputError, OptionError
from vecedit.paths import same_file

EXAMPLES = """examples:
  vecedit edit cat.svg -p "a tiger" -o tiger.svg
  vecedit edit logo.svg -p "made of gold" --optimize color -o gold.svg --report gold.html
  vecedit edit face.svg -p "Self-Portrait of Vincent van Gogh" --roi 120,40,200,200 "a straw hat" -o vg.svg
  vecedit edit photo.png -p "a watercolour painting" -o painted.svg      (vectorized first)
  vecedit edit --config job.yaml            (a job file holds every option, several ROIs included)

CLIP weights: --clip ViT-B-32 --clip-pretrained openai (default) is taken from the local
cache or downloaded where there is network; offline, pass --clip-checkpoint FILE (a
state_dict saved from an open_clip model of architecture --clip). Boxes are x,y,w,h in the
document's pixels. Problems with the input or options exit with code 2 and one line.

Cost on a CPU: at the defaults (ViT-B/32, 64 patches, 150 iterations) one iteration is the
image encoder's forward and backward pass over 65 views, 5–8 s on 2 cores: a run takes
15–20 minutes (the estimate is printed after the second iteration). --patches 16 is about
4× faster; a CUDA GPU takes well under a second per iteration. Start-up to the first
iteration is about 4 CPU-s on a warm machine; a prompt's text features are kept in
$XDG_CACHE_HOME/vecedit (~/.cache/vecedit; VECEDIT_CACHE_DIR moves it, empty turns it off)."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "edit", help="edit an SVG toward a text prompt (ROI CLIP loss, CLIPVG)",
        description="Move the points, colours, stroke widths and opacities of an SVG so that it matches a text "
                    "prompt, through the differentiable renderer and a CLIP loss over regions of interest. "
                    "Writes an SVG that keeps the input's ids, groups and everything it does not change.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter, argument_default=None)
    add_arguments(p)
    p.set_defaults(run=run)
    return p


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every ``vecedit edit`` flag, for ``edit`` itself and for plugin commands that run an edit."""
    p.add_argument("input", nargs="?", metavar="IN", help="the SVG (or PNG/JPEG image, vectorized first) to edit")
    p.add_argument("-o", "--output", metavar="OUT.svg", help="the SVG to write (never the input)")
    p.add_argument("-p", "--prompt", metavar="TEXT", help="what the whole picture should become")
    p.add_argument("--config", metavar="JOB", help="a job file (.yaml, .toml, .json) with any of these options")
    p.add_argument("--write-config", metavar="JOB", help="write the effective options as a job file and exit")
    g = p.add_argument_group("regions and what moves")
    g.add_argument("--roi", nargs=2, action="append", metavar=("REGION", "TEXT"),
                   help="an extra region with its own prompt; REGION is a box x,y,w,h, a selector (#id, .class) "
                        "or a mask image of the document's size (repeatable)")
    g.add_argument("--roi-weight", type=float, action="append", metavar="W",
                   help="weight of each --roi, in order (default 1)")
    g.add_argument("--optimize", metavar="KINDS",
                   help="all (default) or any of shape, color, stroke, opacity, filter, comma-separated")
    g.add_argument("--select", action="append", metavar="SEL",
                   help="only these elements move: ids, classes, selectors or a box x,y,w,h (repeatable)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--iterations", type=int, metavar="N", help="steps (default 150)")
    g.add_argument("--seed", type=int, help="seed of every random choice (default 0)")
    g.add_argument("--patches", type=int, metavar="N", help="random patches per ROI and step (default 64)")
    g.add_argument("--patch-size", type=float, metavar="F", help="patch side / ROI side (default 0.8)")
    g.add_argument("--distortion", type=float, metavar="F", help="perspective distortion of patches (default 0.3)")
    g.add_argument("--lr-shape", type=float, metavar="LR", help="points, document px per step (default 0.2)")
    g.add_argument("--lr-color", type=float, metavar="LR", help="colours and gradient stop colours (default 0.01)")
    g.add_argument("--lr-stroke", type=float, metavar="LR", help="stroke widths (default 0.1)")
    g.add_argument("--lr-opacity", type=float, metavar="LR", help="opacities (default 0.01)")
    g.add_argument("--roi-loss-weight", type=float, metavar="W", help="weight of the ROI term (default 30)")
    g.add_argument("--patch-loss-weight", type=float, metavar="W", help="weight of the patch term (default 80)")
    g.add_argument("--reference-text", metavar="TEXT", help="the text the direction starts from (default 'a photo')")
    g.add_argument("--templates", choices=("imagenet", "none"), help="prompt templates (default imagenet, 80)")
    g.add_argument("--work-size", metavar="auto|full|PX",
                   help="render size: auto (default: what the encoder needs, longest side at most 1024), full "
                        "(the document's), or the longest side in pixels")
    g.add_argument("--background", metavar="COLOR", help="colour under the drawing (default white)")
    g.add_argument("--target-image", metavar="IMAGE", help="also pull the picture toward this image (MSE)")
    g.add_argument("--device", metavar="DEV", help="cuda or cpu (default: cuda when available)")
    g.add_argument("--precision", choices=("auto", "fp32", "bf16"),
                   help="the CLIP image encoder's arithmetic: auto (default: float16 on CUDA; on a CPU bfloat16 "
                        "only where it has native bfloat16, else float32), fp32, or bf16")
    g = p.add_argument_group("plugins")
    g.add_argument("--plugin", metavar="NAME",
                   help="a raster-method plugin that adds targets, regions, elements or loss terms "
                        "(`vecedit plugins` lists them and their options)")
    g.add_argument("--plugin-option", action="append", metavar="KEY=VALUE",
                   help="an option of --plugin (repeatable)")
    g = p.add_argument_group("CLIP model")
    g.add_argument("--clip", metavar="NAME", help="open_clip architecture or JSON model config (default ViT-B-32)")
    g.add_argument("--clip-pretrained", metavar="TAG", help="open_clip pretrained tag (default openai)")
    g.add_argument("--clip-checkpoint", metavar="FILE", help="a state_dict saved from an open_clip model of --clip")
    g = p.add_argument_group("outputs")
    g.add_argument("--save-every", type=int, metavar="K", help="write numbered SVG + PNG frames every K steps")
    g.add_argument("--frames", metavar="DIR", help="folder for the frames (default: OUT's name + '-frames')")
    g.add_argument("--animation", metavar="OUT.gif|OUT.mp4", help="an animation of the run")
    g.add_argument("--report", metavar="OUT.html", help="a page with input, output and loss curves")
    g.add_argument("--checkpoint", metavar="FILE", help="checkpoint file (default: OUT + '.ckpt')")
    g.add_argument("--checkpoint-every", type=int, metavar="K", help="checkpoint every K steps (default 25; 0: off)")
    g.add_argument("--resume", action="store_true", default=None, help="continue from the checkpoint")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")


FLAG_FIELDS = {
    "input": "input", "output": "output", "prompt": "prompt", "optimize": "optimize", "select": "select",
    "iterations": "iterations", "seed": "seed", "patches": "patches", "patch_size": "patch_size",
    "distortion": "distortion", "roi_loss_weight": "roi_weight", "patch_loss_weight": "patch_weight",
    "reference_text": "reference_text", "templates": "templates", "work_size": "work_size",
    "background": "background", "target_image": "target_image", "device": "device", "precision": "precision",
    "save_every": "save_every",
    "frames": "frames", "animation": "animation", "report": "report", "checkpoint": "checkpoint",
    "checkpoint_every": "checkpoint_every", "resume": "resume",
}
LR_FLAGS = {"lr_shape": "shape", "lr_color": "color", "lr_stroke": "stroke_width", "lr_opacity": "opacity"}
CLIP_FLAGS = {"clip": "model", "clip_pretrained": "pretrained", "clip_checkpoint": "checkpoint"}


def config_from_args(args: argparse.Namespace) -> EditConfig:
    config = load_config(args.config) if args.config else EditConfig()
    if args.config and getattr(args, "read_job", None):  # a plugin command's own meaning of a job file's keys
        args.read_job(config)
    for flag, name in FLAG_FIELDS.items():
        value = getattr(args, flag, None)
        if value is not None:
            setattr(config, name, [value] if name == "optimize" else value)
    for flag, name in LR_FLAGS.items():
        if getattr(args, flag) is not None:
            setattr(config.lr, name, getattr(args, flag))
    for flag, name in CLIP_FLAGS.items():
        if getattr(args, flag) is not None:
            setattr(config.clip, name, getattr(args, flag))
    if args.clip_checkpoint is not None and args.clip_pretrained is None:
        config.clip.pretrained = None
    if args.plugin is not None:
        config.plugin = args.plugin
    config.plugin_options.update(getattr(args, "plugin_values", None) or {})  # set by plugin commands
    for text in args.plugin_option or []:
        from vecedit.plugin.contract import split_option

        key, value = split_option(text)
        config.plugin_options[key] = value
    weights = args.roi_weight or []
    if len(weights) > len(args.roi or []):
        raise OptionError(f"{len(weights)} --roi-weight values for {len(args.roi or [])} --roi regions")
    for k, (region, prompt) in enumerate(args.roi or []):
        config.rois.append(_roi(region, prompt, weights[k] if k < len(weights) else 1.0))
    return config


def _roi(region: str, prompt: str, weight: float) -> RoiConfig:
    from vecedit.edit.setup import is_raster
    from vecedit.select import parse_box

    if parse_box(region) is not None:
        return RoiConfig(prompt=prompt, box=region, weight=weight)
    if is_raster(region):
        return RoiConfig(prompt=prompt, mask=region, weight=weight)
    return RoiConfig(prompt=prompt, select=region, weight=weight)


def check_paths(config: EditConfig, command: str = "edit") -> None:
    """Refuse, before any work, outputs that could never be written or would clobber an input.

    ``command`` is the subcommand running the edit (plugin commands run it too), for the messages.
    """
    if not config.input:
        usage = "-p TEXT -o OUT.svg" if command == "edit" else f"… -o OUT.svg (vecedit {command} -h lists the options)"
        raise OptionError(f"give the SVG to edit: vecedit {command} IN.svg {usage}")
    if not Path(config.input).exists():
        raise InputError(f"{config.input}: no such file")
    if not config.output:
        raise OptionError("give the SVG to write with -o OUT.svg")
    out = Path(config.output)
    if out.suffix.lower() != ".svg":
        raise OptionError(f"-o {config.output}: vecedit edit writes SVG; give a file name ending in .svg")
    if same_file(Path(config.input), out):
        raise OptionError(f"-o {config.output} is the input file; vecedit never overwrites its input")
    named = {"-o": out}
    for flag, value, suffixes in (("--report", config.report, (".html", ".htm")),
                                  ("--animation", config.animation, (".gif", ".mp4"))):
        if value:
            if Path(value).suffix.lower() not in suffixes:
                raise OptionError(f"{flag} {value}: give a file name ending in {' or '.join(suffixes)}")
            named[flag] = Path(value)
    if config.animation:
        from vecedit.edit.outputs import check_animation_path

        check_animation_path(config.animation)
    # the checkpoint is written during the run and deleted when it completes: never the input or another output
    named["--checkpoint"] = Path(config.checkpoint or str(out) + ".ckpt")
    for flag, path in named.items():
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"{flag} {path}: the folder {folder} does not exist; create it or choose another")
        if path.is_dir():
            raise InputError(f"{flag} {path}: is a folder; give a file name")
        if same_file(Path(config.input), path):
            raise OptionError(f"{flag} {path} is the input file; vecedit never overwrites its input")
    for flag, path in named.items():
        if flag != "--checkpoint" and same_file(named["--checkpoint"], path):
            raise OptionError(f"--checkpoint {named['--checkpoint']} is also {flag}; give the checkpoint a name "
                              "of its own")
    if config.save_every:
        frames = Path(config.frames or out.with_name(out.stem + "-frames"))
        if frames.exists() and not frames.is_dir():
            raise InputError(f"--frames {frames}: is a file; give a folder for the frames (created if missing)")


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.write_config:
        from vecedit.edit.config import save_config

        save_config(config.validate(), args.write_config)
        if not args.quiet:
            print(f"wrote {args.write_config}")
        return 0
    config.validate()
    check_paths(config, getattr(args, "command", None) or "edit")
    from vecedit.edit.outputs import AnimationWriter, Checkpointer, FrameWriter, HtmlReport, load_checkpoint
    from vecedit.edit.setup import is_raster
    from vecedit.edit.loop import EditWarning, Editor, check_resumable

    out = Path(config.output)
    checkpoint = Path(config.checkpoint or str(out) + ".ckpt")
    saved = load_checkpoint(checkpoint) if config.resume else None  # fail before loading CLIP
    if saved is not None:  # a plugin may still set --optimize: the Editor checks it once it has run
        check_resumable(saved, config, str(checkpoint), ignore=("optimize",) if config.plugin else ())
    vectorized = out.with_name(out.stem + "-vectorized.svg") if is_raster(config.input) else None
    callbacks = []
    if config.save_every:
        callbacks.append(FrameWriter(config.frames or out.with_name(out.stem + "-frames"), config.save_every))
    if config.animation:
        callbacks.append(AnimationWriter(config.animation, config.iterations, config.save_every))
    if config.report:
        callbacks.append(HtmlReport(config.report, title=f"vecedit edit: {Path(config.input).name}",
                                    settings=_settings(config)))
    checkpointer = Checkpointer(checkpoint, config.checkpoint_every)
    callbacks.append(checkpointer)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("always", EditWarning)
        warnings.showwarning = _show_warning
        editor = Editor(config.input, config, callbacks=callbacks, progress=not args.quiet,
                        vectorized_path=str(vectorized) if vectorized else None)
        for note in editor.plugin_notes:
            if not args.quiet:
                print(f"{config.plugin}: {note}", file=sys.stderr)
        if saved is not None:
            editor.restore(saved, where=str(checkpoint))
        from vecedit.svg import save_svg

        first = editor.state.iteration
        try:
            state = editor.run()
        except Exception as error:
            if editor.state.iteration == first:
                raise  # failed before any progress (a refusal or not): nothing worth keeping, nothing written
            editor.write_back()
            save_svg(editor.document, out)
            checkpointer.save(editor.state)
            print(f"vecedit: error: the run failed at iteration {editor.state.iteration + 1}; the last good result "
                  f"is in {out} and {checkpoint} (--resume continues)", file=sys.stderr)
            raise
    save_svg(editor.document, out)
    if state.interrupted:
        print(f"vecedit: interrupted at iteration {state.iteration}; wrote the last good result to {out}; "
              f"continue with --resume", file=sys.stderr)
        return 130
    if not args.quiet:
        seconds = time.perf_counter() - started
        extra = [str(p) for p in (vectorized, config.report, config.animation) if p]
        print(f"wrote {out} ({plural(state.iteration, 'iteration')}, {seconds:.1f} s"
              + (f"; also {', '.join(extra)}" if extra else "") + ")")
    return 0


def _settings(config: EditConfig) -> dict:
    rois = "; ".join(f"{r.prompt!r} @ {r.box or r.select or r.mask} ×{r.weight:g}" for r in config.rois)
    clip = config.clip
    weights = clip.checkpoint or f"{clip.pretrained}"
    return {"input": config.input, "prompt": config.prompt or "–", "ROIs": rois or "–",
            "optimize": ",".join(config.optimize or ["all"]), "select": ", ".join(config.select or []) or "all",
            "iterations": config.iterations, "patches": config.patches, "seed": config.seed,
            "learning rates": f"shape {config.lr.shape}, color {config.lr.color}, stroke {config.lr.stroke_width}, "
                              f"opacity {config.lr.opacity}",
            "CLIP": f"{clip.model} ({weights})",
            "plugin": f"{config.plugin} {config.plugin_options or ''}" if config.plugin else "–"}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"vecedit: warning: {message}", file=sys.stderr)

