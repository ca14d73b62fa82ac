"""``vecedit batch JOB``: the command-line layer over :func:`vecedit.batch.api.batch`."""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """examples:
  vecedit batch samples/batch/brand-icons.yaml                  (recolour → 256 px PNG, one worker)
  vecedit batch job.yaml -j 4                                   (four worker processes)
  vecedit batch job.yaml --engine ray --address auto            (the Ray cluster this machine is in)
  vecedit batch job.yaml --resume                               (finish a run that crashed or was killed)
  vecedit batch job.yaml --dry-run                              (what would run, what is done)

A job file names inputs: (a folder, a glob or a list file), output: (a folder) and steps:,
each one of vectorize, recolor, edit, font, render or a plugin with its options as its own
command takes them (see README, "vecedit batch"). Items already done with the same job and
input bytes are skipped. Report: OUTPUT/batch-report.jsonl. Exit code 0 when every item
succeeded, 2 when some failed or the batch could not start (one line)."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "batch", help="run workflows over many files, locally or on a Ray cluster (resumable)",
        description="Run a job file's steps (vectorize, recolor, edit, font, render, plugins) over every input, "
                    "writing each item's outputs atomically; skips items already done.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("job", metavar="JOB", help="the job file (.yaml, .toml or .json)")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: worker processes on this machine (default); ray: Ray tasks/actors")
    p.add_argument("--address", metavar="ADDR",
                   help="--engine ray: 'auto' (this machine's cluster) or ray://host:port; default: start Ray here")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="workers (local default 1; 0 = one per CPU core; ray default: the cluster's CPUs or GPUs)")
    p.add_argument("--resume", action="store_true", help="finish a run that stopped before the end")
    p.add_argument("--dry-run", action="store_true", help="say what would run and what is done; write nothing")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from vecedit.batch.api import batch

    try:
        result = batch(args.job, engine=args.engine, address=args.address, jobs=args.jobs, resume=args.resume,
                       dry_run=args.dry_run)
    except KeyboardInterrupt:
        print(f"vecedit: interrupted; finished items are kept, `vecedit batch {args.job} --resume` does the rest",
              file=sys.stderr)
        return 130
    summary = result.summary
    if args.dry_run:
        for item, what in result.planned:
            print(f"{what:<5} {item.rel} → {', '.join(path for _, path in item.outputs)}")
        print(f"dry run: {summary['to_run']} to run, {summary['skipped']} done already, of {summary['items']} "
              "items; nothing written")
        return 0
    print(f"batch: {summary['done']} done, {summary['skipped']} skipped, {summary['failed']} failed of "
          f"{summary['items']} items in {summary['seconds']:.1f} s ({summary['items_per_second']:.2f} items/s); "
          f"report: {result.report}")
    if result.failures:
        print(f"vecedit: error: {len(result.failures)} item(s) failed; the report lists each with its error",
              file=sys.stderr)
        return 2
    return 0


__all__ = ["add_parser", "run"]
