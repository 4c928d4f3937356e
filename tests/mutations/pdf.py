"""Single-defect PDF variants made from the reference DUI's own PDF/A-1b documents.

Each variant is one realistic mistake a DUI's PDF chain makes (a print-on-open script, a "protected"
file, a system font not embedded, a v4 ICC profile, a watermark with opacity, a PDF/A-2 file sent where
PDF/A-1 is asked, metadata rewritten by a post-processor...), made by editing the reference PDF with
pypdf, and tagged with the requirement that must fail: MSS-DOC-03 for an MSSanté copy, EP-28 for the
printed ordonnance. The controls are the unmodified documents, which must pass.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from conformance.formats.pdf import build_pdf

CREATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
COPY_NAME = "20261120_Lettre de liaison_MARTIN-ESSAI_Jeanne.pdf"


@dataclass(frozen=True)
class Variant:
    """One artifact for the mutation corpus: its bytes, kind, and the requirement it must fail ("" for a
    control, which must pass every requirement its socle judges)."""

    name: str
    kind: str
    socle: str
    data: bytes
    requirement: str
    note: str = ""
    file_name: str = "document"

    @property
    def control(self) -> bool:
        return not self.requirement


@cache
def copy_pdf() -> bytes:
    """The reference DUI's PDF copy of a lettre de liaison (MSSanté ECO.2.1.5)."""
    return build_pdf(
        "Lettre de liaison à la sortie d’un établissement",
        ["Usager : MARTIN-ESSAI Jeanne, née le 01/01/1940", "Traitement : paracétamol 1 g, 3 fois par jour"],
        author="Claire COORDO-ESSAI",
        created=CREATED,
    )


@cache
def ordonnance() -> bytes:
    """The reference DUI's printed ordonnance, with its QR code (the image the image rules judge)."""
    from conformance.socles.eprescription.reference.pdf import PrintInput, ordonnance_pdf

    inp = PrintInput(
        "EP00000000012345",
        {"birth_name": "MARTIN-ESSAI", "first_given": "Jeanne", "birth_date": "1940-01-01", "ins": "240017512345678"},
        {"given": "Paul", "family": "MEDECIN-ESSAI", "rpps": "10000000001"},
        {"name": "EHPAD Les Tilleuls (ESSAI)"},
        "20/11/2026",
        ["Paracétamol 1 g : 1 comprimé 3 fois par jour pendant 5 jours"],
        created=CREATED,
    )
    return ordonnance_pdf(inp)


Edit = Callable[[PdfWriter], None]


