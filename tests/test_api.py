"""The public API in vecedit/__init__.py: load_svg, save_svg, render, VeceditError.

``vecedit.render`` is both the renderer subpackage and the render function (the
subpackage is made callable); both uses are checked here, as is the promise that
``import vecedit`` loads neither PyTorch nor the SVG parser.
"""

import doctest
import importlib
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vecedit
import vecedit.api
from vecedit.errors import OptionError, SVGError, VeceditError

CORPUS = Path(__file__).parent / "corpus"
SQUARE = ('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2">'
          '<rect id="r" width="2" height="2" fill="red"/></svg>')


def test_import_vecedit_loads_no_torch():
    code = ("import sys, vecedit, vecedit.cli; "
            "print(sorted(m for m in ('torch', 'numpy', 'vecedit.svg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_names():
    for name in ("load_svg", "save_svg", "render", "VeceditError", "__version__"):
        assert name in vecedit.__all__ and hasattr(vecedit, name)
    assert vecedit.VeceditError is VeceditError


@pytest.mark.parametrize("module", [vecedit, vecedit.api], ids=["vecedit", "vecedit.api"])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_render_is_callable_and_still_the_subpackage():
    from vecedit.render.api import render_document  # the subpackage imports as usual
    import vecedit.render.api as render_api

    assert vecedit.render.api is render_api and render_api.render_document is render_document
    importlib.import_module("vecedit.render.reference")  # importing more submodules keeps it callable
    image = vecedit.render(SQUARE, background="white")
    assert tuple(image.shape) == (2, 4, 4)
    assert image[0, 0].tolist() == [1.0, 0.0, 0.0, 1.0] and image[0, 3].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert "background" in inspect.signature(vecedit.render).parameters
    from vecedit import render

    assert render is vecedit.render


def test_render_accepts_document_path_text_and_bytes(tmp_path):
    path = tmp_path / "square.svg"
    path.write_text(SQUARE)
    doc = vecedit.load_svg(path)
    images = [vecedit.render(x) for x in (doc, path, str(path), SQUARE, SQUARE.encode())]
    for image in images[1:]:
        assert np.array_equal(image.numpy(), images[0].numpy())


def test_render_sizes_and_background_forms():
    assert tuple(vecedit.render(SQUARE, width=8).shape) == (4, 8, 4)
    assert tuple(vecedit.render(SQUARE, height=6).shape) == (6, 12, 4)
    assert tuple(vecedit.render(SQUARE, width=5, height=7).shape) == (7, 5, 4)
    for background in ("#00f", "rgb(0, 0, 255)", (0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)):
        assert vecedit.render(SQUARE, background=background)[0, 3].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_render_reference_matches_builtin_on_a_plain_square():
    ours = vecedit.render(SQUARE, width=16)
    reference = vecedit.render(SQUARE, width=16, renderer="reference")
    assert float((ours - reference).abs().max()) < 1e-2


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"width": 0}, "between 1 and"),
        ({"width": 2.5}, "whole number"),
        ({"height": True}, "whole number"),
        ({"width": 20000}, "between 1 and"),
        ({"width": 16000, "height": 16000}, "at most"),
        ({"background": "not-a-colour"}, "cannot read colour"),
        ({"background": (2.0, 0.0, 0.0)}, "[0, 1]"),
        ({"renderer": "cairo"}, "unknown renderer"),
        ({"renderer": "diffvg"}, "pydiffvg"),
    ],
)
def test_render_bad_options_raise_option_error(kwargs, words):
    if kwargs.get("renderer") == "diffvg" and importlib.util.find_spec("pydiffvg") is not None:
        pytest.skip("pydiffvg is installed here")
    with pytest.raises(OptionError) as info:
        vecedit.render(SQUARE, **kwargs)
    assert words in str(info.value)


def test_render_refuses_a_huge_document_without_trying():
    huge = '<svg xmlns="http://www.w3.org/2000/svg" width="90000" height="90000"/>'
    with pytest.raises(OptionError, match="smaller width or height"):
        vecedit.render(huge)
    assert tuple(vecedit.render(huge, width=10).shape) == (10, 10, 4)


def test_render_bad_svg_raises_svg_error():
    with pytest.raises(SVGError):
        vecedit.render("<svg")
    with pytest.raises(TypeError):
        vecedit.render(42)


def test_save_svg_round_trip(tmp_path):
    source = CORPUS / "68-logo-gradient.svg"
    doc = vecedit.load_svg(source)
    out = tmp_path / "logo.svg"
    vecedit.save_svg(doc, out)
    assert out.read_bytes() == source.read_bytes()
    with pytest.raises(VeceditError):
        vecedit.save_svg(doc, tmp_path / "no-such-folder" / "logo.svg")


def test_load_svg_takes_the_folder_images_resolve_against(tmp_path):
    from PIL import Image

    import vecedit

    Image.new("RGB", (2, 2), "blue").save(tmp_path / "a.png")
    text = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><image width="4" height="4" href="a.png"/></svg>'
    assert not vecedit.load_svg(text).shapes()
    assert [s.tag for s in vecedit.load_svg(text, resources=tmp_path).shapes()] == ["image"]
    outside = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><image width="4" height="4" href="../a.png"/></svg>'
    (tmp_path / "sub").mkdir()
    assert not vecedit.load_svg(outside, resources=tmp_path / "sub").shapes()
    assert vecedit.load_svg(outside, resources=tmp_path / "sub", allow_outside_resources=True).shapes()
