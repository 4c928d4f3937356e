"""The PDF a DUI prints: PDF/A-1b for real (embedded TrueType fonts, an sRGB ICC v2 output intent, no
transparency), shared by every socle that prints or carries one (MSSanté copies, DMP N1, the ordonnance).

MSSanté Ref#2 ECO.2.1.5 wants PDF/A-1 copies, the DMP's N1 documents are PDF/A-1 (XDS-SD formatCode
"urn:ihe:iti:xds-sd:pdf:2008"): one builder makes both, and `conformance.formats.pdfa` checks what it
made the way Apache PDFBox Preflight does. fpdf2 in PDF/A-1B mode embeds the fonts it is given, refuses
the non-embedded standard 14 fonts, transparency and encryption, and adds the ICC's own sRGB2014 (v2)
output intent. The font is Noto Sans (OFL, `fontpkg-noto-sans`), reduced once per process to the
Windows-1252 repertoire (what French text needs) and to its Regular instance, so each document embeds a
subset of a ~18 kB font rather than parsing the 2 MB variable font (the reduced font is kept in the user's
cache, `font_cache_dir`). One font only, titles set larger rather than bold: fpdf2 subsets and writes every
font a document declares, used or not, and that is most of a document's cost (about 10 ms per font).

The file is byte-for-byte reproducible for a given input and creation date: the XMP packet is ours (fpdf2
would stamp the current time as ModifyDate), and the trailer ID is derived from the content.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.paths import user_cache

if TYPE_CHECKING:
    from fpdf import FPDF

PRODUCER = "dui-conformance (fpdf2)"
_ENCODING = "windows-1252"  # the repertoire the embedded font subset covers
FONT = "NotoSans"
LINE_CHARS = 85  # characters of an 11 pt line of Noto Sans across the A4 text width, with room to spare


@dataclass(frozen=True)
class Fonts:
    regular: Path


def _repertoire() -> list[int]:
    chars = bytes(range(0x20, 0x100)).decode(_ENCODING, "ignore")
    return sorted({ord(c) for c in chars if c.isprintable()} | {0xA0})


def font_cache_dir() -> Path:
    """$CONFORMANCE_FONT_CACHE, else $XDG_CACHE_HOME/dui-conformance/fonts, else ~/.cache/..."""
    return user_cache("fonts", "CONFORMANCE_FONT_CACHE")


def _reduce(source: Path) -> bytes:
    """The Regular (400) static instance of the variable font, Windows-1252 glyphs only."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    variable = TTFont(source, lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_repertoire())
    subsetter.subset(variable)  # first: instancing 250 glyphs is fast, instancing 3,000 is not
    reduced = io.BytesIO()
    variable.save(reduced)
    reduced.seek(0)
    static = instancer.instantiateVariableFont(TTFont(reduced), {"wght": 400, "wdth": 100})
    out = io.BytesIO()
    static.save(out)
    return out.getvalue()


