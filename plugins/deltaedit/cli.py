"""``vecedit deltaedit train`` and ``vecedit deltaedit apply``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vecedit.errors import InputError, OptionError

EXAMPLES = """examples:
  vecedit deltaedit train logo.svg -o logo-mapper.pt --clip-checkpoint vitb32.pt
  vecedit deltaedit apply logo.svg --mapper logo-mapper.pt -p "red" -o logo-red.svg --clip-checkpoint vitb32.pt
  vecedit deltaedit apply logo.svg --mapper logo-mapper.pt -p "autumn" --refine 30 -o autumn.svg …
  vecedit edit logo.svg -p "autumn" -o autumn.svg --plugin deltaedit --plugin-option mapper=logo-mapper.pt

Train once per document (or per family of documents with the same structure) and CLIP
model; then every prompt is one forward pass. apply uses the same --clip options as train."""

TRAIN_EXAMPLES = """examples:
  vecedit deltaedit train logo.svg -o logo-mapper.pt --clip-checkpoint vitb32.pt
  vecedit deltaedit train map.svg -o map-mapper.pt --select "#land" --kinds color --samples 400

Time goes into rendering and encoding --samples random edits (about 0.2 s each with
ViT-B-32 on a CPU core); --steps of mapper training take a few more seconds."""


LOOP_FLAGS = (("--iterations", "iterations"), ("--select", "select"), ("--optimize", "optimize"),
              ("--target-image", "target_image"), ("--save-every", "save_every"), ("--animation", "animation"),
              ("--report", "report"), ("--resume", "resume"))


def add_command(subparsers, plugin) -> None:
    p = subparsers.add_parser(
        "deltaedit", help="train a text-free edit mapper for a document, then edit it by prompt in one pass "
                          "(DeltaEdit)",
        description="DeltaEdit for SVG: `train` learns, from random edits of a document and no text, to map CLIP "
                    "image-feature changes to edits of its groups (layout and colour); `apply` feeds the change "
                    "of CLIP text features from 'a photo' to a prompt through it and writes the edited SVG in "
                    "one forward pass.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = p.add_subparsers(title="steps", dest="deltaedit_step", required=True, metavar="STEP")
    add_train(steps)
    add_apply(steps, plugin)


def add_train(steps) -> None:
    p = steps.add_parser(
        "train", help="train a mapper for a document (no text needed)",
        description="Render random edits of the document's groups, encode them with CLIP, and train a mapper from "
                    "(features, unit feature change) to the edit, with L2 + cosine losses. Writes MAPPER.pt.",
        epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", metavar="IN.svg", help="the document the mapper edits")
    p.add_argument("-o", "--output", metavar="MAPPER.pt", required=True, help="the mapper file to write")
    p.add_argument("--samples", type=int, default=256, metavar="N", help="random edits rendered (default 256)")
    p.add_argument("--steps", type=int, default=1000, metavar="N", help="training steps (default 1000)")
    p.add_argument("--select", action="append", metavar="SEL",
                   help="only these elements form the edit space: ids, classes, selectors or a box x,y,w,h "
                        "(repeatable; default: every editable shape)")
    p.add_argument("--kinds", default="color,shape", metavar="KINDS",
                   help="what the edits change: color, shape or both (default color,shape)")
    p.add_argument("--max-groups", type=int, default=8, metavar="G", help="groups of shapes at most (default 8)")
    p.add_argument("--hidden", type=int, default=256, metavar="N", help="width of the mapper's layers (default 256)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random edits and of training (default 0)")
    p.add_argument("--background", default="white", metavar="COLOR", help="colour under the drawing (default white)")
    add_clip_arguments(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    p.set_defaults(run=run_train)


def add_clip_arguments(p) -> None:
    g = p.add_argument_group("CLIP model")
    g.add_argument("--clip", metavar="NAME", help="open_clip architecture or JSON model config (default ViT-B-32)")
    g.add_argument("--clip-pretrained", metavar="TAG", help="open_clip pretrained tag (default openai)")
    g.add_argument("--clip-checkpoint", metavar="FILE", help="a state_dict saved from an open_clip model of --clip")
    g.add_argument("--device", metavar="DEV", help="cuda or cpu (default: cuda when available)")


def add_apply(steps, plugin) -> None:
    from vecedit.plugin.cli import add_edit_command

    def own(group) -> None:
        group.add_argument("--mapper", metavar="MAPPER.pt",
                           help="a mapper from deltaedit train (required here or as mapper: in the job file)")
        group.add_argument("--strength", type=float, metavar="S",
                           help="scale of the predicted edit (default: the job file's, else 1; negative: the "
                                "opposite)")
        group.add_argument("--refine", type=int, default=0, metavar="N",
                           help="then run N iterations of vecedit edit toward the prompt from the predicted edit "
                                "(default 0: the one-pass edit only); the edit flags below apply to that run")

    p = add_edit_command(
        steps, plugin, "apply", help="edit a document toward a prompt in one forward pass of its mapper",
        description="Write IN edited toward the prompt (-p) by the mapper's one-pass prediction; with --refine N, "
                    "continue with N iterations of the usual edit. Needs the --clip options the mapper was "
                    "trained with.",
        add_own_arguments=own, examples=EXAMPLES)
    p.set_defaults(run=lambda args: run_apply(args, plugin))


def load_encoder(args):
    from vecedit.edit.config import ClipConfig
    from vecedit.losses.encoders import default_device, load_clip

    clip = ClipConfig()
    model = args.clip or clip.model
    pretrained = args.clip_pretrained if args.clip_pretrained is not None else (
        None if args.clip_checkpoint else clip.pretrained)
    return load_clip(model, pretrained, args.clip_checkpoint, args.device or default_device())


def run_train(args: argparse.Namespace) -> int:
    from vecedit.plugins.deltaedit.space import parse_kinds
    from vecedit.plugins.deltaedit.training import train_mapper
    from vecedit.edit.setup import is_raster
    from vecedit.imageio import to_rgba
    from vecedit.paths import check_output
    from vecedit.svg import load_svg

    source, output = Path(args.input), Path(args.output)
    if not source.is_file():
        raise InputError(f"{args.input}: no such file")
    if is_raster(source):
        raise OptionError(f"{args.input} is a raster image; vectorize it first (vecedit vectorize) and train on "
                          "the SVG")
    check_output(source, output, args.output, ".pt", "deltaedit train", "mapper files")
    kinds = parse_kinds(args.kinds)
    to_rgba(args.background)
    doc = load_svg(source)
    started = time.perf_counter()
    encoder = load_encoder(args)
    bar = None if args.quiet else _Progress()
    mapper = train_mapper(doc, encoder, args.samples, args.steps, args.seed, args.select, args.max_groups, kinds,
                          args.background, hidden=args.hidden, progress=bar)
    if bar is not None:
        bar.close()
    mapper.save(output)
    if not args.quiet:
        stats = mapper.stats
        print(f"wrote {output} ({len(mapper.space.groups)} groups × {', '.join(mapper.space.levels)} levels, "
              f"{mapper.space.size} numbers; {stats['samples']} renders, {stats['pairs']} pairs; held-out edit "
              f"cosine {stats['held_out_cosine']:.2f}; {time.perf_counter() - started:.1f} s)")
    return 0


class _Progress:
    """A progress report per training stage, on stderr (:func:`vecedit.console.progress`)."""

    def __init__(self):
        self.bar, self.stage = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            if stage == "fit":
                print("deltaedit: fitting the mapper…", file=sys.stderr)
                self.stage = stage
                return
            from vecedit.console import progress

            self.bar, self.stage = progress(total, stage, "edit"), stage
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def run_apply(args: argparse.Namespace, plugin) -> int:
    from vecedit.plugin.cli import run_as_edit

    if args.refine < 0:
        raise OptionError(f"--refine must be a whole number >= 0, got {args.refine}")
    if args.refine > 0:
        if args.iterations is not None and args.iterations != args.refine:
            raise OptionError("--refine N sets the number of edit iterations; drop --iterations")
        args.iterations = args.refine
        return run_as_edit(args, plugin)
    return apply_once(args, plugin)


def apply_once(args: argparse.Namespace, plugin) -> int:
    """The one-pass edit, without the edit loop; ``mapper`` and ``strength`` as an edit run takes
    them: the flags over the job file's ``plugin_options``."""
    from vecedit.plugin.contract import parse_options
    from vecedit.plugins.deltaedit.mapper import load_mapper
    from vecedit.edit.cli import check_paths, config_from_args
    from vecedit.edit.setup import load_input
    from vecedit.losses.encoders import default_device, load_clip
    from vecedit.svg import save_svg

    if args.plugin not in (None, plugin.name):
        raise OptionError(f"--plugin {args.plugin}: deltaedit apply runs the deltaedit plugin only")
    args.plugin = plugin.name
    args.plugin_values = {o.name: getattr(args, o.name) for o in plugin.options
                          if getattr(args, o.name, None) is not None}
    config = config_from_args(args)
    config.validate()
    check_paths(config)
    if config.prompt is None:
        raise OptionError("give the prompt to edit toward with -p TEXT")
    if config.rois:
        raise OptionError("--roi needs --refine N: the mapper edits the whole picture, an edit run can add regions")
    loop_only = [flag for flag, dest in LOOP_FLAGS if getattr(args, dest, None) not in (None, False)]
    if loop_only:  # they would be ignored: the one-pass edit has no iterations, frames or selection
        raise OptionError(f"{loop_only[0]} applies to an edit run: add --refine N, or drop it for the one-pass edit")
    if not config.plugin_options.get("mapper"):
        raise OptionError("give the mapper from deltaedit train with --mapper MAPPER.pt (or mapper: in the job "
                          "file's plugin_options)")
    options = parse_options(plugin, config.plugin_options)
    doc = load_input(config.input)
    mapper = load_mapper(options["mapper"], document=doc)  # refuse a wrong file before loading CLIP
    clip = config.clip  # the job file's model and weights, with the flags over them
    encoder = load_clip(clip.model, clip.pretrained, clip.checkpoint, config.device or default_device())
    mapper.check_encoder(encoder, options["mapper"])
    edited, info = mapper.apply(doc, config.prompt, encoder, options["strength"], config.reference_text,
                                config.templates, config.background)
    save_svg(edited, config.output)
    if not args.quiet:
        ms = info["ms"]
        print(f"wrote {config.output} (one-pass edit in {ms['total']:.0f} ms: text {ms['text']:.0f} ms, mapper "
              f"{ms['mapper']:.1f} ms, writing {ms['write']:.0f} ms)")
    return 0
