"""DOCTYPE internal entities: text entities are expanded (Illustrator exports), everything else is refused."""

import pytest

from vecedit.errors import SVGError
from vecedit.svg import dumps_svg, load_svg
from vecedit.svg.entities import MAX_EXPANSION

ILLUSTRATOR = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
\t<!ENTITY ns_svg "http://www.w3.org/2000/svg">
\t<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
\t<!ENTITY st0 "fill:#1E88E5;">
\t<!ENTITY both "&st0;stroke:red">
]>
<svg version="1.1" xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" width="40" height="40">
<rect id="a" width="20" height="20" style="&st0;"/><rect id="b" x="20" width="20" height="20" style="&both;"/>
</svg>
"""


def _doctype(decls: str, body: str = "") -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE svg [{decls}]>\n<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>'


def test_illustrator_entities_are_expanded_and_the_file_written_back_byte_for_byte():
    doc = load_svg(ILLUSTRATOR)
    a, b = doc.shapes()
    assert a.fill == pytest.approx((0x1E / 255, 0x88 / 255, 0xE5 / 255, 1.0))
    assert b.fill == a.fill and b.stroke == (1.0, 0.0, 0.0, 1.0)
    assert dumps_svg(doc) == ILLUSTRATOR


def test_an_edit_keeps_the_entity_references_it_did_not_touch():
    doc = load_svg(ILLUSTRATOR)
    a = doc.shapes()[0]
    a.fill, a.edited = (0.0, 0.0, 0.0, 1.0), {"fill"}
    out = dumps_svg(doc)
    assert 'xmlns="&ns_svg;"' in out and 'style="&both;"' in out
    assert load_svg(out).shapes()[0].fill == (0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize("decls, body, fragment", [
    ('<!ENTITY x SYSTEM "file:///etc/passwd">', "<text>&x;</text>", "external entity (file:///etc/passwd)"),
    ('<!ENTITY x PUBLIC "-//x//" "http://example.com/x">', "", "external entity"),
    ('<!ENTITY % p "x">', "", "parameter entity 'p'"),
    ('<!ENTITY m "<rect width=\'9\' height=\'9\'/>">', "&m;", "holds markup"),
    ('<!ENTITY a "&b;"><!ENTITY b "&a;">', "<text>&a;</text>", "refers to itself"),
    ("".join(f'<!ENTITY e{i} "&e{i + 1};">' for i in range(20)) + '<!ENTITY e20 "x">', "<text>&e0;</text>", "nested more than"),
    ('<!ENTITY big "' + "x" * 1000 + '">', "<text>" + "&big;" * (MAX_EXPANSION // 1000 + 1) + "</text>", "more than 1 MB"),
])
def test_entities_that_could_harm_are_refused_in_one_line(decls, body, fragment):
    with pytest.raises(SVGError) as e:
        load_svg(_doctype(decls, body))
    message = str(e.value)
    assert fragment in message and "\n" not in message


def test_entity_expansion_just_under_the_bound_is_drawn():
    text = _doctype('<!ENTITY c "red">', '<rect width="5" height="5" fill="&c;"/>' * 100)
    assert load_svg(text).shapes()[0].fill == (1.0, 0.0, 0.0, 1.0)
