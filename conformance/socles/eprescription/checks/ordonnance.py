"""The printed ordonnance (PDF): QR code and number in clear (EP-22, EP-25).

The pharmacist scans the QR code to fetch the prescription from the base, or types the number
printed under it; both must be the number the e-prescription service assigned, or the patient gets
someone else's medicines. The QR code is decoded from the PDF's images (pypdf extracts them,
zxing-cpp decodes), the number is read from the text layer. The CNAM payload format of the QR code is
not public: the harness only requires that it carries the assigned number (the stand-in's format).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import zxingcpp
from pypdf import PdfReader

from conformance.model import Artifact, CheckContext, Finding, failed, judge, not_applicable, passed
from conformance.registry import Unreadable, check, reader

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
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (en, fr, location)
    refused: tuple[str, str, str] | None = None  # the whole file is unreadable: (en, fr, location)


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
        out.refused = (
            f"PDF of {len(data)} bytes exceeds {MAX_PDF}",
            f"PDF de {len(data)} octets, au-delà de {MAX_PDF}",
            "PDF",
        )
        return out
    try:
        pages = list(PdfReader(io.BytesIO(data)).pages)[:MAX_PAGES]
    except Exception as exc:
        out.refused = (
            f"unreadable PDF: {type(exc).__name__}: {str(exc)[:160]}",
            f"PDF illisible : {type(exc).__name__}",
            "PDF",
        )
        return out
    seen = 0
    for n, page in enumerate(pages, 1):
        try:
            out.text.append((page.extract_text() or "", f"page {n}, text layer"))
        except Exception as exc:
            out.problems.append(
                (f"text layer unreadable: {type(exc).__name__}", "couche texte illisible", f"page {n}, text layer")
            )
        try:
            images = list(page.images)
        except Exception as exc:
            out.problems.append((f"images unreadable: {type(exc).__name__}", "images illisibles", f"page {n}"))
            continue
        for img in images:
            seen += 1
            where = f"page {n}, image {getattr(img, 'name', '?')}"
            if seen > MAX_IMAGES:
                break
            try:
                if _pixels(img) > MAX_PIXELS:
                    out.problems.append(
                        (
                            f"image larger than {MAX_PIXELS} pixels not decoded",
                            f"image de plus de {MAX_PIXELS} pixels non décodée",
                            where,
                        )
                    )
                    continue
                for code in zxingcpp.read_barcodes(img.image):
                    if code.format == zxingcpp.BarcodeFormat.QRCode:
                        out.qr.append((code.text, where))
            except Exception as exc:
                out.problems.append((f"image not decodable: {type(exc).__name__}", "image non décodable", where))
    return out


def ordonnance_findings(printed: Printed, expected: str | None) -> Iterator[Finding]:
    """EP-25 and EP-22 on what the ordonnance shows; `expected` is the number the service assigned."""
    if printed.refused is not None:
        en, fr, where = printed.refused
        yield failed("EP-25", en, fr, where)
        yield failed("EP-22", en, fr, where)
        return
    printed_numbers = {m for text, _ in printed.text for m in NUMBER_IN_TEXT.findall(text)}
    if not expected and not printed.qr and not printed_numbers:
        # artifact mode on a PDF that shows no prescription number at all (e.g. an MSSanté PDF/A copy):
        # nothing says it is an ordonnance numérique, so its rules do not apply
        for rid in ("EP-22", "EP-25"):
            yield not_applicable(
                rid,
                "no QR code and no prescription number: not an ordonnance numérique",
                "ni QR code ni numéro de prescription : pas une ordonnance numérique",
                "PDF",
            )
        return
    if not printed.qr:
        yield failed(
            "EP-25",
            "no QR code found in the printed ordonnance",
            "aucun QR code trouvé sur l'ordonnance imprimée",
            "PDF images",
        )
    if expected:
        for payload, where in printed.qr:
            yield judge(
                "EP-25",
                payload == expected,
                f"QR code carries the assigned number {expected}",
                f"le QR code porte le numéro attribué {expected}",
                f"QR code carries {payload[:60]!r}, the service assigned {expected}",
                f"le QR code porte {payload[:60]!r}, le service a attribué {expected}",
                where,
            )
    else:  # artifact mode: the QR code and the printed number must at least agree
        for payload, where in printed.qr:
            yield judge(
                "EP-25",
                payload in printed_numbers,
                f"QR code {payload} is printed in clear",
                f"le QR code {payload} est imprimé en clair",
                f"QR code carries {payload[:60]!r}, which is not printed in clear ({sorted(printed_numbers)})",
                f"le QR code porte {payload[:60]!r}, absent du texte imprimé",
                where,
            )
    wanted = expected or (printed.qr[0][0] if printed.qr else "")
    in_clear = [where for text, where in printed.text if wanted and wanted in text]
    yield judge(
        "EP-25",
        bool(in_clear),
        f"number {wanted} printed in clear ({in_clear[:1]})",
        f"numéro {wanted} imprimé en clair",
        f"the number {wanted or '(none)'} is not printed in clear in the text layer",
        f"le numéro {wanted or '(aucun)'} n'est pas imprimé en clair dans la couche texte",
        "PDF text layer",
    )
    if printed.qr and in_clear:
        yield passed(
            "EP-22",
            "a prescription number is printed in clear and as a QR code (format not checked: "
            "the CNAM format is not public)",
            "un numéro de prescription est imprimé en clair et en QR code (format non vérifié : non public)",
            "PDF",
        )
    else:
        yield failed(
            "EP-22",
            "the ordonnance does not show a prescription number both as QR code and in clear",
            "l'ordonnance ne porte pas le numéro de prescription en QR code et en clair",
            "PDF",
        )


@reader("pdf", "eprescription", "EP-25")
def read_ordonnance(artifact: Artifact, ctx: CheckContext) -> Printed:
    """The PDF as a pharmacist sees it; a file that is not a readable PDF fails EP-25 (and EP-22)."""
    printed = read_printed(artifact.data)
    if printed.refused is not None:
        raise Unreadable(*printed.refused)
    return printed


@check("pdf", "eprescription", "EP-22", "EP-25")
def check_printed_ordonnance(printed: Printed, ctx: CheckContext) -> Iterator[Finding]:
    expected = ctx.extra.get("prescription_number")
    return ordonnance_findings(printed, str(expected) if expected else None)
