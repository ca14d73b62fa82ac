"""The plugin interface: discovery through entry points, options, and each kind of contribution."""

import json
import sys
import textwrap

import numpy as np
import pytest
import torch
from standins import ColourWords

from vecedit.plugin.contract import Contribution, PluginOption, parse_options, split_option
from vecedit.plugin.registry import available, load
from vecedit.cli import main
from vecedit.errors import OptionError
from vecedit.losses.clip_loss import ClipRoi
from vecedit.edit.loop import Editor
from vecedit.edit.config import EditConfig
from vecedit.svg import dumps_svg, load_svg

DOTS = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">
  <rect id="bg" width="64" height="48" fill="#ffffff"/>
  <circle id="left" cx="16" cy="24" r="10" fill="#808080"/>
  <circle id="right" cx="48" cy="24" r="10" fill="#808080"/>
</svg>"""

THIRD_PARTY = textwrap.dedent('''
    import numpy as np
    from vecedit.plugin.contract import Contribution, PluginOption

    class DarkenPlugin:
        """A third party's plugin: pull the whole picture toward a darker copy of itself."""
        name = "darken-test"
        summary = "pull the picture toward a darker copy of itself"
        options = (PluginOption("strength", "weight of the image loss", 1.0, float),
                   PluginOption("factor", "brightness of the target", 0.5, float))

        def contribute(self, job):
            image = job.render_initial()
            return Contribution(target_image=image * job.options["factor"],
                                image_weight=job.options["strength"], optimize=["color"],
                                notes=[f"target: the picture at {job.options['factor']:g} brightness"])

        command = "darken"

        def add_command(self, subparsers):
            from vecedit.plugin.cli import add_edit_command

            def own(group):
                group.add_argument("--factor", type=float, help="brightness of the target")

            add_edit_command(subparsers, self, "darken", "darken a picture", "Darken a picture.", own)
