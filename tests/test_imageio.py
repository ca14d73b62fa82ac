"""Tests for vecedit.imageio: PNG writing, image loading, colours, compositing, PSNR."""

import io
import math
import os

import numpy as np
import pytest
from PIL import Image

from vecedit.errors import InputError, OptionError
from vecedit.imageio import composite_on, load_image, over, psnr, save_png, side_by_side, to_png_bytes, to_rgba


def gradient_rgba(h=6, w=8):
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs / (w - 1), ys / (h - 1), 1 - xs / (w - 1), np.full((h, w), 1.0)], -1).astype(np.float32)


class FakeTensor:
    """Stands in for a torch tensor: only detach().cpu().numpy() is used."""

    def __init__(self, array):
        self.array = array

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


# --- save_png / to_png_bytes / load_image ------------------------------------------


@pytest.mark.parametrize("channels", [4, 3, 0])
def test_png_round_trip(tmp_path, channels):
    img = gradient_rgba()
    img[..., 3] = 0.5
    src = img if channels == 4 else img[..., :3] if channels == 3 else img[..., 0]
    path = save_png(src, tmp_path / "out.png")
    back = load_image(path)
    assert back.shape == (6, 8, 4) and back.dtype == np.float32
    expected = {4: img, 3: np.concatenate([img[..., :3], np.ones((6, 8, 1))], -1),
                0: np.stack([img[..., 0]] * 3 + [np.ones((6, 8))], -1)}[channels]
    assert np.abs(back - expected).max() <= 0.5 / 255 + 1e-6


def test_save_png_clips_and_accepts_tensors(tmp_path):
    img = gradient_rgba() * 3 - 1  # values outside [0, 1]
    back = load_image(save_png(FakeTensor(img), tmp_path / "t.png"))
    assert back.min() == 0.0 and back.max() == 1.0


def test_save_png_is_atomic_and_overwrites(tmp_path):
    target = tmp_path / "a.png"
    target.write_bytes(b"old")
    save_png(np.zeros((2, 2, 4)), target)
    assert Image.open(target).size == (2, 2)
    assert os.listdir(tmp_path) == ["a.png"]  # no temporary file left behind


def test_save_png_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        save_png(np.zeros((2, 2, 4)), tmp_path / "missing" / "a.png")
    with pytest.raises(ValueError, match="NaN"):
        save_png(np.full((2, 2, 4), np.nan), tmp_path / "nan.png")
    with pytest.raises(ValueError, match="shape"):
        save_png(np.zeros((2, 2, 5)), tmp_path / "bad.png")
    assert not list(tmp_path.iterdir())


def test_to_png_bytes_is_png():
    data = to_png_bytes(np.ones((3, 5, 4)))
    assert data.startswith(b"\x89PNG") and Image.open(io.BytesIO(data)).size == (5, 3)


