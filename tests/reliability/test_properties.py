"""Property-based checks of the contract (issue 12) with hypothesis: random documents
from the fuzz grammar, random mutations of the corpus, and random numbers in every
geometry attribute all end in a picture or one VeceditError, with finite pixels and
scene tensors and a byte-exact round trip. Derandomized (same examples every run) and
small, so the normal run spends a few seconds here; ``benchmarks/fuzz.py`` is the long
campaign over the same generators."""

import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from fuzzgen import grammar_svg, mutate_svg  # noqa: E402
from fuzzkit import check_api  # noqa: E402

CORPUS = sorted((HERE.parents[0] / "corpus").rglob("*.svg"))
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def assert_contract(data: bytes) -> None:
    if len(data) > 300_000:  # the huge-repeat mutations belong to the long campaign
        return
    verdict = check_api(data, mode="bytes")
    assert verdict.ok, (verdict.signature, verdict.detail, data[:300])


@SETTINGS
@given(st.integers(min_value=0, max_value=2**32))
def test_grammar_documents_keep_the_contract(seed):
    assert_contract(grammar_svg(random.Random(seed)))


@SETTINGS
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(CORPUS))
def test_corpus_mutations_keep_the_contract(seed, path):
    assert_contract(mutate_svg(random.Random(seed), path.read_bytes()))


NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.sampled_from(["1e308", "1e-320", "1e39", "-0", "9" * 300, "1e999", ".5e", "4e-310"]))


@SETTINGS
@given(st.sampled_from(["circle cx cy r", "ellipse cx cy rx ry", "rect x y width height rx", "line x1 y1 x2 y2"]),
       st.lists(NUMBER, min_size=5, max_size=5), st.sampled_from(["", "scale(0)", "rotate(45) scale(1e-300)",
                                                                   "matrix(1e200 0 0 1e200 0 0)"]),
       st.sampled_from(['stroke="red" stroke-width="1e20" stroke-linecap="round"', 'fill="url(#g)"', ""]))
def test_extreme_numbers_in_geometry_keep_the_contract(shape, numbers, transform, paint):
    tag, *attrs = shape.split()
    geometry = " ".join(f'{a}="{v}"' for a, v in zip(attrs, numbers))
    doc = ('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
           f'<linearGradient id="g" x1="{numbers[0]}"><stop stop-color="red"/><stop offset="1"/></linearGradient>'
           f'<{tag} {geometry} transform="{transform}" {paint}/></svg>')
    assert_contract(doc.encode())
