"""``vecedit dreamdistribution fit`` (learn a distribution) and ``… sample`` (N edits from N samples)."""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

from vecedit.errors import OptionError

FIT_EXAMPLES = """examples:
  vecedit dreamdistribution fit refs/*.png -o teapots.pt
  vecedit dreamdistribution fit a.png b.png c.png d.png -o concept.pt --prompts 32 --tokens 4 --steps 500
  vecedit dreamdistribution fit refs/*.png -o concept.pt --clip ViT-B-32 --clip-checkpoint vitb32.pt

Needs at least 3 reference images (3–20 work well). The file records the CLIP model it
was fitted with; sampling it with another model is refused."""

SAMPLE_EXAMPLES = """examples:
  vecedit dreamdistribution sample cup.svg --distribution teapots.pt -n 4 -o variants/cup.svg
      (writes variants/cup-0.svg … cup-3.svg, sample i drawn with seed --seed + i)
  vecedit dreamdistribution sample cup.svg --distribution teapots.pt -n 6 --std-scale 2 -o wild/cup.svg
  vecedit dreamdistribution sample cup.svg --mix teapots.pt:0.7,vases.pt:0.3 -n 4 -o mixed/cup.svg
  vecedit dreamdistribution sample cup.svg --distribution teapots.pt --text "in autumn" -n 2 -o a/cup.svg

One sample through `vecedit edit`:
  vecedit edit cup.svg -o one.svg --plugin dreamdistribution --plugin-option distribution=teapots.pt"""

NUMBERED_OUTPUTS = ("report", "animation", "frames", "checkpoint")  # one per variant, like -o


def add_command(subparsers, plugin) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dreamdistribution", help="learn a prompt distribution from reference images; sample it into SVG variants",
        description="DreamDistribution (arXiv 2312.14216) in CLIP space: `fit` learns K soft prompts whose "
                    "text-feature Gaussian matches a few reference images; `sample` edits an SVG once per "
                    "sample of it, for diverse variants of one concept.")
    commands = p.add_subparsers(title="commands", dest="dreamdistribution_command", required=True, metavar="COMMAND")
    _add_fit(commands)
    _add_sample(commands, plugin)
    return p


# ----------------------------------------------------------------------------- fit