def edit(data: bytes, fn: Edit, *, keep_info: bool = False) -> bytes:
    """`data` rewritten by pypdf after `fn` (pypdf's own Info entries left out unless `keep_info`)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if not keep_info:
        writer.metadata = None
    fn(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(w: PdfWriter) -> DictionaryObject:
    return w.pages[0]


def _font(w: PdfWriter) -> DictionaryObject:
    fonts = _page(w)["/Resources"]["/Font"]
    return fonts[sorted(fonts.keys())[0]].get_object()["/DescendantFonts"][0].get_object()


def _js_open(w: PdfWriter) -> None:
    act = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("this.print();")}
    )
    w._root_object[NameObject("/OpenAction")] = w._add_object(act)  # noqa: SLF001


def _launch_open(w: PdfWriter) -> None:
    act = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("C:\\DUI\\imprimer.exe")}
    )
    w._root_object[NameObject("/OpenAction")] = w._add_object(act)  # noqa: SLF001


def _names_js(w: PdfWriter) -> None:
    act = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('Confidentiel');")}
    )
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("avertir"), w._add_object(act)])})  # noqa: SLF001
    w._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): w._add_object(tree)})  # noqa: SLF001


def _page_aa(w: PdfWriter) -> None:
    act = DictionaryObject({NameObject("/S"): NameObject("/Named"), NameObject("/N"): NameObject("/Print")})
    _page(w)[NameObject("/AA")] = DictionaryObject({NameObject("/O"): w._add_object(act)})  # noqa: SLF001


def _encrypt(w: PdfWriter) -> None:
    w.encrypt(user_password="", owner_password="protege", algorithm="RC4-128")


def _unembed_font(w: PdfWriter) -> None:
    del _font(w)["/FontDescriptor"].get_object()[NameObject("/FontFile2")]


def _wrong_widths(w: PdfWriter) -> None:
    font = _font(w)
    widths = font["/W"]
    scaled = ArrayObject()
    for item in widths:
        item = item.get_object()
        if isinstance(item, ArrayObject):
            scaled.append(ArrayObject(NumberObject(int(float(x) * 1.2) + 1) for x in item))
        else:
            scaled.append(item)
    font[NameObject("/W")] = scaled


def _icc_v4(w: PdfWriter) -> None:
    from PIL import ImageCms

    v4 = bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    intent = w._root_object["/OutputIntents"][0].get_object()  # noqa: SLF001
    stream = DecodedStreamObject()
    stream.set_data(v4)
    stream[NameObject("/N")] = NumberObject(3)
    intent[NameObject("/DestOutputProfile")] = w._add_object(stream)  # noqa: SLF001


def _rgb_without_intent(w: PdfWriter) -> None:
    """A blue header bar (DeviceRGB) in a file whose output intent was dropped."""
    del w._root_object[NameObject("/OutputIntents")]  # noqa: SLF001
    bar = DecodedStreamObject()
    bar.set_data(b"q 0.1 0.3 0.7 rg 28 800 540 12 re f Q")
    page = _page(w)
    contents = page["/Contents"]
    parts = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject([*parts, w._add_object(bar)])  # noqa: SLF001


def _group(w: PdfWriter) -> None:
    _page(w)[NameObject("/Group")] = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Group"),
            NameObject("/S"): NameObject("/Transparency"),
            NameObject("/CS"): NameObject("/DeviceRGB"),
        }
    )


def _opacity(w: PdfWriter) -> None:
    res = _page(w)["/Resources"]
    gs = DictionaryObject({NameObject("/Type"): NameObject("/ExtGState"), NameObject("/ca"): FloatObject(0.3)})
    states = res.get("/ExtGState")
    if states is None:
        res[NameObject("/ExtGState")] = DictionaryObject({NameObject("/GSfiligrane"): gs})
    else:
        states.get_object()[NameObject("/GSfiligrane")] = gs


def _xmp_replace(old: bytes, new: bytes) -> Edit:
    def fn(w: PdfWriter) -> None:
        meta = w._root_object["/Metadata"].get_object()  # noqa: SLF001
        meta.set_data(meta.get_data().replace(old, new))

    return fn


def _info_title(w: PdfWriter) -> None:
    w.add_metadata({"/Title": "Document sans titre", "/Producer": "PDF Printer 2.1"})


def _attachment(w: PdfWriter) -> None:
    w.add_attachment("CDA.xml", b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>")


def _compressed_xmp(w: PdfWriter) -> None:
    meta = w._root_object["/Metadata"].get_object()  # noqa: SLF001
    w._root_object[NameObject("/Metadata")] = w._add_object(meta.flate_encode())  # noqa: SLF001


def _interpolate(w: PdfWriter) -> None:
    for obj in _page(w)["/Resources"]["/XObject"].values():
        obj.get_object()[NameObject("/Interpolate")] = BooleanObject(True)


PDF_DEFECTS: tuple[tuple[str, Edit, str], ...] = (
    ("pdf-javascript-open", _js_open, "an OpenAction running JavaScript (print on open)"),
    ("pdf-launch-open", _launch_open, "an OpenAction launching a program"),
    ("pdf-document-javascript", _names_js, "document-level JavaScript (Names/JavaScript)"),
    ("pdf-page-additional-action", _page_aa, "a page additional action (/AA) printing on open"),
    ("pdf-encrypted", _encrypt, "'protected' PDF: RC4 encryption with an owner password"),
    ("pdf-font-not-embedded", _unembed_font, "the text font's program is not embedded"),
    ("pdf-font-wrong-widths", _wrong_widths, "declared glyph widths are not the embedded font's"),
    ("pdf-icc-v4", _icc_v4, "the output intent is an ICC version 4 sRGB profile"),
    ("pdf-rgb-without-intent", _rgb_without_intent, "a DeviceRGB header bar, no PDF/A output intent"),
    ("pdf-transparency-group", _group, "a page transparency group"),
    ("pdf-watermark-opacity", _opacity, "a 30 % opacity graphics state (watermark)"),
    ("pdf-declares-pdfa-2", _xmp_replace(b'pdfaid:part="1"', b'pdfaid:part="2"'), "XMP says PDF/A-2b"),
    ("pdf-undeclared", _xmp_replace(b'pdfaid:part="1"', b'pdfaid:parts="1"'), "no PDF/A part in the XMP"),
    ("pdf-info-mismatch", _info_title, "Info Title/Producer rewritten, XMP left as it was"),
    ("pdf-embedded-file", _attachment, "the CDA attached inside the PDF"),
    ("pdf-compressed-xmp", _compressed_xmp, "the XMP metadata stream is Flate-compressed"),
)


def variants() -> list[Variant]:
    """Every PDF variant (on the MSSanté copy and on the ordonnance) and the two controls."""
    out = [
        Variant("pdf-copy-control", "pdf", "mssante", copy_pdf(), "", "reference PDF copy", COPY_NAME),
        Variant("pdf-ordonnance-control", "pdf", "eprescription", ordonnance(), "", "reference ordonnance"),
    ]
    for name, fn, note in PDF_DEFECTS:
        out.append(Variant(f"{name}@copy", "pdf", "mssante", edit(copy_pdf(), fn), "MSS-DOC-03", note, COPY_NAME))
    for name, fn, note in (
        *PDF_DEFECTS,
        ("pdf-image-interpolate", _interpolate, "the QR code image asks for interpolation"),
    ):
        out.append(Variant(f"{name}@ordonnance", "pdf", "eprescription", edit(ordonnance(), fn), "EP-28", note))
    return out
