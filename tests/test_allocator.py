"""The command's allocator setting: freed blocks are reused, not page-faulted afresh each iteration."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere it is a no-op")

# Allocate, touch and free a 48 MiB block eight times: glibc's default serves each from a fresh mmap
# (over its 32 MiB dynamic ceiling), so every round faults all its pages in again.
PROBE = """
import resource, sys
import numpy as np
from vecedit import allocator
took = allocator.reuse_freed_memory() if sys.argv[1] != "default" else None
if sys.argv[1] == "raised":
    allocator.reuse_blocks_up_to(64 << 20)
block = np.empty(48 << 20, np.uint8); block.fill(1); del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(8):
    block = np.empty(48 << 20, np.uint8); block.fill(1); del block
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(mode: str, **env) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True,
                         env={**clean, **env}).stdout.split()
    return out[0], int(out[1])


def test_freed_blocks_are_reused_not_faulted_in_again():
    took, faults = _probe("raised")
    _, base_faults = _probe("base")
    _, default_faults = _probe("default")
    assert took == "True"
    assert default_faults >= 8 * 64  # the default faults every round's block in again (the kernel may map
    assert faults * 20 < default_faults  # several pages a fault, so counts are below 8 × 12,288)
    assert base_faults >= 8 * 64  # above the base threshold (32 MiB) blocks still go back to the system


def test_a_user_tuned_malloc_is_left_alone():
    took, faults = _probe("raised", MALLOC_MMAP_THRESHOLD_="131072")
    assert took == "False"
    assert faults >= 8 * 64


def test_the_command_sets_it(tmp_path):
    svg = tmp_path / "a.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    code = ("import sys; from vecedit.cli import main; from vecedit import allocator; "
            "main(['info', sys.argv[1]]); print(allocator.in_effect())")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", code, str(svg)], capture_output=True, text=True, check=True, env=clean)
    assert out.stdout.strip().splitlines()[-1] == "True"


def test_the_encoder_raises_the_threshold_to_its_largest_activations(tiny_clip):
    """A step's largest blocks (the CLIP tower's activations) are reused; nothing when the process is not ours."""
    config, checkpoint = tiny_clip
    code = f"""
import torch
from vecedit import allocator
from vecedit.losses.encoders import load_clip
encoder = load_clip({str(config)!r}, checkpoint={str(checkpoint)!r}, device="cpu", precision="fp32")
views = torch.rand(1200, 3, encoder.image_size, encoder.image_size, requires_grad=True)
encoder.encode_image(views).sum().backward()
print(allocator._threshold)
allocator.reuse_freed_memory()
with torch.no_grad():
    encoder.encode_image(views)  # no gradients: not a step
print(allocator._threshold)
encoder.encode_image(views[:10]).sum().backward()  # a batch no larger than one seen
encoder.encode_image(views).sum().backward()
print(allocator._threshold)
"""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=clean)
    before, base, raised = map(int, out.stdout.split())
    assert before == 0  # a library user's process: untouched
    assert base == 32 << 20
    assert raised > base  # twice the tower's largest activation at 1,200 views (17 KB each)