def test_load_image_modes(tmp_path):
    pal = Image.new("P", (4, 4), 0)
    pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.save(tmp_path / "p.png", transparency=0)
    assert load_image(tmp_path / "p.png")[0, 0].tolist() == [1.0, 0.0, 0.0, 0.0]

    grey16 = Image.fromarray(np.full((3, 3), 65535 // 2, np.uint16))
    grey16.save(tmp_path / "g16.png")
    assert load_image(tmp_path / "g16.png")[0, 0] == pytest.approx([0.5, 0.5, 0.5, 1.0], abs=1e-4)

    Image.new("RGB", (5, 4), (0, 0, 255)).save(tmp_path / "j.jpg")
    jpg = load_image(tmp_path / "j.jpg")
    assert jpg.shape == (4, 5, 4) and np.all(jpg[..., 3] == 1.0) and jpg[..., 2].min() > 0.9


def test_load_image_applies_exif_orientation(tmp_path):
    im = Image.new("RGB", (6, 2), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "o.jpg", exif=exif)
    assert load_image(tmp_path / "o.jpg").shape == (6, 2, 4)


def test_load_image_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(InputError, match="folder"):
        load_image(tmp_path)
    (tmp_path / "junk.png").write_bytes(b"this is not an image")
    with pytest.raises(InputError, match="not an image format"):
        load_image(tmp_path / "junk.png")
    good = to_png_bytes(np.random.default_rng(0).random((64, 64, 4)))
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="damaged or truncated"):
        load_image(tmp_path / "cut.png")
    (tmp_path / "x.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    with pytest.raises(InputError, match="reference"):
        load_image(tmp_path / "x.svg")


# --- colours and compositing ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, rgba",
    [
        ("#f00", (1, 0, 0, 1)),
        ("#ff000080", (1, 0, 0, 128 / 255)),
        ("rgb(0, 255, 0)", (0, 1, 0, 1)),
        ("rgb(0%, 0%, 100%)", (0, 0, 1, 1)),
        ("rgba(255, 255, 255, 0.25)", (1, 1, 1, 0.25)),
        ("hsla(0, 100%, 50%, 50%)", (1, 0, 0, 0.5)),
        ("hsl(120, 100%, 50%)", (0, 1, 0, 1)),
        ("White", (1, 1, 1, 1)),
        ("transparent", (0, 0, 0, 0)),
        ((0.5, 0.25, 0), (0.5, 0.25, 0, 1)),
        ((0, 0, 0, 0.5), (0, 0, 0, 0.5)),
    ],
)
def test_to_rgba(text, rgba):
    assert to_rgba(text) == pytest.approx(rgba)


@pytest.mark.parametrize("bad", ["notacolour", "rgba(1, 2)", (255, 0, 0), (1, 1), None, "#12"])
def test_to_rgba_rejects(bad):
    with pytest.raises(OptionError):
        to_rgba(bad)


def test_composite_on():
    img = np.zeros((2, 3, 4), np.float32)
    img[..., 0] = 1.0
    img[..., 3] = 0.5
    assert composite_on(img)[0, 0].tolist() == pytest.approx([1.0, 0.5, 0.5])
    assert composite_on(img, "black")[1, 2].tolist() == pytest.approx([0.5, 0.0, 0.0])
    assert composite_on(img, (0, 0, 1)).shape == (2, 3, 3)
    rgb = np.full((2, 2, 3), 0.3)
    assert np.array_equal(composite_on(rgb), rgb.astype(np.float32))
    with pytest.raises(OptionError, match="opaque"):
        composite_on(img, "rgba(0, 0, 0, 0.5)")


def test_over_translucent_background():
    img = np.array([[[1.0, 0.0, 0.0, 0.5]]], np.float32)
    out = over(img, (0.0, 0.0, 1.0, 0.5))[0, 0]
    # alpha = 0.5 + 0.5 * 0.5; colour = (0.5 * red + 0.25 * blue) / 0.75
    assert out.tolist() == pytest.approx([2 / 3, 0.0, 1 / 3, 0.75])
    assert over(np.zeros((1, 1, 4)), "transparent")[0, 0].tolist() == [0, 0, 0, 0]


# --- PSNR ------------------------------------------------------------------------------


def test_psnr():
    a = np.zeros((4, 4, 3))
    assert psnr(a, a) == math.inf
    assert psnr(a, a + 0.1) == pytest.approx(20.0)
    assert psnr(FakeTensor(a), a + 0.01) == pytest.approx(40.0)
    with pytest.raises(InputError, match="shapes"):
        psnr(a, np.zeros((4, 5, 3)))


def test_side_by_side():
    a = np.zeros((3, 5, 4), np.float32)
    a[..., 3] = 1.0
    b = a.copy()
    b[0, 0, :3] = 0.1
    sheet = side_by_side(a, b)
    assert sheet.shape == (3, 5 * 3 + 8, 3)
    assert sheet[0, 10 + 4 + 4].tolist() == pytest.approx([0.4, 0.4, 0.4])  # diff x4, first pixel
    assert sheet[1, 18:].max() == 0.0
    with pytest.raises(InputError):
        side_by_side(a, a[:2])


@pytest.mark.parametrize("bad", ["rgba(0, 0, 0, nan)", "hsla(0, 0%, 0%, NaN%)"])
def test_to_rgba_names_a_nan_alpha_as_an_unreadable_colour(bad):
    # was: "colour tuple (0.0, 0.0, 0.0, nan) must have 3 or 4 floats", about a tuple the user never gave
    with pytest.raises(OptionError, match="cannot read colour"):
        to_rgba(bad)
