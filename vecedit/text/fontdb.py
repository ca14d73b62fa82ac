"""Installed fonts: discovery, CSS font matching, per-character fallback.

Where fonts come from, in order: the folders given as ``font_dirs`` (``--font-dir``),
the ``VECEDIT_FONT_DIRS`` environment variable (folders separated by ``os.pathsep``),
then fontconfig's list (``fc-list``), or, without fontconfig, the usual font folders.
Each face is described from its own tables (``name`` family names, ``OS/2`` weight,
width and slope), as browsers and resvg's fontdb do, so a font in a ``--font-dir``
and an installed one are matched alike.

Matching follows CSS Fonts 3 §5.2: the first family of the list that exists, then the
closest stretch, the style (italic → oblique → normal), and the weight rules of §5.2
step 4. Generic families (serif, sans-serif, monospace, cursive, fantasy, system-ui)
map to what fontconfig picks for them — the same mapping the resvg reference gets
(:mod:`vecedit.render.reference`), DejaVu where fontconfig is absent.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
                    "/Library/Fonts", "/System/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts")
RESVG_SYSTEM_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
GENERIC = {"serif": "DejaVu Serif", "sans-serif": "DejaVu Sans", "monospace": "DejaVu Sans Mono",
           "cursive": "DejaVu Serif", "fantasy": "DejaVu Serif", "system-ui": "DejaVu Sans"}
GENERIC_ALIASES = {"sans": "sans-serif", "mono": "monospace", "ui-serif": "serif", "ui-sans-serif": "sans-serif",
                   "ui-monospace": "monospace"}
ENV_VAR = "VECEDIT_FONT_DIRS"


def _norm(name: str) -> str:
    return " ".join(name.strip().strip("'\"").lower().split())


@dataclass(eq=False)
class FaceInfo:
    """One face of a font file, as read from its tables."""

    path: str
    index: int
    families: tuple[str, ...]  # normalised names, the preferred one first
    family: str  # display name
    weight: int  # 100…900
    style: str  # normal | italic | oblique
    stretch: int  # usWidthClass 1…9 (5 = normal)
    order: int = 0  # discovery order, for stable choices

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.index)


def _read_faces(path: str) -> list[FaceInfo]:
    """Every face of a font file (a collection has several); [] for anything unreadable."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.lower().endswith((".ttc", ".otc")):
            source = TTCollection(path, lazy=True)
            fonts = list(source.fonts)
        else:
            source = TTFont(path, lazy=True)
            fonts = [source]
    except Exception:  # a broken file is skipped like fontconfig skips it
        return []
    try:
        return _faces_in(path, fonts)
    finally:
        source.close()


def _faces_in(path: str, fonts: list) -> list[FaceInfo]:
    out = []
    for index, font in enumerate(fonts):
        try:
            if "cmap" not in font or not ({"glyf", "CFF ", "CFF2"} & set(font.keys())):
                continue
            names = []
            for record in font["name"].names:
                if record.nameID in (16, 1, 21):
                    try:
                        names.append((0 if record.nameID == 16 else 1, record.toUnicode()))
                    except Exception:
                        continue
            names.sort(key=lambda n: n[0])
            families = tuple(dict.fromkeys(_norm(n) for _, n in names if n.strip()))
            if not families:
                continue
            os2 = font["OS/2"] if "OS/2" in font else None
            weight = int(getattr(os2, "usWeightClass", 400) or 400)
            weight = min(900, max(100, weight if weight >= 100 else weight * 100))
            selection = int(getattr(os2, "fsSelection", 0) or 0)
            mac_style = int(getattr(font["head"], "macStyle", 0) or 0)
            style = "oblique" if selection & 0x200 else "italic" if (selection & 1 or mac_style & 2) else "normal"
            stretch = int(getattr(os2, "usWidthClass", 5) or 5)
            display = next((n for _, n in names if n.strip()), Path(path).stem)
            out.append(FaceInfo(path, index, families, display, weight, style, min(9, max(1, stretch))))
        except Exception:
            continue
    return out


