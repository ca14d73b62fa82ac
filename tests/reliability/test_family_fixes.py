"""Regressions for what the campaign's wider families (``benchmarks/fuzzfamilies.py``: text,
filter graphs, style sheets, reference chains, absurd numbers, embedded images, containers)
found, each as the smallest input that showed it, judged by ``benchmarks/fuzzkit.py``."""

import random
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
import fuzzfamilies  # noqa: E402
from fuzzkit import check_api  # noqa: E402

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="16" height="16">{}</svg>'


def api(body: str):
    verdict = check_api(SVG.format(body).encode(), mode="bytes")
    assert verdict.ok, (verdict.signature, verdict.detail)
    return verdict


@pytest.mark.parametrize("family", sorted(fuzzfamilies.FRAGMENTS))
def test_each_family_makes_well_formed_documents_that_keep_the_contract(family):
    # the generators are only worth running if most of what they make gets past the XML parser
    verdicts = [check_api(SVG.format(fuzzfamilies.FRAGMENTS[family](random.Random(seed))).encode(), mode="bytes")
                for seed in range(3)]
    assert all(v.ok for v in verdicts), [(v.signature, v.detail) for v in verdicts]
    assert sum(v.outcome == "ok" for v in verdicts) >= 2, [v.detail for v in verdicts]


def test_dash_pattern_in_a_non_finite_user_space_is_drawn_solid():
    # was: ValueError (NaN to int) in dash._intervals: a circle under a matrix whose inverse is not finite
    api('<circle cx="4e-310" cy="4e-310" r="4e-310" stroke="red" stroke-dasharray="99" '
        'transform="matrix(-1e20 20.8 98.7 1e40 16.4 1e308)"/>')


def test_dashes_are_counted_before_they_are_built():
    # was: 10⁹ dashes of 1e-7 round a circle allocated (16 GB) before MAX_DASHES was looked at
    from vecedit.render.dash import _intervals

    assert _intervals(188.0, np.array([1e-7, 1e-7]), 0.0, most=200_000) is None
    assert _intervals(188.0, np.array([1.0, 1.0]), 0.0, most=200_000) is not None
    assert _intervals(float("nan"), np.array([1.0, 1.0]), 0.0) is None
    api('<circle cx="8" cy="8" r="6" stroke="red" stroke-dasharray="1e-7" transform="scale(1e-3)"/>')
