"""What the commands print besides results: plurals, progress off a terminal, warnings."""

import io

from standins import ColourWords

from vecedit.console import LogProgress, plural, progress

TWO_DOTS = """<svg xmlns="http://www.w3.org/2000/svg" width="48" height="32">
  <rect width="48" height="32" fill="#ffffff"/><circle cx="16" cy="16" r="8" fill="#808080"/>
</svg>"""


def test_plural():
    assert [plural(n, "iteration") for n in (0, 1, 2)] == ["0 iterations", "1 iteration", "2 iterations"]
    assert plural(1, "thing") == "1 thing" and plural(3, "glyph") == "3 glyphs"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    assert not isinstance(progress(10, "x", file=Terminal()), LogProgress)
    log = io.StringIO()
    bar = progress(200, "edit", file=log)
    assert isinstance(bar, LogProgress)
    for k in range(200):
        bar.set_postfix_str(f"loss {1 / (k + 1):.3f}")
        bar.update(1)
    bar.close()
    text = log.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and 10 <= len(lines) <= 11  # every 10 % and the end, whole lines
    assert lines[0].startswith("edit: 20/200 it (10%), ") and lines[-1].startswith("edit: 200/200 it (100%), ")
    assert lines[-1].endswith("loss 0.005")


def test_an_edit_reports_progress_as_lines_when_stderr_is_not_a_terminal(capsys):
    """The progress bar wrote carriage-return frames into logs (edit and every command that
    runs the edit loop: stylestudio, glyphdraw, dreamdistribution sample, font)."""
    from vecedit.edit.loop import edit

    edit(TWO_DOTS, prompts="red", optimize="color", iterations=20, encoder=ColourWords(), patches=1,
         progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    progress = [line.split(" it ")[0] for line in err.splitlines() if line.startswith("edit:")]
    assert progress == [f"edit: {k}/20" for k in range(2, 21, 2)]
    status = [line for line in err.splitlines() if not line.startswith("edit:")]
    assert status == ["vecedit: encoding the prompts and the starting picture …"]  # a quick run gets no estimate


def test_a_long_edit_says_how_long_it_will_take(capsys, monkeypatch):
    import vecedit.edit.loop as loop

    monkeypatch.setattr(loop, "ESTIMATE_FROM_SECONDS", 0.0)
    loop.edit(TWO_DOTS, prompts="red", optimize="color", iterations=20, encoder=ColourWords(), patches=1,
              progress=True)
    estimates = [line for line in capsys.readouterr().err.splitlines() if "s per iteration: about" in line]
    assert len(estimates) == 1 and estimates[0].endswith("more for 20 iterations")
