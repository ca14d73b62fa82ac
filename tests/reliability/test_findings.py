"""Every reproducer from the fuzzing campaign (issue 12; copied from shared/fuzz-findings
into ``findings/``, whose README says what each broke) now keeps the contract checked by
``benchmarks/fuzzkit.py``: a picture or one VeceditError, finite pixels and scene
tensors, a byte-exact round trip, and the command line's exit 0/2 with one line."""

import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
from fuzzkit import check_api, check_cli  # noqa: E402

FINDINGS = sorted(p for p in (HERE / "findings").iterdir() if p.name != "README.md")
TEXT_MODE = {"E13_text_bom_prefixed.svg", "R02_text_decl_hex_roundtrip.svg", "F01_utf16_no_bom_given_as_utf8_text.svg"}  # given as str (README's mode)
SECONDS = 10.0  # CPU seconds (never wall time: the machine is shared); each takes about a second or less


def test_every_finding_is_here():
    assert len(FINDINGS) >= 25


@pytest.mark.parametrize("path", [p for p in FINDINGS if p.suffix != ".png"], ids=lambda p: p.stem)
def test_api_contract(path):
    start = time.process_time()
    if path.name in TEXT_MODE:
        verdict = check_api(path.read_bytes().decode("utf-8"), mode="text")
    else:
        verdict = check_api(path, mode="path")
    assert verdict.ok, (verdict.signature, verdict.detail)
    assert time.process_time() - start < SECONDS


@pytest.mark.parametrize("command", ["render", "info", "recolor"])
@pytest.mark.parametrize("path", [p for p in FINDINGS if p.suffix != ".png"], ids=lambda p: p.stem)
def test_cli_contract(path, command):
    start = time.process_time()
    verdict = check_cli(path, command, in_process=True)
    assert verdict.ok, (verdict.signature, verdict.detail)
    assert time.process_time() - start < SECONDS


@pytest.mark.parametrize("path", [p for p in FINDINGS if p.suffix == ".png"], ids=lambda p: p.stem)
def test_vectorize_contract(path):
    verdict = check_cli(path, "vectorize", in_process=True)
    assert verdict.ok, (verdict.signature, verdict.detail)
    assert verdict.outcome == "refused"
