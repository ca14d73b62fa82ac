"""The small SVG builder the vecedit.svg tests share (a uniquely named module, so test
folders run together never import another folder's helpers)."""

SVG_NS = "http://www.w3.org/2000/svg"


def svg(body: str, attrs: str = 'width="100" height="100"') -> str:
    """Wrap *body* in an SVG root with the SVG and xlink namespaces."""
    return (f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>'
            f"{body}</svg>")
