"""The PDF a DUI prints for a document: the body of the CDA N1 and its PDF/A-1 copy in the e-mail.

Ref#2 ECO.2.1.5 wants the copy to be PDF/A-1 and, for a CDA N1, identical to the PDF embedded in
the CDA: one function builds both. The file declares PDF/A-1b the way validators read it (XMP
`pdfaid:part=1`, `pdfaid:conformance=B`, Info and XMP dates/producer in agreement, an sRGB output
intent) and is byte-for-byte reproducible for a given input and creation date.

Known gap, on purpose: text uses the standard Helvetica font, which PDF/A-1 wants embedded. Embedding
a TrueType subset with fpdf2 costs about 25 ms per file against about 3 ms here, and the harness
builds thousands of these; the MSSanté rule the harness checks is the declaration (MSS-DOC-03).
"""

from __future__ import annotations

import html
import textwrap
from datetime import UTC, datetime
from functools import cache

from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.output import PDFICCProfile

PRODUCER = "dui-conformance (fpdf2)"
_ENCODING = "windows-1252"  # what fpdf2 core fonts (WinAnsiEncoding) can show


@cache
def _srgb_profile() -> bytes | None:
    """An sRGB ICC profile for the PDF/A output intent, made by Pillow's littleCMS (None without it)."""
    try:
        from PIL import ImageCms

        return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    except Exception:  # Pillow built without littleCMS: the output intent is left out
        return None


def _printable(text: str) -> str:
    """Text the core font can show; anything else becomes '?' rather than an exception."""
    return text.encode(_ENCODING, "replace").decode(_ENCODING)


def _xmp(title: str, author: str, created: datetime, pdfa: bool, padding: int) -> str:
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
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc(title)}</rdf:li></rdf:Alt></dc:title>\n'
        f"   <dc:creator><rdf:Seq><rdf:li>{esc(author)}</rdf:li></rdf:Seq></dc:creator>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>" + ("\n" + " " * (padding - 1) if padding > 0 else "")
        # XMP packets carry whitespace padding by design: the size tests grow the file here
    )


def declare_pdfa(pdf: FPDF, title: str, author: str, created: datetime, *, pdfa: bool = True, padding: int = 0) -> None:
    """Info, XMP (with the PDF/A-1b identification when `pdfa`) and sRGB output intent of a new `pdf`,
    the declaration MSS-DOC-03 reads; also used for PDFs printed elsewhere in the DUI (the ordonnance)."""
    pdf.set_creation_date(created if created.tzinfo else created.replace(tzinfo=UTC))
    pdf.set_title(_printable(title))
    pdf.set_author(_printable(author))
    pdf.set_creator(PRODUCER)
    pdf.set_producer(PRODUCER)
    pdf.set_lang("fr-FR")
    pdf.set_xmp_metadata(_xmp(title, author, created, pdfa, padding))
    profile = _srgb_profile()
    if profile is not None:
        pdf.add_output_intent(
            OutputIntentSubType.PDFA,
            "sRGB IEC61966-2.1",
            "sRGB",
            "http://www.color.org",
            PDFICCProfile(profile, 3, "DeviceRGB"),
            "sRGB IEC61966-2.1",
        )


def build_pdf(
    title: str, lines: list[str], *, author: str, created: datetime, pdfa: bool = True, padding: int = 0
) -> bytes:
    """An A4 document: title, then `lines`; `padding` adds that many bytes (give or take a length digit)."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    declare_pdfa(pdf, title, author, created, pdfa=pdfa, padding=padding)
    pdf.add_page()
    # cell() with lines wrapped beforehand: fpdf2's multi_cell line breaking costs ~1 ms a line
    pdf.set_font("helvetica", style="B", size=14)
    for part in textwrap.wrap(_printable(title), 60) or [" "]:
        pdf.cell(0, 8, part, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", size=11)
    for line in lines:
        for part in textwrap.wrap(_printable(line), 85) or [" "]:
            pdf.cell(0, 6, part, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
