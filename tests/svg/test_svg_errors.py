"""Input a user can get wrong: each gives one SVGError line that says what to do."""

import os
import time

import pytest

import vecedit

from vecedit.errors import InputError, SVGError
from vecedit.svg import load_svg
from svgkit import svg

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>
"""


def error_of(source) -> str:
    with pytest.raises(SVGError) as e:
        load_svg(source)
    message = str(e.value)
    assert "\n" not in message and message.strip() == message and len(message) < 300
    assert isinstance(e.value, InputError)
    return message


@pytest.mark.parametrize(
    "source, fragments",
    [
        ('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', ["not well-formed XML at line 1, column", "mismatched tag", "fix the file"]),
        ("<svg xmlns='http://www.w3.org/2000/svg'>\n<rect x=1/>\n</svg>", ["line 2", "not well-formed"]),
        ('<svg xmlns="http://www.w3.org/2000/svg">&nbsp;</svg>', ["undefined entity"]),
        (BILLION_LAUGHS, ["entity 'lol9'", "more than 1 MB", "billion laughs"]),
        (EXTERNAL_ENTITY, ["external entity (file:///etc/passwd)", "remove"]),
        ("<html><body>hi</body></html>", ["root element is <html>, not <svg>"]),
        ('<svg xmlns="http://example.com/not-svg"/>', ["not the SVG namespace"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["SVG data is a PNG image, not an SVG", "vecedit vectorize"]),
        (b"", ["empty"]),
        (b"   ", ["empty"]),
        (svg("", 'width="1e9" height="10"'), ["width is 1e+09 px, more than 100000 px"]),
        (svg("", 'width="10" height="200000"'), ["height"]),
        (svg("", 'viewBox="0 0 1e12 1e12"'), ["absurdly large"]),
    ],
)
def test_bad_input(source, fragments):
    message = error_of(source)
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message


def test_billion_laughs_is_refused_instantly():
    start = time.process_time()
    error_of(BILLION_LAUGHS)
    error_of(BILLION_LAUGHS.encode())
    assert time.process_time() - start < 1.0


def test_missing_file(tmp_path):
    message = error_of(tmp_path / "nope.svg")
    assert "nope.svg: no such file" in message


def test_directory(tmp_path):
    assert "is a directory" in error_of(tmp_path)
    assert "is a directory" in error_of(str(tmp_path))


def test_file_too_large(tmp_path):
    big = tmp_path / "big.svg"
    with open(big, "wb") as f:
        f.truncate(51 * 1024 * 1024)  # sparse: refused from its size before reading
    assert "more than the 50 MB" in error_of(big)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path):
    f = tmp_path / "locked.svg"
    f.write_text(svg(""))
    f.chmod(0)
    assert "cannot read" in error_of(f)


def test_deep_nesting_is_refused_and_the_budget_raises():
    from vecedit.limits import LimitError

    text = svg("<g>" * 300 + "</g>" * 300)
    with pytest.raises(LimitError, match="nest deeper than the budget: 257 is over the limit of 256 depth"):
        load_svg(text)
    assert len(vecedit.load_svg(text, limits="depth=400").shapes()) == 0


def test_deep_but_allowed_nesting_loads_and_writes():
    from vecedit.svg import dumps_svg

    text = svg("<g>" * 250 + '<rect width="1" height="1"/>' + "</g>" * 250)
    doc = load_svg(text)
    assert len(doc.shapes()) == 1 and dumps_svg(doc) == text
    doc.shapes()[0].edited.add("geometry")
    assert "<path" in dumps_svg(doc)


def test_file_name_starts_the_message(tmp_path):
    f = tmp_path / "input.svg"
    f.write_text("<svg xmlns='http://www.w3.org/2000/svg'>\n<g>\n</svg>")
    assert error_of(f).startswith(f"{f}: not well-formed XML at line 3, column 3: mismatched tag")


def test_wrong_argument_type_is_a_bug_not_user_error():
    with pytest.raises(TypeError):
        load_svg(42)


def test_standard_svg11_doctype_is_fine():
    text = ('<?xml version="1.0" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + svg('<rect width="1" height="1"/>'))
    assert len(load_svg(text).shapes()) == 1


@pytest.mark.parametrize(
    "source, fragment",
    [
        (svg("", 'width="0" height="10"'), "width"),
        (svg("", 'width="-5" height="10"'), "width"),
        (svg("", 'width="nan" height="10"'), "not a finite number"),
        (svg("", 'width="10" height="10" viewBox="0 0 0 10"'), "viewBox"),
        (svg("", 'viewBox="0 0 10"'), "bad viewBox"),
        (svg('<path id="p" d="M0 0 L5 5 L nan 5"/>'), "path data error"),
        (svg('<g transform="rotate(nan)"><rect width="1" height="1"/></g>'), "transform is ignored"),
        (svg('<rect width="10" height="10" transform="scale(2"/>'), "bad transform"),
        (svg('<linearGradient id="g" x1="1e999"/>'), "x1"),
        (svg('<rect width="ten" height="1"/>'), "attribute is ignored"),
    ],
)
def test_invalid_values_are_dropped_with_a_note_as_browsers_do(source, fragment):
    """Issue 11: only non-SVG, malformed XML or hostile files are refused."""
    doc = load_svg(source)
    assert any(fragment in n.message for n in doc.notes), [n.message for n in doc.notes]
