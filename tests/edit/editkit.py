"""Tiny documents and measures the edit tests share (a uniquely named module, so test
folders run together never import another folder's helpers)."""

import numpy as np

TWO_DOTS = """<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64">
  <rect id="bg" width="96" height="64" fill="#ffffff"/>
  <circle id="left" cx="24" cy="32" r="14" fill="#808080"/>
  <circle id="right" cx="72" cy="32" r="14" fill="#808080" stroke="#404040" stroke-width="2"/>
</svg>"""

LEFT_BOX = "6,14,36,36"  # around #left (document px)
RIGHT_BOX = "54,14,36,36"


def mean_rgb(image, box):
    """Mean RGB of an (H, W, 3|4) image over an x,y,w,h box."""
    x, y, w, h = (int(float(v)) for v in box.split(","))
    return np.asarray(image)[y : y + h, x : x + w, :3].reshape(-1, 3).mean(0)
