"""The token reader of path data and point lists agrees with the character scanner.

``pathdata.tokenize`` reads clean tokens from one regular-expression split and hands
the rest to the scanner (``scan_commands``); both must read every text alike: the same
commands, the same error, and the same geometry for polylines built at once.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vecedit.svg.pathdata import path_to_subpaths, polyline_subpath, scan_commands, scan_numbers, scan_numbers_from
from vecedit.svg.pathdata import tokenize

SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None)
ATOMS = list("MmLlHhVvCcSsQqTtAaZz") + [
    "0", "1", "11", "01", "-2.5", ".5", "3.", "1e3", "1e999", "1e-320", "-0", "nan", "inf", " ", ",", "\n", "\u00a0",
    "x", "e", "-", "..", "+1", "1.5",
]


def scanned_numbers(text):
    """scan_numbers as the character scanner alone reads the list."""
    return scan_numbers_from(text)


@SETTINGS
@given(st.lists(st.sampled_from(ATOMS), max_size=40))
def test_tokens_read_as_the_scanner_reads(atoms):
    text = "".join(atoms)
    assert tokenize(text) == scan_commands(text)
    assert scan_numbers(text) == scanned_numbers(text)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from("MmLlHhVvCcSsQqTtAaZz"), st.integers(1, 2),
                          st.lists(st.sampled_from(["0", "1", "-2.5", ".5", "12", "1e2", "-.25"]), min_size=7,
                                   max_size=14), st.sampled_from([" ", ",", ""])),
                max_size=20),
       st.sampled_from(ATOMS), st.integers(0, 400))
def test_mostly_valid_paths_read_as_the_scanner_reads(commands, intruder, where):
    arity = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}
    parts = ["M1 2"]
    for letter, repeats, numbers, sep in commands:
        args = (numbers * 2)[: arity[letter.lower()] * repeats]
        if letter in "Aa":
            args = [n if i % 7 not in (3, 4) else "01"[i % 2] for i, n in enumerate(args)]
        parts.append(letter + (sep or " ").join(args))
    text = " ".join(parts)
    for d in (text, text[:where] + intruder + text[where:]):
        assert tokenize(d) == scan_commands(d)


def test_a_resumed_scan_keeps_what_was_read_and_the_scanners_message():
    commands, error = tokenize("M0 0 L1 2 3 x")
    assert commands == [("M", [0.0, 0.0]), ("L", [1.0, 2.0])]
    assert error == "expected a number at 'x'"
    commands, error = tokenize("M0 0 a1 1 0 11 5 5 L1e999 0")  # flags touching: the scanner reads them
    assert commands == [("M", [0.0, 0.0]), ("a", [1.0, 1.0, 0.0, 1.0, 1.0, 5.0, 5.0])]
    assert "beyond floating-point range" in error


def test_polyline_subpath_matches_the_path_it_stands_for():
    pts = np.array([[0.0, 0.0], [3.0, 1.0], [2.0, 7.5], [0.0, 0.0]])
    for closed, d in ((False, "M0 0 L3 1 L2 7.5 L0 0"), (True, "M0 0 L3 1 L2 7.5 L0 0 Z")):
        (expected,), _ = path_to_subpaths(d)
        got = polyline_subpath(pts, closed)
        assert np.array_equal(got.points, expected.points) and got.closed == expected.closed
        assert np.array_equal(got.segment_starts, expected.segment_starts) and got.close_line == expected.close_line
    (expected,), _ = path_to_subpaths("M0 0 L3 1 L2 7.5 Z")
    got = polyline_subpath(pts[:3], True)
    assert np.array_equal(got.points, expected.points) and got.close_line and expected.close_line
