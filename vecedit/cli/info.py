"""``vecedit info``: what is in an SVG: size, shapes and paints, and what is kept but not drawn."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

MAX_LISTED_GRADIENTS = 10


def add_parser(commands) -> None:
    info = commands.add_parser(
        "info",
        help="describe an SVG: size, shapes, paints, what is kept but not drawn",
        description="Describe an SVG: its size, one line per shape (id, kind, fill, stroke, editable), "
                    "and what vecedit keeps in the file but does not draw or edit.",
    )
    info.add_argument("input", metavar="IN.svg", help="the SVG file to describe")
    info.add_argument("--json", action="store_true", help="print the same information as JSON")
    info.set_defaults(run=run_info)


def run_info(args: argparse.Namespace) -> int:
    from vecedit import api

    doc = api.load_svg(Path(args.input))
    report = describe(doc, args.input)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def describe(doc, name: str) -> dict:
    """The facts ``vecedit info`` prints, as plain JSON-ready data."""
    from vecedit.svg.model import fill_paints_nothing

    shapes = []
    for index, shape in enumerate(doc.shapes()):
        shapes.append({
            "index": index,
            "id": shape.id,
            "label": shape.id if shape.id else f"#{index}",
            "kind": shape.tag,
            "classes": list(shape.classes),
            "fill": "none" if fill_paints_nothing(shape) else format_paint(shape.fill, shape.fill_opacity),
            "stroke": format_paint(shape.stroke, shape.stroke_opacity),
            "stroke_width": shape.stroke_width if shape.stroke is not None else None,
            "opacity": shape.opacity,
            "fill_opacity": shape.fill_opacity,
            "stroke_opacity": shape.stroke_opacity,
            "visible": shape.visible,
            "editable": shape.editable,
            "reason": shape.reason,
        })
    notes = [
        {"tag": note.tag, "id": note.id, "message": note.message, "affects_picture": note.affects_picture}
        for note in doc.notes
    ]
    return {
        "file": str(name),
        "width": doc.width,
        "height": doc.height,
        "viewbox": list(doc.viewbox),
        "shapes": shapes,
        "gradients": [{"id": g.id, "kind": g.kind, "stops": len(g.stops)} for g in doc.gradients.values()],
        "notes": notes,
        "summary": {
            "shapes": len(shapes),
            "editable": sum(s["editable"] for s in shapes),
            "hidden": sum(not s["visible"] for s in shapes),
            "not_applied_by_builtin_renderer": sum(n["affects_picture"] for n in notes),
        },
    }


def format_report(report: dict) -> str:
    summary = report["summary"]
    lines = [
        report["file"],
        f"  size       {report['width']:g} × {report['height']:g} px",
        "  viewBox    " + " ".join(f"{v:g}" for v in report["viewbox"]),
        f"  shapes     {summary['shapes']} ({summary['editable']} editable"
        + (f", {summary['hidden']} hidden" if summary["hidden"] else "") + ")",
    ]
    gradients = report["gradients"]
    if gradients:
        listed = ", ".join(f"{g['id']} ({g['kind']})" for g in gradients[:MAX_LISTED_GRADIENTS])
        more = len(gradients) - MAX_LISTED_GRADIENTS
        lines.append(f"  gradients  {listed}" + (f", and {more} more" if more > 0 else ""))
    if report["shapes"]:
        rows = [("id", "kind", "fill", "stroke", "status")]
        for s in report["shapes"]:
            status = "editable" if s["editable"] else f"not editable: {s['reason'] or 'unknown reason'}"
            if not s["visible"]:
                status = "hidden, " + status
            rows.append((s["label"], s["kind"], s["fill"], s["stroke"], status))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        lines.append("")
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4] for row in rows]
        if any(s["id"] is None for s in report["shapes"]):
            lines.append("  (#N: the shape without an id at position N in document order, counted from 0)")
    affecting = [n for n in report["notes"] if n["affects_picture"]]
    kept = [n for n in report["notes"] if not n["affects_picture"]]
    if affecting:
        lines += ["", f"NOT APPLIED by the builtin renderer ({len(affecting)}), so its picture differs from "
                      "a browser's (--renderer reference draws them):"]
        lines += _note_lines(affecting, "  ! ")
    if kept:
        lines += ["", f"kept in the file, not editable, or how it is drawn; no effect on the picture ({len(kept)}):"]
        lines += _note_lines(kept, "  - ")
    return "\n".join(line.rstrip() for line in lines)


def _note_lines(notes: list[dict], bullet: str) -> list[str]:
    labels = [note_label(n) for n in notes]
    width = max(len(label) for label in labels)
    return [f"{bullet}{label.ljust(width)}  {n['message']}" for label, n in zip(labels, notes)]


def note_label(note) -> str:
    tag, nid = (note["tag"], note["id"]) if isinstance(note, dict) else (note.tag, note.id)
    return f'{tag} id="{nid}"' if nid else tag


def format_paint(paint, opacity: float = 1.0) -> str:
    """A resolved paint as ``#rrggbb`` (``#rrggbbaa`` when translucent: the colour's alpha times
    ``fill-opacity``/``stroke-opacity``), ``url(#id)`` (``url(#id)@50%`` under an opacity) or ``none``."""
    from vecedit.svg.model import GradientRef, ImageRef, PatternRef

    opacity = min(max(float(opacity), 0.0), 1.0)
    if paint is None:
        return "none"
    if isinstance(paint, ImageRef):
        return "image {1}×{0}".format(*paint.pixels.shape[:2])
    if isinstance(paint, (GradientRef, PatternRef)):
        return f"url(#{paint.id})" + (f"@{opacity:.0%}" if opacity < 1 else "")
    rgba = [*paint[:3], (paint[3] if len(paint) > 3 else 1.0) * opacity]
    channels = [round(min(max(float(c), 0.0), 1.0) * 255) for c in rgba]
    text = "#" + "".join(f"{c:02x}" for c in channels[:3])
    return text + (f"{channels[3]:02x}" if channels[3] < 255 else "")
