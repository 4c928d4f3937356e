"""The printed ordonnance of the reference DUI: a PDF with the QR code of the prescription number.

The QR code (segno) carries the number the e-prescription service assigned and the same number is
printed in clear under it, as the ordonnance numérique asks (GNIUS fiche; the exact CNAM QR payload
is not public, so the payload here is the bare number). Seeded defects change only these two marks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import segno

from conformance.formats.pdf import FONT, LINE_CHARS, pdfa_document, printable, write_wrapped
from conformance.socles.eprescription.reference.switches import PrintFlaw

MENTION_CHARS = 115  # characters of an 8 pt line across the A4 text width (formats.pdf.LINE_CHARS at 11 pt)
MENTIONS = (
    "Ordonnance numérique : ce QR code permet au pharmacien de retrouver la prescription dans la base "
    "de l'Assurance Maladie. Vous pouvez vous opposer à la consultation des données de délivrance par "
    "votre prescripteur."
)


@dataclass
class PrintInput:
    number: str
    patient: dict[str, Any]
    prescriber: dict[str, Any]
    organization: dict[str, Any]
    date: str
    lines: list[str]
    created: datetime | None = None  # when it was printed (PDF Info/XMP dates); now when not given


def other_number(number: str) -> str:
    digits = number[2:14]
    return f"EP{int(digits) + 1:012d}{number[14:]}" if digits.isdigit() else number + "1"


def qr_png(payload: str) -> bytes:
    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


def ordonnance_pdf(inp: PrintInput, flaw: PrintFlaw | None = None) -> bytes:
    pr = inp.prescriber
    # PDF/A-1b like every PDF the DUI sends: the ordonnance travels by MSSanté and to the DMP (EP-23, EP-28)
    pdf = pdfa_document(
        f"Ordonnance {inp.number}",
        f"Dr {pr.get('given', '')} {pr.get('family', '')}".strip(),
        inp.created or datetime.now(UTC).replace(microsecond=0),
    )
    pdf.add_page()
    pdf.set_font(FONT, "", 15)
    pdf.cell(0, 8, printable(inp.organization.get("name", "")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(
        0,
        6,
        printable(f"Dr {pr.get('given', '')} {pr.get('family', '')} - RPPS {pr.get('rpps', '')}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 6, printable(f"Le {inp.date}"), new_x="LMARGIN", new_y="NEXT")
    p = inp.patient
    pdf.ln(4)
    pdf.cell(
        0,
        6,
        printable(
            f"Patient : {p.get('birth_name', '')} {p.get('first_given', '')}, "
            f"né(e) le {p.get('birth_date', '')} - INS {p.get('ins', '')}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    for i, line in enumerate(inp.lines, 1):
        write_wrapped(pdf, 6, f"{i}. {line}", LINE_CHARS)
    pdf.ln(6)
    if flaw is not PrintFlaw.NO_QR_CODE:
        payload = other_number(inp.number) if flaw is PrintFlaw.QR_OTHER_NUMBER else inp.number
        pdf.image(io.BytesIO(qr_png(payload)), x=pdf.l_margin, w=40)
    if flaw is not PrintFlaw.NUMBER_ONLY_IN_QR:
        pdf.set_font(FONT, "", 13)
        pdf.cell(0, 7, printable(f"N° de prescription : {inp.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    write_wrapped(pdf, 4, MENTIONS, MENTION_CHARS)
    return bytes(pdf.output())
