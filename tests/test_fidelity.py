"""Golden-raster fidelity over tests/corpus: the builtin renderer and the round trip vs resvg.

Every corpus file is rendered 256 px wide (aspect kept) and flattened on white:

* builtin ``render_document(load_svg(f))`` must reach 35 dB PSNR against resvg(f);
* resvg(``dumps_svg(load_svg(f))``) must reach 50 dB against resvg(f).

A failure writes ``ours | resvg | |diff| x4`` into pytest's tmp folder and names it in
the assertion message. ``benchmarks/fidelity_bench.py`` prints the same numbers as JSON.
The vecedit imports sit inside the tests so that a missing module fails these tests
only, not the collection of the whole suite.
"""

from pathlib import Path

import pytest

from vecedit.imageio import composite_on, psnr, save_png, side_by_side
from vecedit.render.reference import render_reference

CORPUS_DIR = Path(__file__).parent / "corpus"
# top-level files are the basic set; each subfolder is one feature family (masks/, text/, …)
CORPUS = sorted(CORPUS_DIR.rglob("*.svg"))
WIDTH = 256
BUILTIN_MIN_DB = 35.0  # the basic set
FAMILY_MIN_DB = 30.0  # feature families (the renderer issues' floor)
ROUNDTRIP_MIN_DB = 50.0


def check(ours, reference, minimum: float, path: Path, what: str, tmp_path: Path) -> None:
    assert ours.shape == reference.shape, f"{path.name}: {what} is {tuple(ours.shape)}, resvg {reference.shape}"
    value = psnr(composite_on(ours), composite_on(reference))
    if value < minimum:
        diff = save_png(side_by_side(ours, reference), tmp_path / f"{path.stem}-{what}.png")
        pytest.fail(f"{path.name}: {what} vs resvg {value:.1f} dB < {minimum} dB; diff image: {diff}", pytrace=False)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(CORPUS_DIR).with_suffix("").as_posix())
def test_builtin_matches_resvg(path, tmp_path):
    from vecedit.render.api import render_document
    from vecedit.svg import load_svg

    reference = render_reference(path, width=WIDTH)
    ours = render_document(load_svg(path), width=WIDTH, height=reference.shape[0])
    minimum = BUILTIN_MIN_DB if path.parent == CORPUS_DIR else FAMILY_MIN_DB
    check(ours.detach().cpu().numpy(), reference, minimum, path, "builtin", tmp_path)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(CORPUS_DIR).with_suffix("").as_posix())
def test_roundtrip_renders_the_same(path, tmp_path):
    from vecedit.svg import dumps_svg, load_svg

    reference = render_reference(path, width=WIDTH)
    written = dumps_svg(load_svg(path))
    roundtrip = render_reference(written, width=WIDTH, height=reference.shape[0], resources=path.parent)
    check(roundtrip, reference, ROUNDTRIP_MIN_DB, path, "roundtrip", tmp_path)
