"""PDF/A-1 fonts (ISO 19005-1:2005 §6.3) and the output intent's ICC profile (§6.2.2), read from one dictionary.

§6.3.4: every font's program is embedded (Type 3 fonts are drawn by content streams and need none);
§6.3.5: a subset says which glyphs it holds (CIDSet for CIDFonts, CharSet for Type 1); §6.3.6: the widths
the PDF declares (Widths, W) are those of the embedded program. fontTools reads TrueType programs, the kind
DUIs embed; widths of Type 1 and CFF programs are not compared (their presence still is).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

SIMPLE = frozenset({"/Type1", "/MMType1", "/TrueType"})
CID = frozenset({"/CIDFontType0", "/CIDFontType2"})
SUBTYPES = SIMPLE | CID | {"/Type0", "/Type3"}
MAX_FONT_PROGRAM = 10 * 1024 * 1024
MAX_WIDTHS = 20_000
TOLERANCE = 1.0  # a declared width may differ from the program's by rounding

Said = tuple[str, str, str, dict[str, Any]]  # clause, message key (pdfa.toml), location, parameters


def _r(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _get(d: Any, key: str) -> Any:
    try:
        return _r(d.get(key)) if isinstance(d, DictionaryObject) else None
    except Exception:
        return None


def judge(font: DictionaryObject, path: str, subtype: Any, *, widths: bool = True) -> Iterator[Said]:
    """What §6.3 says about one font dictionary; `widths` compares widths with the program (costly)."""
    name = str(_get(font, "/BaseFont") or path.rsplit("/", 1)[-1]).lstrip("/")
    if subtype in ("/Type0", "/Type3") or subtype not in SIMPLE | CID:
        return  # a Type0 is judged through its descendant CIDFont, which the walk meets too
    fd = _get(font, "/FontDescriptor")
    if not isinstance(fd, DictionaryObject):
        yield "6.3.4", "font.no-descriptor", path, {"font": name}
        if subtype in SIMPLE:
            yield from _simple_widths_present(font, path, name)
        return
    program_key = next((k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in fd), None)
    if program_key is None:
        yield "6.3.4", "font.not-embedded", f"{path}/FontDescriptor", {"font": name}
    subset = len(name) > 7 and name[6] == "+" and name[:6].isupper()
    if subtype in SIMPLE:
        yield from _simple_widths_present(font, path, name)
        if subset and subtype != "/TrueType" and "/CharSet" not in fd:
            yield "6.3.5", "font.no-charset", f"{path}/FontDescriptor", {"font": name}
    else:
        if subset and "/CIDSet" not in fd:
            yield "6.3.5", "font.no-cidset", f"{path}/FontDescriptor", {"font": name}
        if subtype == "/CIDFontType2" and "/CIDToGIDMap" not in font:
            yield "6.3.3.2", "font.no-cidtogidmap", path, {"font": name}
    program = _get(fd, "/FontFile2")
    if widths and isinstance(program, StreamObject):
        yield from _compare_widths(font, subtype, program, path, name)


def _simple_widths_present(font: DictionaryObject, path: str, name: str) -> Iterator[Said]:
    missing = [k.lstrip("/") for k in ("/FirstChar", "/LastChar", "/Widths") if k not in font]
    if missing:
        yield "6.3.6", "font.widths-missing", path, {"font": name, "missing": ", ".join(missing)}
        return
    first, last, w = _get(font, "/FirstChar"), _get(font, "/LastChar"), _get(font, "/Widths")
    try:
        expected = int(last) - int(first) + 1
    except (TypeError, ValueError):
        expected = -1
    if not isinstance(w, ArrayObject) or len(w) != expected:
        count = len(w) if isinstance(w, ArrayObject) else 0
        yield (
            "6.3.6",
            "font.widths-length",
            f"{path}/Widths",
            {"font": name, "count": count, "first": first, "last": last},
        )


def _program(stream: StreamObject) -> Any:
    from fontTools.ttLib import TTFont

    data = stream.get_data()
    if len(data) > MAX_FONT_PROGRAM:
        raise ValueError(f"font program of {len(data)} bytes")
    return TTFont(io.BytesIO(data), lazy=True, fontNumber=0)


def _declared_cid_widths(font: DictionaryObject) -> dict[int, float]:
    """W: `c [w1 w2 ...]` or `cfirst clast w`, up to MAX_WIDTHS entries."""
    out: dict[int, float] = {}
    w = _get(font, "/W")
    items = [_r(x) for x in w] if isinstance(w, ArrayObject) else []
    i = 0
    while i < len(items) and len(out) < MAX_WIDTHS:
        start = int(items[i])
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(nxt, ArrayObject):
            for j, width in enumerate(nxt[:MAX_WIDTHS]):
                out[start + j] = float(_r(width))
            i += 2
        elif nxt is not None and i + 2 < len(items):
            for cid in range(start, min(int(nxt) + 1, start + MAX_WIDTHS)):
                out[cid] = float(items[i + 2])
            i += 3
        else:
            break
    return out


def _gid_of_cid(font: DictionaryObject) -> Any:
    cmap = _get(font, "/CIDToGIDMap")
    if isinstance(cmap, StreamObject):
        table = cmap.get_data()
        return lambda cid: int.from_bytes(table[2 * cid : 2 * cid + 2], "big") if 2 * cid + 2 <= len(table) else None
    return lambda cid: cid  # Identity (or absent, reported above)


def _gid_of_code(font: DictionaryObject, tt: Any) -> Any:
    """Simple TrueType: a code's glyph through the (3,0) symbolic cmap, WinAnsi to (3,1), or (1,0)."""
    tables = {(t.platformID, t.platEncID): t.cmap for t in tt["cmap"].tables}
    encoding = _get(font, "/Encoding")
    order = tt.getGlyphOrder()
    index = {g: i for i, g in enumerate(order)}

    def gid(code: int) -> int | None:
        name = None
        if (3, 0) in tables:
            name = tables[(3, 0)].get(0xF000 + code) or tables[(3, 0)].get(code)
        elif encoding == "/WinAnsiEncoding" and (3, 1) in tables:
            char = bytes([code]).decode("cp1252", "ignore")
            name = tables[(3, 1)].get(ord(char)) if char else None
        elif (1, 0) in tables:
            name = tables[(1, 0)].get(code)
        return index.get(name) if name else None

    return gid


