"""The printed ordonnance (PDF): QR code and number in clear (EP-22, EP-25), PDF/A-1b (EP-28).

The pharmacist scans the QR code to fetch the prescription from the base, or types the number
printed under it; both must be the number the e-prescription service assigned, or the patient gets
someone else's medicines. The QR code is decoded from the PDF's images (pypdf extracts them,
zxing-cpp decodes), the number is read from the text layer. The CNAM payload format of the QR code is
not public: the harness only requires that it carries the assigned number (the stand-in's format).
The ordonnance is also the PDF the DUI shares by DMP and MSSanté, both of which ask PDF/A-1: EP-28 judges
it with `conformance.formats.pdfa` (a recommendation, the paper copy itself has no such rule).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import zxingcpp
from pypdf import PdfReader

from conformance.formats.pdfa import PdfaReport, pdfa_report
from conformance.formats.pdfa_findings import pdfa_findings
from conformance.messages import Text, finding
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import Unreadable, check, reader
from conformance.socles.eprescription.messages import M, either

MAX_PDF = 20 * 1024 * 1024
MAX_PAGES = 10
MAX_IMAGES = 20
MAX_PIXELS = 16_000_000
NUMBER_IN_TEXT = re.compile(r"\bEP\d{14}\b")


@dataclass
class Printed:
    """What the ordonnance shows: decoded QR payloads and the text layer, with their places."""

    qr: list[tuple[str, str]] = field(default_factory=list)  # (payload, location)
    text: list[tuple[str, str]] = field(default_factory=list)  # (page text, location)
    problems: list[tuple[Text, str]] = field(default_factory=list)  # what could not be read, and where
    refused: tuple[Text, str] | None = None  # the whole file is unreadable: why, and where
    pdfa: PdfaReport | None = None  # what the PDF/A-1b rules say of the file (EP-28)


def _pixels(img: object) -> int:
    ref = getattr(img, "indirect_reference", None)
    obj = ref.get_object() if ref is not None else None
    try:
        return int(obj["/Width"]) * int(obj["/Height"]) if obj is not None else 0
    except (KeyError, TypeError, ValueError):
        return 0


def read_printed(data: bytes) -> Printed:
    """Everything a reader of the paper copy can see; never raises on a hostile file."""
    out = Printed()
    if len(data) > MAX_PDF:
        out.refused = M.text("pdf.too-large", size=len(data), limit=MAX_PDF), "PDF"
        return out
    try:
        pages = list(PdfReader(io.BytesIO(data)).pages)[:MAX_PAGES]
    except Exception as exc:
        out.refused = M.text("pdf.unreadable", error=type(exc).__name__, detail=str(exc)[:160]), "PDF"
        return out
    seen = 0
    for n, page in enumerate(pages, 1):
        try:
            out.text.append((page.extract_text() or "", f"page {n}, text layer"))
        except Exception as exc:
            out.problems.append((M.text("pdf.text-unreadable", error=type(exc).__name__), f"page {n}, text layer"))
        try:
            images = list(page.images)
        except Exception as exc:
            out.problems.append((M.text("pdf.images-unreadable", error=type(exc).__name__), f"page {n}"))
            continue
        for img in images:
            seen += 1
            where = f"page {n}, image {getattr(img, 'name', '?')}"
            if seen > MAX_IMAGES:
                break
            try:
                if _pixels(img) > MAX_PIXELS:
                    out.problems.append((M.text("pdf.image-too-large", limit=MAX_PIXELS), where))
                    continue
                for code in zxingcpp.read_barcodes(img.image):
                    if code.format == zxingcpp.BarcodeFormat.QRCode:
                        out.qr.append((code.text, where))
            except Exception as exc:
                out.problems.append((M.text("pdf.image-undecodable", error=type(exc).__name__), where))
    return out


def ordonnance_findings(printed: Printed, expected: str | None) -> Iterator[Finding]:
    """EP-25 and EP-22 on what the ordonnance shows; `expected` is the number the service assigned."""
    if printed.refused is not None:
        why, where = printed.refused
        yield finding("EP-25", Verdict.FAIL, why, where)
        yield finding("EP-22", Verdict.FAIL, why, where)
        return
    printed_numbers = {m for text, _ in printed.text for m in NUMBER_IN_TEXT.findall(text)}
    if not expected and not printed.qr and not printed_numbers:
        # artifact mode on a PDF that shows no prescription number at all (e.g. an MSSanté PDF/A copy):
        # nothing says it is an ordonnance numérique, so its rules do not apply
        for rid in ("EP-22", "EP-25"):
            yield M.not_applicable(rid, "printed.no-number", "PDF")
        return
    if not printed.qr:
        yield M.fail("EP-25", "printed.no-qr", "PDF images")
    for payload, where in printed.qr:
        if expected and payload == expected:
            yield M.passed("EP-25", "printed.qr-assigned", where, number=expected)
        elif expected:
            yield M.fail("EP-25", "printed.qr-other", where, payload=payload[:60], number=expected)
        elif payload in printed_numbers:  # artifact mode: the QR code and the printed number must at least agree
            yield M.passed("EP-25", "printed.qr-in-clear", where, payload=payload)
        else:
            yield M.fail(
                "EP-25", "printed.qr-not-in-clear", where, payload=payload[:60], printed=sorted(printed_numbers)
            )
    wanted = expected or (printed.qr[0][0] if printed.qr else "")
    in_clear = [where for text, where in printed.text if wanted and wanted in text]
    if in_clear:
        yield M.passed("EP-25", "printed.number-in-clear", "PDF text layer", number=wanted, where=in_clear[:1])
    else:
        yield M.fail("EP-25", "printed.number-not-in-clear", "PDF text layer", number=either(wanted, "none-paren"))
    yield M.judge("EP-22", bool(printed.qr and in_clear), "printed.shown", "printed.not-shown", "PDF")


@reader("pdf", "eprescription", "EP-25")
def read_ordonnance(artifact: Artifact, ctx: CheckContext) -> Printed:
    """The PDF as a pharmacist sees it; a file that is not a readable PDF fails EP-25 (and EP-22)."""
    printed = read_printed(artifact.data)
    printed.pdfa = pdfa_report(artifact.data, artifact.sha256)
    if printed.refused is not None:
        why, where = printed.refused
        raise Unreadable(why.en, why.fr, where)
    return printed


@check("pdf", "eprescription", "EP-22", "EP-25")
def check_printed_ordonnance(printed: Printed, ctx: CheckContext) -> Iterator[Finding]:
    expected = ctx.extra.get("prescription_number")
    return ordonnance_findings(printed, str(expected) if expected else None)


@check("pdf", "eprescription", "EP-28")
def check_ordonnance_pdfa(printed: Printed, ctx: CheckContext) -> Iterator[Finding]:
    """EP-28 on an ordonnance (a PDF that shows a prescription number, or the one a scenario expects)."""
    numbers = any(NUMBER_IN_TEXT.search(text) for text, _ in printed.text)
    if not (ctx.extra.get("prescription_number") or printed.qr or numbers) or printed.pdfa is None:
        yield M.not_applicable("EP-28", "printed.no-number-pdfa", "PDF")
        return
    yield from pdfa_findings(printed.pdfa, "EP-28", "PDF")