@cache
def fonts() -> Fonts:
    """The font file fpdf2 embeds, made once per machine (~0.2 s) and kept in the font cache.

    fpdf2 reads fonts from files only; the cache key is the font package's version and the repertoire,
    and a cache that cannot be written falls back to a folder of this process.
    """
    from importlib.metadata import version

    from fontpkg_noto_sans import ROOT

    source = ROOT / "files" / "NotoSans[wdth,wght].ttf"
    key = hashlib.sha256(f"{version('fontpkg-noto-sans')}|{_repertoire()}".encode()).hexdigest()[:16]
    for folder in (font_cache_dir() / key, Path(tempfile.gettempdir()) / f"dui-conformance-fonts-{os.getpid()}"):
        path = folder / f"{FONT}-Regular.ttf"
        if path.is_file():
            return Fonts(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(_reduce(source))
            os.replace(tmp, path)  # atomic: a concurrent process sees the old file or the new
            return Fonts(path)
        except OSError:
            continue
    raise OSError("no writable folder for the PDF fonts (set CONFORMANCE_FONT_CACHE)")


def printable(text: str) -> str:
    """Text the embedded font can show; anything else becomes '?' rather than an exception."""
    return text.encode(_ENCODING, "replace").decode(_ENCODING)


def write_wrapped(pdf: FPDF, height: float, text: str, width: int) -> None:
    """`text` over as many lines of `width` characters as it needs, each set with cell(): fpdf2's own line
    breaking (multi_cell) measures every character of every candidate line, about 1 ms a line."""
    for part in textwrap.wrap(printable(text), width) or [" "]:
        pdf.cell(0, height, part, new_x="LMARGIN", new_y="NEXT")


def xmp_packet(title: str, author: str, created: datetime, *, pdfa: bool = True, padding: int = 0) -> str:
    """XMP metadata (dc, xmp, pdf and, when `pdfa`, the PDF/A-1b identification), dates fixed to `created`."""
    stamp = created.astimezone(UTC).isoformat(timespec="seconds")
    pdfaid = (
        '\n   xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="1" pdfaid:conformance="B"' if pdfa else ""
    )
    esc = html.escape
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '   xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '   xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '   xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        f"{pdfaid}\n"
        f'   xmp:CreateDate="{stamp}" xmp:ModifyDate="{stamp}" xmp:MetadataDate="{stamp}"\n'
        f'   xmp:CreatorTool="{esc(PRODUCER)}" pdf:Producer="{esc(PRODUCER)}">\n'
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc(printable(title))}</rdf:li></rdf:Alt></dc:title>\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{esc(printable(author))}</rdf:li></rdf:Seq></dc:creator>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>" + ("\n" + " " * (padding - 1) if padding > 0 else "")
        # XMP packets carry whitespace padding by design: the size tests grow the file here
    )


def pdfa_document(title: str, author: str, created: datetime, *, pdfa: bool = True, padding: int = 0) -> FPDF:
    """A new A4 document, PDF/A-1b (fpdf2 enforces it) with the font "NotoSans" (regular) loaded.

    `pdfa=False` makes the same document without the PDF/A identification in its XMP (a PDF that does
    not claim PDF/A: the MSSanté seeded defect); the content is unchanged.
    """
    # fpdf2 (and fontTools under it: 0.2 s) is imported by the first document, not by every process that
    # imports the reference DUI (a parallel run's controller, `conformance validate`)
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    pdf = FPDF(format="A4", enforce_compliance="PDF/A-1B")
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    pdf.set_creation_date(created)
    pdf.set_title(printable(title))
    pdf.set_author(printable(author))
    pdf.set_creator(PRODUCER)
    pdf.set_producer(PRODUCER)
    pdf.set_lang("fr-FR")
    pdf.set_xmp_metadata(xmp_packet(title, author, created, pdfa=pdfa, padding=padding))
    pdf.add_font(FONT, "", fonts().regular)
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont):
            continue
        # the reduced font's glyph bounding boxes are already right (fontTools computed them when it made it):
        # without recomputing them, writing the subset copies each glyph's bytes instead of decoding and
        # encoding its outline again, a third of a document's cost
        font.ttfont.recalcBBoxes = False
    return pdf


def build_pdf(
    title: str, lines: list[str], *, author: str, created: datetime, pdfa: bool = True, padding: int = 0
) -> bytes:
    """An A4 document: title, then `lines`; `padding` adds that many bytes (give or take a length digit).

    The bytes depend only on the arguments (see above), so a document asked for again (the same report
    sent to several recipients in the same second) is the one already made; padded ones are not kept."""
    if padding:
        return _build_pdf(title, tuple(lines), author, created, pdfa, padding)
    return _kept_pdf(title, tuple(lines), author, created, pdfa)


@lru_cache(maxsize=64)
def _kept_pdf(title: str, lines: tuple[str, ...], author: str, created: datetime, pdfa: bool) -> bytes:
    return _build_pdf(title, lines, author, created, pdfa, 0)


def _build_pdf(title: str, lines: tuple[str, ...], author: str, created: datetime, pdfa: bool, padding: int) -> bytes:
    pdf = pdfa_document(title, author, created, pdfa=pdfa, padding=padding)
    pdf.add_page()
    pdf.set_font(FONT, size=15)
    write_wrapped(pdf, 8, title, 60)
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    for line in lines:
        write_wrapped(pdf, 6, line, LINE_CHARS)
    return bytes(pdf.output())
