"""open_clip imported without the optional libraries the architecture does not use, and an edit
started without torch._dynamo (see vecedit/losses/openclip_import.py, vecedit/edit/adam.py)."""

import json
import os
import subprocess
import sys

from editkit import TWO_DOTS

from vecedit.losses.openclip_import import needed_libraries


def test_needed_libraries_come_from_the_architecture_config(tmp_path):
    assert needed_libraries("ViT-B-32") == set()
    assert needed_libraries("roberta-ViT-B-32") == {"transformers"}
    assert needed_libraries("convnext_base") == {"timm"}
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"embed_dim": 8, "vision_cfg": {"timm_model_name": "x"},
                                  "text_cfg": {"hf_model_name": "y"}}))
    assert needed_libraries(str(config)) == {"transformers", "timm"}
    assert needed_libraries("no-such-architecture") is None  # unknown: nothing is hidden
    (tmp_path / "broken.json").write_text("{")
    assert needed_libraries(str(tmp_path / "broken.json")) is None


PROBE = """
import sys
from vecedit.losses.encoders import load_clip
from vecedit.losses.openclip_import import import_open_clip
encoder = load_clip(sys.argv[1], checkpoint=sys.argv[2], device="cpu")
print("after_plain", "transformers" in sys.modules, "timm" in sys.modules)
import open_clip.hf_model as hf
print("wrapper_without", hf.transformers is None)
import_open_clip("roberta-ViT-B-32")
print("wrapper_with", hf.transformers is not None, "transformers" in sys.modules)
"""


def test_plain_clip_loads_without_transformers_and_a_later_hf_model_gets_it(tiny_clip):
    config, checkpoint = tiny_clip
    done = subprocess.run([sys.executable, "-c", PROBE, str(config), str(checkpoint)], capture_output=True,
                          text=True, check=True)
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["after_plain"] == "False False"
    assert lines["wrapper_without"] == "True"
    assert lines["wrapper_with"] == "True True"


EDIT_PROBE = """
import sys
from vecedit.cli import main
code = main(["edit", sys.argv[1], "-p", "a red dot", "--clip", sys.argv[2], "--clip-checkpoint", sys.argv[3],
             "--patches", "2", "--iterations", "2", "--quiet", "-o", sys.argv[4]])
deferred = lambda name: name in sys.modules and "__getattr__" in vars(sys.modules[name])
print(code, "torch._dynamo" in sys.modules, deferred("torchvision.models"), deferred("torchvision.ops"))
"""


def test_an_edit_runs_without_importing_torch_dynamo_or_torchvision_models(tiny_clip, tmp_path):
    """torch.optim's wrappers and torchvision's models/ops import torch._dynamo (2.5 CPU-s of start-up)."""
    config, checkpoint = tiny_clip
    document = tmp_path / "dots.svg"
    document.write_text(TWO_DOTS)
    done = subprocess.run([sys.executable, "-c", EDIT_PROBE, str(document), str(config), str(checkpoint),
                           str(tmp_path / "out.svg")], capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False", "True", "True"]
    assert (tmp_path / "out.svg").is_file()


TORCHVISION_PROBE = """
import hashlib, sys
import numpy as np
from PIL import Image
if sys.argv[2] == "torchvision first":
    import torchvision
from vecedit.losses.openclip_import import import_open_clip
open_clip = import_open_clip(sys.argv[1])
import torch, torchvision
from torchvision.transforms.v2.functional import gaussian_blur
boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]])
kept = torchvision.ops.nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist()
assert torchvision.ops.misc.FrozenBatchNorm2d is open_clip.utils.FrozenBatchNorm2d
assert callable(torchvision.models.resnet18) and torchvision.__version__
picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, (90, 70, 3), dtype=np.uint8))
views = [open_clip.image_transform(64, is_train=False)(picture),
         gaussian_blur(torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0)), [5, 5], [1.0, 1.0])]
print(kept, hashlib.sha256(b"".join(v.numpy().tobytes() for v in views)).hexdigest())
"""


def test_torchvision_imported_after_open_clip_is_whole_and_gives_the_same_results(tiny_clip):
    """Its deferred packages (models, ops) run their __init__ at their first use."""
    config, _ = tiny_clip
    outputs = [subprocess.run([sys.executable, "-c", TORCHVISION_PROBE, str(config), order], capture_output=True,
                              text=True, check=True).stdout for order in ("open_clip first", "torchvision first")]
    assert outputs[0].startswith("[0, 2] ")
    assert outputs[0] == outputs[1]