def _add_fit(commands) -> None:
    from vecedit.plugins.dreamdistribution.settings import FitSettings

    d = FitSettings()
    p = commands.add_parser("fit", help="learn a prompt distribution from 3 or more reference images",
                            description="Learn K soft prompts (token embeddings through the frozen CLIP text "
                                        "encoder) whose features' Gaussian matches the reference images' CLIP "
                                        "features, and save it as a .pt file.",
                            epilog=FIT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("references", nargs="+", metavar="REF", help="reference images (PNG, JPEG, …), at least 3")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pt", help="the distribution file to write")
    p.add_argument("--prompts", type=int, default=d.prompts, metavar="K", help=f"soft prompts (default {d.prompts})")
    p.add_argument("--tokens", type=int, default=d.tokens, metavar="N",
                   help=f"learnable tokens per prompt (default {d.tokens})")
    p.add_argument("--steps", type=int, default=d.steps, metavar="N", help=f"optimisation steps (default {d.steps})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"Adam learning rate (default {d.lr:g})")
    p.add_argument("--orthogonality", type=float, default=d.orthogonality, metavar="W",
                   help=f"weight of the orthogonality term between prompts (default {d.orthogonality:g})")
    p.add_argument("--text", default="", metavar="TEXT", help="text after the soft tokens while fitting (optional)")
    p.add_argument("--seed", type=int, default=d.seed,
                   help=f"seed of the initial prompts and of the training samples (default {d.seed})")
    p.add_argument("--clip", default="ViT-B-32", metavar="NAME",
                   help="open_clip architecture or JSON model config (default ViT-B-32)")
    p.add_argument("--clip-pretrained", metavar="TAG", help="open_clip pretrained tag (default openai)")
    p.add_argument("--clip-checkpoint", metavar="FILE", help="a state_dict saved from an open_clip model of --clip")
    p.add_argument("--device", metavar="DEV", help="cuda or cpu (default: cuda when available)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    p.set_defaults(run=run_fit)


def run_fit(args: argparse.Namespace) -> int:
    from vecedit.paths import check_output, same_file

    from vecedit.plugins.dreamdistribution.fit import fit_distribution, load_references
    from vecedit.plugins.dreamdistribution.settings import FitSettings
    from vecedit.losses.encoders import default_device, load_clip

    output = Path(args.output)
    for reference in args.references:
        if same_file(Path(reference), output):
            raise OptionError(f"-o {args.output} is one of the reference images; vecedit never overwrites its input")
    check_output(Path(args.references[0]), output, args.output, ".pt", "dreamdistribution fit",
                 "a distribution file")
    settings = FitSettings(args.prompts, args.tokens, args.steps, args.lr, args.orthogonality,
                           text=args.text, seed=args.seed).validate()
    images = load_references(args.references)  # every image is read before the model loads
    pretrained = args.clip_pretrained or (None if args.clip_checkpoint else "openai")
    encoder = load_clip(args.clip, pretrained, args.clip_checkpoint, args.device or default_device())
    started = time.perf_counter()
    bar = None if args.quiet else _bar(settings.steps)
    history = []

    def progress(step: int, parts: dict) -> None:
        history.append(parts["loss"])
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{parts['loss']:.4f}", orth=f"{parts['orthogonality']:.3f}")

    try:
        distribution = fit_distribution(encoder, images, settings, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    distribution.save(output)
    if not args.quiet:
        print(f"wrote {output} ({settings.prompts} prompts × {settings.tokens} tokens from {len(images)} references "
              f"with {getattr(encoder, 'description', args.clip)}; loss {history[0]:.4f} → {history[-1]:.4f}, "
              f"{time.perf_counter() - started:.1f} s)")
    return 0


def _bar(total: int):
    from vecedit.console import progress

    return progress(total, "fit", "step")


# ----------------------------------------------------------------------------- sample


def _add_sample(commands, plugin) -> None:
    from vecedit.edit.cli import add_arguments

    p = commands.add_parser("sample", help="edit an SVG once per sample of a distribution: N variants",
                            description="Draw N samples of a learned distribution (or a mix) and run one edit "
                                        "per sample; OUT.svg becomes OUT-0.svg … OUT-(N-1).svg. Every edit flag "
                                        "of `vecedit edit` applies to each run.",
                            epilog=SAMPLE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
                            argument_default=None)
    own = p.add_argument_group("dreamdistribution options")
    own.add_argument("--distribution", metavar="FILE.pt", help="a file from `vecedit dreamdistribution fit`")
    own.add_argument("--mix", metavar="A.pt:W,B.pt:W", help="instead of --distribution: weighted files (sum 1)")
    own.add_argument("-n", "--count", type=int, default=4, metavar="N", help="samples, one edit each (default 4)")
    own.add_argument("--std-scale", metavar="S", help="scale on the std: 0 = the mean, larger = more diverse "
                                                      "(default 1)")
    own.add_argument("--text", metavar="TEXT", help="text after the learned prompts, e.g. 'in autumn'")
    add_arguments(p)
    p.set_defaults(run=lambda args: run_sample(args, plugin))


def numbered(path: str, index: int) -> str:
    """``out.svg`` → ``out-2.svg`` (a folder name gets ``-2`` at the end)."""
    name = Path(path)
    return str(name.with_name(f"{name.stem}-{index}{name.suffix}"))


def run_sample(args: argparse.Namespace, plugin) -> int:
    from vecedit.edit.cli import check_paths, config_from_args, run as run_edit

    if args.plugin not in (None, plugin.name):
        raise OptionError(f"--plugin {args.plugin}: this command runs the {plugin.name} plugin")
    if args.write_config:
        raise OptionError("sample runs one edit per sample; write a job file with vecedit edit --write-config and "
                          "pass it here with --config")
    if args.count < 1:
        raise OptionError(f"-n {args.count}: give at least one sample")
    args.plugin = plugin.name
    own = {"distribution": args.distribution, "mix": args.mix, "std_scale": args.std_scale, "text": args.text}
    base = config_from_args(_with(args, plugin_values={k: v for k, v in own.items() if v is not None}))
    if not base.output:
        raise OptionError("give the SVG name to number with -o OUT.svg (writes OUT-0.svg, OUT-1.svg, …)")
    runs = [_variant(args, base, i) for i in range(args.count)]
    for run in runs:  # every variant's outputs and options are checked before the first edit
        config = config_from_args(run).validate()
        check_paths(config)
    _check_files(base.plugin_options)
    # load_clip keeps the model for the process: the N edits share one loaded encoder
    for run in runs:
        code = run_edit(run)
        if code != 0:
            return code
    return 0


def _with(args: argparse.Namespace, **changes) -> argparse.Namespace:
    out = copy.copy(args)
    for name, value in changes.items():
        setattr(out, name, value)
    return out


def _variant(args: argparse.Namespace, base, index: int) -> argparse.Namespace:
    """Variant ``index``: its own numbered outputs, and the sample drawn with seed ``first + index``,
    ``first`` being the ``sample_seed`` option when one is given, else ``--seed``."""
    from vecedit.plugin.contract import split_option

    values = dict(base.plugin_options)
    values["sample_seed"] = _first_seed(base) + index
    kept = [text for text in args.plugin_option or [] if split_option(text)[0].replace("-", "_") != "sample_seed"]
    changes = {"output": numbered(base.output, index), "plugin_values": values, "plugin_option": kept}
    for name in NUMBERED_OUTPUTS:
        if getattr(base, name, None):
            changes[name] = numbered(getattr(base, name), index)
    return _with(args, **changes)


def _first_seed(base) -> int:
    given = base.plugin_options.get("sample_seed")
    if given is None or (isinstance(given, str) and given.strip().lower() in ("", "none")):
        return int(base.seed)
    try:
        return int(given)
    except (TypeError, ValueError):
        raise OptionError(f"plugin dreamdistribution: option sample_seed={given!r}: give a whole number") from None


def _check_files(options: dict) -> None:
    """Read the distribution files once before any edit, so a bad one stops everything with nothing written."""
    import vecedit.plugins.dreamdistribution.distribution as dist

    if options.get("mix"):
        for path, _ in dist.parse_mix(str(options["mix"])):
            dist.load(path)
    if options.get("distribution"):
        dist.load(str(options["distribution"]))