def _fontconfig_files() -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    try:
        done = subprocess.run(["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.strip() for line in done.stdout.splitlines() if line.strip().lower().endswith(FONT_SUFFIXES)})


def _folder_files(folder: str) -> list[str]:
    root = Path(folder).expanduser()
    if not root.is_dir():
        return []
    return sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


@functools.lru_cache(maxsize=8)
def _faces_of(files: tuple[str, ...]) -> tuple[FaceInfo, ...]:
    faces, seen = [], set()
    for path in files:
        for face in _read_faces(path):
            if face.key not in seen:
                seen.add(face.key)
                face.order = len(faces)
                faces.append(face)
    return tuple(faces)


@functools.lru_cache(maxsize=1)
def _generic_map() -> dict[str, str]:
    """Generic family → installed family, as fontconfig (and so the resvg reference) picks it."""
    out = dict(GENERIC)
    if shutil.which("fc-match") is None:
        return out
    for generic in ("serif", "sans-serif", "monospace", "cursive", "fantasy"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{family[0]}", generic], capture_output=True, text=True,
                                   timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if found:
            out[generic] = found
    return out


def use_font_dirs(folders) -> None:
    """``--font-dir``: check the folders and put them first in ``VECEDIT_FONT_DIRS`` for this process
    (and the worker processes it starts), where every document load and the reference renderer look."""
    from vecedit.errors import OptionError

    checked = []
    for folder in folders:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise OptionError(f"--font-dir {folder}: no such folder; give a folder holding .ttf/.otf/.ttc fonts")
        checked.append(str(path.resolve()))
    os.environ[ENV_VAR] = os.pathsep.join(checked + list(env_font_dirs()))


def env_font_dirs() -> tuple[str, ...]:
    return tuple(d for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip())


class FontDB:
    """The faces one document's text may use (see the module docstring)."""

    def __init__(self, font_dirs: Sequence[str] = ()):
        self.font_dirs = tuple(str(Path(d).expanduser()) for d in (*font_dirs, *env_font_dirs()))
        files: list[str] = []
        for folder in self.font_dirs:
            files += _folder_files(folder)
        system = _fontconfig_files()
        if not system:
            for folder in SYSTEM_FONT_DIRS:
                system += _folder_files(folder)
        self.faces: tuple[FaceInfo, ...] = _faces_of(tuple(files + system))
        self._by_family: dict[str, list[FaceInfo]] = {}
        for face in self.faces:
            for name in face.families:
                self._by_family.setdefault(name, []).append(face)
        self._fallback: dict[tuple, Optional[FaceInfo]] = {}

    def family_faces(self, family: str) -> list[FaceInfo]:
        name = _norm(family)
        name = GENERIC_ALIASES.get(name, name)
        if name in GENERIC:
            name = _norm(_generic_map().get(name, GENERIC[name]))
        return self._by_family.get(name, [])

    def match(self, families: Iterable[str], weight: int = 400, style: str = "normal",
              stretch: int = 5) -> tuple[Optional[FaceInfo], Optional[str]]:
        """→ (face, None) for the first listed family that exists, else (the default face, the missing list)."""
        families = [f for f in families if f.strip()]
        for family in families:
            faces = self.family_faces(family)
            if faces:
                return select_face(faces, weight, style, stretch), None
        default = self.family_faces("serif") or self.family_faces("sans-serif") or list(self.faces)
        if not default:
            return None, ", ".join(families) or "serif"
        return select_face(default, weight, style, stretch), ", ".join(families)

    def fallback(self, char: str, like: FaceInfo, exclude: frozenset) -> Optional[FaceInfo]:
        """The face resvg falls back to for ``char``: the first in its font database's load order
        (:func:`load_order`) that is not excluded, has a glyph for it, and shares the style, the
        weight or the stretch of ``like`` (resvg skips only faces that differ in all three)."""
        key = (char, like.key, exclude)
        if key in self._fallback:
            return self._fallback[key]
        from vecedit.text.shaping import FontError, load_face

        code = ord(char)
        found = None
        for face in self.load_order:
            if face.key in exclude or (face.style != like.style and face.weight != like.weight
                                       and face.stretch != like.stretch):
                continue
            try:
                if load_face(face).has(code):
                    found = face
                    break
            except FontError:  # a damaged face in the database is passed over, as resvg's fallback does
                continue
        self._fallback[key] = found
        return found

    @functools.cached_property
    def load_order(self) -> tuple[FaceInfo, ...]:
        """The faces in the order resvg's font database loads them (system folders walked depth-first
        in directory order, then the font folders), the order its fallback search goes through."""
        rank = {path: i for i, path in enumerate(load_walk(self.font_dirs))}
        return tuple(sorted(self.faces, key=lambda f: (rank.get(f.path, len(rank)), f.order)))


def load_walk(font_dirs: Sequence[str] = ()) -> list[str]:
    """Font files as fontdb (resvg) meets them: the system folders, then ``font_dirs``; each
    folder depth-first in directory order (unsorted, as ``read_dir`` returns it)."""
    out: list[str] = []

    def walk(folder: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.is_file() and entry.name.lower().endswith(FONT_SUFFIXES):
                out.append(entry.path)
            elif entry.is_dir():
                walk(entry.path)

    for folder in (*RESVG_SYSTEM_DIRS, *font_dirs):
        walk(str(Path(folder).expanduser()))
    return list(dict.fromkeys(out))


def select_face(faces: list[FaceInfo], weight: int, style: str, stretch: int) -> FaceInfo:
    """CSS Fonts 3 §5.2 steps 4a–c among the faces of one family."""
    stretches = sorted({f.stretch for f in faces})
    if stretch in stretches:
        best_stretch = stretch
    elif stretch <= 5:
        narrower = [s for s in stretches if s < stretch]
        best_stretch = max(narrower) if narrower else min(s for s in stretches if s > stretch)
    else:
        wider = [s for s in stretches if s > stretch]
        best_stretch = min(wider) if wider else max(s for s in stretches if s < stretch)
    faces = [f for f in faces if f.stretch == best_stretch]
    order = {"italic": ("italic", "oblique", "normal"), "oblique": ("oblique", "italic", "normal"),
             "normal": ("normal", "oblique", "italic")}.get(style, ("normal", "oblique", "italic"))
    for wanted in order:
        styled = [f for f in faces if f.style == wanted]
        if styled:
            faces = styled
            break
    return min(faces, key=lambda f: (_weight_rank(f.weight, weight), f.order))


def _weight_rank(have: int, want: int) -> tuple[int, int]:
    if have == want:
        return (0, 0)
    if want == 400 and have == 500 or want == 500 and have == 400:
        return (1, 0)
    if want <= 500:
        return (2, want - have) if have < want else (3, have - want)
    return (2, have - want) if have > want else (3, want - have)


def font_db(font_dirs: tuple[str, ...] = ()) -> FontDB:
    """One :class:`FontDB` per folder list (and ``VECEDIT_FONT_DIRS`` value), reused across documents."""
    return _cached_db(font_dirs, env_font_dirs())


@functools.lru_cache(maxsize=16)
def _cached_db(font_dirs: tuple[str, ...], env: tuple[str, ...]) -> FontDB:
    return FontDB(font_dirs)


def installed_families(font_dirs: Sequence[str] = ()) -> list[str]:
    return sorted({face.family for face in font_db(tuple(font_dirs)).faces})


__all__ = ["FaceInfo", "FontDB", "font_db", "select_face", "installed_families", "use_font_dirs", "env_font_dirs",
           "ENV_VAR"]