''')


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    """Install a plugin the way a third-party package does: a module and a dist-info with entry points."""
    site = tmp_path / "site"
    (site / "darken_plugin_pkg").mkdir(parents=True)
    (site / "darken_plugin_pkg" / "__init__.py").write_text(THIRD_PARTY)
    info = site / "darken_plugin_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: darken-plugin-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[vecedit.plugins]\ndarken-test = darken_plugin_pkg:DarkenPlugin\n")
    monkeypatch.syspath_prepend(str(site))
    yield "darken-test"
    sys.modules.pop("darken_plugin_pkg", None)


@pytest.fixture
def dots(tmp_path):
    path = tmp_path / "dots.svg"
    path.write_text(DOTS)
    return path


def shapes(doc):
    return {s.id: s for s in doc.shapes()}


def test_builtin_plugins_are_registered_as_entry_points():
    assert {"glyphdraw", "stylestudio", "dreamdistribution", "deltaedit"} <= set(available())


def test_a_third_party_plugin_is_found_listed_and_run(third_party, dots, tmp_path, capsys):
    assert third_party in available()
    assert main(["plugins", "--json"]) == 0
    listed = {item["name"]: item for item in json.loads(capsys.readouterr().out)}
    assert listed[third_party]["summary"].startswith("pull the picture")
    assert [o["name"] for o in listed[third_party]["options"]] == ["strength", "factor"]

    out = tmp_path / "dark.svg"
    code = main(["edit", str(dots), "-o", str(out), "--plugin", third_party, "--plugin-option", "strength=20",
                 "--plugin-option", "factor=0.3", "--iterations", "30", "--lr-color", "0.05", "-q"])
    assert code == 0
    before, after = shapes(load_svg(dots)), shapes(load_svg(out))
    assert after["left"].fill[0] < before["left"].fill[0] - 0.1  # darker, as the target asked
    assert all(np.array_equal(a.points, b.points) for a, b in zip(after["left"].subpaths, before["left"].subpaths))


def test_the_runs_own_optimize_wins_over_the_plugins_even_when_it_is_all(third_party, dots, tmp_path):
    out = tmp_path / "dark.svg"
    assert main(["edit", str(dots), "-o", str(out), "--plugin", third_party, "--plugin-option", "strength=20",
                 "--optimize", "all", "--iterations", "2", "--lr-shape", "2", "-q"]) == 0
    before, after = shapes(load_svg(dots)), shapes(load_svg(out))
    assert not all(np.array_equal(a.points, b.points)
                   for a, b in zip(after["left"].subpaths, before["left"].subpaths))  # shapes moved too


def test_a_plugin_command_runs_an_edit_with_its_own_flags(third_party, dots, tmp_path):
    out = tmp_path / "dark.svg"
    assert main(["darken", str(dots), "-o", str(out), "--factor", "0.2", "--plugin-option", "strength=20",
                 "--iterations", "20", "--lr-color", "0.05", "-q"]) == 0
    assert shapes(load_svg(out))["left"].fill[0] < shapes(load_svg(dots))["left"].fill[0] - 0.1


@pytest.mark.parametrize("args, message", [
    (["--plugin", "no-such-plugin"], "no plugin named 'no-such-plugin'"),
    (["--plugin", "darken-test", "--plugin-option", "bogus=1"], "unknown option 'bogus'"),
    (["--plugin", "darken-test", "--plugin-option", "strength=lots"], "strength='lots'"),
    (["--plugin", "darken-test", "--plugin-option", "strength"], "write it as key=value"),
    (["--plugin-option", "strength=1"], "without a plugin"),
])
def test_bad_plugin_arguments_fail_in_one_line(third_party, dots, tmp_path, capsys, args, message):
    out = tmp_path / "out.svg"
    assert main(["edit", str(dots), "-o", str(out), "--iterations", "2", "-q", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_options_parse_fill_defaults_and_require():
    class Needs:
        name, summary = "needs", "test"
        options = (PluginOption("font", "a font file", required=True), PluginOption("size", "px", 12.0, float))

    assert parse_options(Needs(), {"font": "a.ttf"}) == {"font": "a.ttf", "size": 12.0}
    assert parse_options(Needs(), {"font": "a.ttf", "size": "3"})["size"] == 3.0
    with pytest.raises(OptionError, match="needs --plugin-option font"):
        parse_options(Needs(), {})
    assert split_option("mix=a.pt:0.7,b.pt:0.3") == ("mix", "a.pt:0.7,b.pt:0.3")


def test_numbers_and_lists_from_job_files_get_the_checks_text_gets():
    from vecedit.plugin.contract import parse_bool

    def scale(text):
        if float(text) < 0:
            raise ValueError("must be ≥ 0")
        return float(text)

    class Typed:
        name, summary = "typed", "test"
        options = (PluginOption("scale", "≥ 0", 1.0, scale), PluginOption("seed", "whole", 0, int),
                   PluginOption("flag", "yes/no", True, parse_bool), PluginOption("label", "text", ""),
                   PluginOption("box", "four numbers", None, lambda v: tuple(float(x) for x in
                                                                            (v.split(",") if isinstance(v, str) else v))))

    parsed = parse_options(Typed(), {"scale": 2, "seed": 3, "flag": False, "label": 7, "box": [1, 2, 3, 4]})
    assert parsed == {"scale": 2.0, "seed": 3, "flag": False, "label": "7", "box": (1.0, 2.0, 3.0, 4.0)}
    for given, message in (({"scale": -1}, "scale=-1: must be ≥ 0"), ({"seed": 1.5}, "seed=1.5"),
                           ({"flag": 3}, "expected true or false"), ({"scale": [1]}, "not a list"),
                           ({"label": ["a"]}, "not a list")):
        with pytest.raises(OptionError, match=message):
            parse_options(Typed(), given)


@pytest.mark.parametrize("options, message", [
    ("{mapper: m.pt, strength: [1]}", "strength=[1]: expected one value, not a list"),
    ("[mapper]", "plugin_options in"),
])
def test_a_wrongly_typed_option_in_a_job_file_is_one_line(options, message, dots, tmp_path, capsys):
    job = tmp_path / "job.yaml"
    job.write_text(f"input: {dots}\noutput: out.svg\nprompt: red\nplugin: deltaedit\nplugin_options: {options}\n")
    assert main(["edit", "--config", str(job), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out.svg").exists()


@pytest.mark.parametrize("device, message", [
    ("tpu", "--device 'tpu': give cpu or cuda"),
    pytest.param("cuda", "no CUDA device is available", marks=pytest.mark.skipif(
        torch.cuda.is_available(), reason="needs a machine without CUDA to see --device cuda refused")),
])
@pytest.mark.parametrize("command", [["edit", "{dots}", "-p", "red", "-o", "{out}.svg"],
                                     ["stylestudio", "{dots}", "--style", "{dots}", "-o", "{out}.svg"],
                                     ["deltaedit", "train", "{dots}", "-o", "{out}.pt"],
                                     ["dreamdistribution", "fit", "{png}", "{png}", "{png}", "-o", "{out}.pt"]])
def test_a_device_torch_cannot_use_is_one_line(command, device, message, dots, tmp_path, capsys):
    from vecedit.imageio import save_png

    png = tmp_path / "ref.png"
    save_png(np.full((8, 8, 3), 0.5, dtype=np.float32), png)
    args = [a.format(dots=dots, png=png, out=tmp_path / "out") for a in command]
    assert main([*args, "--device", device, "--clip-checkpoint", str(tmp_path / "none.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dots.svg", "ref.png"]


class FeatureTarget:
    """Feature-space target in place of text, plus an inserted element that alone may move."""

    name, summary, options = "feature-target", "test", ()

    def contribute(self, job):
        from vecedit.svg import insert_markup

        doc = insert_markup(job.document, '<rect id="added" x="4" y="4" width="8" height="8" fill="#808080"/>')
        red = torch.tensor([1.0, 0.0, 0.0])  # the stand-in's feature space is mean RGB
        roi = ClipRoi((0.0, 0.0, 32.0, 48.0), target_features=red, name="left-half")
        return Contribution(document=doc, rois=[roi], select=["#left", "#added"], optimize=["color"])


def test_feature_space_targets_inserted_elements_and_selection(dots):
    config = EditConfig(iterations=25, patches=4, seed=1)
    config.lr.color = 0.05
    editor = Editor(str(dots), config, encoder=ColourWords(), plugin=FeatureTarget())
    editor.run()
    editor.write_back()
    after = shapes(load_svg(dumps_svg(editor.document)))
    assert "added" in after
    left = after["left"].fill
    assert left[0] - left[1] > 0.1  # the left dot turned toward the red feature target
    assert after["right"].fill == shapes(load_svg(dots))["right"].fill  # not selected: untouched


def test_a_plugin_that_returns_something_else_is_refused(dots):
    class Wrong:
        name, summary, options = "wrong", "test", ()

        def contribute(self, job):
            return {"target_image": None}

    with pytest.raises(OptionError, match="not a Contribution"):
        Editor(str(dots), EditConfig(iterations=1), encoder=ColourWords(), plugin=Wrong())


def test_load_refuses_an_object_without_the_interface(third_party, monkeypatch):
    import darken_plugin_pkg

    monkeypatch.delattr(darken_plugin_pkg.DarkenPlugin, "contribute")
    with pytest.raises(OptionError, match="has no 'contribute'"):
        load(third_party)


def test_a_plugin_whose_command_breaks_does_not_break_the_command_line(third_party, dots, tmp_path, capsys,
                                                                       monkeypatch):
    import darken_plugin_pkg

    def broken(self, subparsers):
        raise RuntimeError("half-installed")

    monkeypatch.setattr(darken_plugin_pkg.DarkenPlugin, "add_command", broken)
    assert main(["render", str(dots), "-o", str(tmp_path / "dots.png"), "-q"]) == 0
    assert capsys.readouterr().err == ""  # a built-in command does not load the plugins' commands
    assert main(["--version"]) == 0  # the whole command line does, and names the broken one
    err = capsys.readouterr().err
    assert "plugin 'darken-test' could not add its command: RuntimeError: half-installed" in err


def test_job_file_plugin_file_options_are_taken_from_the_job_folder(tmp_path):
    from vecedit.edit.config import load_config

    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "style.png").write_bytes(b"x")
    (tmp_path / "jobs" / "samples").mkdir()
    job = tmp_path / "jobs" / "job.yaml"
    job.write_text("plugin: stylestudio\nplugin_options: {style: style.png, elements: color}\n")
    assert load_config(job).plugin_options == {"style": str(tmp_path / "jobs" / "style.png"), "elements": "color"}
    # only options the plugin marks as files: text that happens to name a folder stays text
    job.write_text("plugin: glyphdraw\nplugin_options: {text: samples, box: '0,0,10,10', font: DejaVu Sans}\n")
    assert load_config(job).plugin_options == {"text": "samples", "box": "0,0,10,10", "font": "DejaVu Sans"}