def _compare_widths(
    font: DictionaryObject, subtype: Any, program: StreamObject, path: str, name: str
) -> Iterator[Said]:
    try:
        tt = _program(program)
        upem = float(tt["head"].unitsPerEm) or 1000.0
        hmtx = tt["hmtx"].metrics
        order = tt.getGlyphOrder()
        if subtype == "/CIDFontType2":
            declared = _declared_cid_widths(font)
            to_gid = _gid_of_cid(font)
        else:
            first = int(_get(font, "/FirstChar") or 0)
            raw = _get(font, "/Widths")
            declared = (
                {first + i: float(_r(w)) for i, w in enumerate(raw[:MAX_WIDTHS])}
                if isinstance(raw, ArrayObject)
                else {}
            )
            to_gid = _gid_of_code(font, tt)
        wrong: list[tuple[int, float, float]] = []
        for code, width in sorted(declared.items()):
            if not width or (code == 0 and subtype == "/CIDFontType2"):
                continue  # 0 and CID 0 (.notdef): glyphs the document does not show
            gid = to_gid(code)
            if gid is None or not 0 <= gid < len(order):
                continue
            actual = hmtx[order[gid]][0] * 1000.0 / upem
            if abs(actual - width) > TOLERANCE:
                wrong.append((code, width, round(actual, 1)))
    except Exception as exc:  # fontTools on a hostile program: the program is not a readable font
        yield (
            "6.3.4",
            "font.program-unreadable",
            f"{path}/FontDescriptor/FontFile2",
            {"font": name, "error": type(exc).__name__},
        )
        return
    if wrong:
        code, width, actual = wrong[0]
        params = {"font": name, "count": len(wrong), "code": code, "declared": width, "program": actual}
        yield "6.3.6", "font.widths-differ", f"{path}/{'W' if subtype == '/CIDFontType2' else 'Widths'}", params


def icc_problem(icc: bytes, n: Any) -> tuple[str, dict[str, Any]] | None:
    """§6.2.2: an ICC profile PDF 1.4 reads (version 2, up to 2.4), of an output or monitor device, whose
    colour space agrees with /N; the first problem, or None. The bounds are those Apache PDFBox Preflight
    applies (major version 2 with minor at most 0x40)."""
    if len(icc) < 128 or icc[36:40] != b"acsp":
        return "intent.icc-unreadable", {"reason": "no ICC header ('acsp' signature)"}
    major, minor = icc[8], icc[9]
    if major > 2 or (major == 2 and minor > 0x40):
        return "intent.icc-version", {"version": f"{major}.{minor >> 4}.{minor & 0xF}"}
    device = icc[12:16].decode("latin-1")
    if device not in ("prtr", "mntr"):
        return "intent.icc-class", {"got": device}
    space = icc[16:20].decode("latin-1").strip()
    components = {"RGB": 3, "CMYK": 4, "GRAY": 1}.get(space)
    try:
        declared = int(n) if n is not None else None
    except (TypeError, ValueError):
        declared = None
    if components is not None and declared is not None and declared != components:
        return "intent.icc-components", {"space": space, "n": declared}
    return None
