"""Small images and raw PNG bytes for the vectorizer tests."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest


def png_bytes(width: int, height: int, bit_depth: int = 8, color_type: int = 2, data: bytes | None = None) -> bytes:
    """A PNG written by hand, so tests can make what Pillow refuses to write (16-bit RGB, bad sizes)."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = width * channels * bit_depth // 8
    if data is None:
        data = bytes(row * height)
    raw = b"".join(b"\0" + data[y * row : (y + 1) * row] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def scene_image(width: int = 48, height: int = 40) -> np.ndarray:
    """A flat illustration: sky gradient, a sun, a hill, a house with a window (RGB uint8)."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.zeros((height, width, 3), np.float64)
    img[...] = np.stack([0.55 + 0.3 * y / height, 0.75 + 0.15 * y / height, np.full_like(x, 0.95, dtype=float)], -1)
    sun = (x - 0.75 * width) ** 2 + (y - 0.25 * height) ** 2 < (0.12 * min(width, height)) ** 2
    img[sun] = (0.98, 0.8, 0.2)
    hill = y > 0.65 * height + 0.1 * height * np.sin(x / width * 6)
    img[hill] = (0.2, 0.55, 0.25)
    house = (x > 0.2 * width) & (x < 0.45 * width) & (y > 0.45 * height) & (y < 0.8 * height)
    img[house] = (0.7, 0.25, 0.2)
    window = (x > 0.27 * width) & (x < 0.35 * width) & (y > 0.52 * height) & (y < 0.62 * height)
    img[window] = (0.95, 0.95, 0.7)
    return np.round(img * 255).astype(np.uint8)


@pytest.fixture
def image() -> np.ndarray:
    return scene_image()


@pytest.fixture
def image_file(tmp_path, image):
    from PIL import Image

    path = tmp_path / "in.png"
    Image.fromarray(image).save(path)
    return path
