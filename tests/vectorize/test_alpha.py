"""`vectorize` keeps transparency: what is transparent in the image stays unpainted in the SVG.

It used to flatten every image onto white. Measured on an RGBA image: a red disc with an
anti-aliased edge and a transparent hole, and an opaque blue square, on a transparent ground.
"""

import numpy as np
import pytest
from scipy.ndimage import binary_dilation

import vecedit
from vecedit.errors import InputError
from vecedit.render.reference import render_reference
from vecedit.svg import dumps_svg
from vecedit.vectorizers.api import vectorize


def rgba_image(size=64):
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    distance = np.hypot(xx - 30, yy - 30)
    image = np.zeros((size, size, 4), np.float32)
    image[..., :3] = (0.85, 0.1, 0.1)
    image[..., 3] = np.clip(20.5 - distance, 0, 1) * np.clip(distance - 6.5, 0, 1)  # a ring, soft edges
    image[48:60, 4:16] = (0.1, 0.2, 0.9, 1.0)  # a hard-edged square
    return image


@pytest.mark.parametrize("backend, refine", [("skimage", 0), ("vtracer", 2)])
def test_transparent_areas_stay_unpainted(backend, refine):
    image = rgba_image()
    doc = vectorize(image, rounds=(3, 6), backend=backend, size=64, refine=refine)
    alpha = image[..., 3]
    near_edge = binary_dilation((alpha > 0) & (alpha < 1) | (binary_dilation(alpha == 1) & (alpha == 0)),
                                iterations=2)
    for picture in (np.asarray(vecedit.render(doc)), render_reference(dumps_svg(doc))):
        drawn = picture[..., 3]
        assert drawn[(alpha == 0) & ~near_edge].max() < 0.01  # the ground and the hole
        assert drawn[(alpha == 1) & ~near_edge].min() > 0.99  # the ring and the square
        assert np.abs(drawn - alpha).mean() < 0.01  # anti-aliased edges followed to the sub-pixel
        inside = (alpha == 1) & ~near_edge
        assert np.abs(picture[..., :3] - image[..., :3])[inside].mean() < 0.02  # colours, not mixed with white


def test_opaque_images_are_traced_as_before():
    image = rgba_image()
    image[..., 3] = 1.0
    svg = dumps_svg(vectorize(image, rounds=(3,), backend="skimage", size=64))
    assert "clipPath" not in svg and "clip-path" not in svg


def test_a_fully_transparent_image_is_refused_in_one_line():
    with pytest.raises(InputError, match="fully transparent"):
        vectorize(np.zeros((8, 8, 4), np.float32))
