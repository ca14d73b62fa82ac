"""Per-plugin CPU timings, one JSON object: each ``benchmarks/plugin_<name>.py``'s ``measure()``.

The encoders are open_clip models with RANDOM weights (timing only; each plugin's entry
says which architecture it used). Run on a quiet machine; the numbers are seconds or
milliseconds as each key says.

    python benchmarks/plugins_bench.py [--only glyphdraw,deltaedit]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGINS = ("glyphdraw", "stylestudio", "dreamdistribution", "deltaedit")


def run_one(name: str) -> dict:
    path = HERE / f"plugin_{name}.py"
    spec = importlib.util.spec_from_file_location(f"plugin_{name}_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    started = time.perf_counter()
    result = module.measure()
    result["bench_wall_s"] = round(time.perf_counter() - started, 2)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated plugin names (default: all four)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(PLUGINS)
    unknown = sorted(set(names) - set(PLUGINS))
    if unknown:
        parser.error(f"unknown plugin(s) {', '.join(unknown)}; choose from {', '.join(PLUGINS)}")
    import torch

    report = {"machine": {"cpu_threads": torch.get_num_threads(), "python": platform.python_version(),
                          "torch": torch.__version__}}
    for name in names:
        report[name] = run_one(name)
        print(f"{name}: done", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
