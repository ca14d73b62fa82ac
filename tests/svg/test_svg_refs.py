"""The shared reference resolver (vecedit.svg.refs): cycles and depth break the
referencing element (not drawn, with a Note), never the file."""

import time
from xml.etree.ElementTree import fromstring

import pytest

from vecedit.svg import load_svg
from vecedit.svg.refs import MAX_CHAIN, BrokenReference, References, href_chain, ref_id

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def svg(body: str) -> str:
    return f'<svg {NS} width="10" height="10">{body}</svg>'


def drawn_ids(doc):
    return [s.id for s in doc.shapes() if s.visible]


@pytest.mark.parametrize("value, expected", [
    ("url(#a)", "a"), ("url('#a')", "a"), ('url( "#a" )', "a"), ("#a", "a"), ("a", None), ("", None),
    (None, None), ("url(other.svg#a)", None), ("none", None),
])
def test_ref_id_forms(value, expected):
    assert ref_id(value) == expected


def test_self_referencing_clip_path_is_not_drawn_rest_is():
    doc = load_svg(svg('<clipPath id="c"><rect width="5" height="5" clip-path="url(#c)"/></clipPath>'
                       '<rect id="clipped" width="9" height="9" clip-path="url(#c)"/><rect id="ok" width="2" height="2"/>'))
    assert "ok" in drawn_ids(doc)
    assert any("reference cycle" in n.message for n in doc.notes)


def test_clip_path_use_cycle_breaks_the_element_that_enters_it():
    doc = load_svg(svg('<clipPath id="c"><use href="#s"/></clipPath><rect id="s" width="9" height="9" clip-path="url(#c)"/>'
                       '<rect id="ok" width="2" height="2"/>'))
    assert drawn_ids(doc) == ["ok"]
    [note] = [n for n in doc.notes if "reference cycle" in n.message]
    assert note.id == "s" and "refers back to it" in note.message


def test_recursive_use_is_not_drawn_rest_of_file_is():
    doc = load_svg(svg('<g id="g"><rect id="r" width="3" height="3"/><use id="u" href="#g"/></g>'
                       '<use id="a" href="#b"/><use id="b" xlink:href="#a"/>'))
    assert drawn_ids(doc) == ["r"]
    broken = {n.id for n in doc.notes if "reference cycle" in n.message}
    assert {"u", "a"} <= broken


def test_references_nested_deeper_than_the_limit_break_the_innermost():
    chain = "".join(f'<g id="g{i}"><use href="#g{i + 1}"/></g>' for i in range(40))
    doc = load_svg(svg(f'<defs>{chain}<g id="g40"><rect id="leaf" width="1" height="1"/></g></defs><use href="#g0"/>'))
    assert not drawn_ids(doc)  # the leaf is 41 references deep
    assert any("nest more than" in n.message for n in doc.notes)
    shallow = load_svg(svg(f'<defs>{chain}<g id="g40"><rect id="leaf" width="1" height="1"/></g></defs><use href="#g30"/>'))
    assert len(drawn_ids(shallow)) == 1


def test_follow_unwinds_a_loop_to_the_reference_that_entered_it():
    root = fromstring(svg('<g id="a"/><g id="b"/><rect id="x"/><rect id="y"/>'))
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    parent = {c: p for p in root.iter() for c in p}
    refs = References(ids, parent.get)
    with pytest.raises(BrokenReference) as info:
        with refs.follow("mask", ids["x"], ids["a"]):
            with refs.follow("filter", ids["y"], ids["b"]):
                with refs.follow("mask", ids["b"], ids["a"]):
                    pass
    assert info.value.breaks(ids["x"]) and "mask on #x refers to #a" in info.value.message
    with refs.follow("mask", ids["x"], ids["a"]):  # the stack is clean again
        pass


def test_href_chain_is_linear_and_cut_at_cycles_and_length():
    n = 2000
    doc = svg("".join(f'<linearGradient id="g{i}" href="#g{i + 1}"/>' for i in range(n))
              + f'<linearGradient id="g{n}"><stop offset="0" stop-color="red"/></linearGradient>'
              + '<rect width="5" height="5" fill="url(#g0)"/>')
    start = time.process_time()
    load_svg(doc)
    assert time.process_time() - start < 10.0  # 0.4 s alone; was > 100 s when quadratic
    root = fromstring(svg('<g id="a" href="#b"/><g id="b" href="#a"/>'))
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    cuts = []
    assert [e.get("id") for e in href_chain(ids["a"], ids, lambda e: True, lambda e, why: cuts.append(why))] == ["a", "b"]
    assert "cycle" in cuts[0]
    long = fromstring(svg("".join(f'<g id="g{i}" href="#g{i + 1}"/>' for i in range(100))))
    ids = {el.get("id"): el for el in long.iter() if el.get("id")}
    assert len(href_chain(ids["g0"], ids, lambda e: True)) == MAX_CHAIN


def test_cli_renders_a_file_with_a_use_cycle(tmp_path, capsys):
    from vecedit.cli import main

    source = tmp_path / "in.svg"
    source.write_text(svg('<use id="a" xlink:href="#b"/><use id="b" xlink:href="#a"/><rect width="4" height="4"/>'))
    assert main(["render", str(source), "-o", str(tmp_path / "out.png")]) == 0
    assert (tmp_path / "out.png").exists()
    assert main(["info", str(source)]) == 0
    assert "reference cycle" in capsys.readouterr().out


@pytest.mark.parametrize("body", ['<path d="M0 0 L NaN 5 L 5 5 Z"/>', '<path d="M0 0 L 1e999 5 L 5 5 Z"/>'])
def test_cli_draws_a_path_up_to_a_non_finite_number(body, tmp_path):
    from vecedit.cli import main

    source = tmp_path / "in.svg"
    source.write_text(svg(body))
    assert main(["render", str(source), "-o", str(tmp_path / "out.png")]) == 0
