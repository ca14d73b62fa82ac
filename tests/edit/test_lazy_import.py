"""open_clip imported without the optional libraries the architecture does not use."""

import json
import subprocess
import sys

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
