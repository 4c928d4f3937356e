"""MSS-DOC-03 on a PDF copy: PDF/A-1 checked on the file, and the file name rule.

Ref#2 ECO.2.1.5/2.1.6: each CDA travels with a PDF/A-1 copy named
`<AAAAMMJJ>_<type ≤40>_<NOM>_<prénom>[_<n° dossier>].pdf`. PDF/A-1 is judged on what the file is
(`conformance.formats.pdfa`: fonts, output intent, transparency, actions, encryption, XMP), not on
what its XMP says. The name rule is about the attachment's name in a message, compared with the CDA
it copies (documents.py; a PDF document of an IHE_XDM archive is not an attachment): a PDF given
alone has only the name of the file on someone's disk (the printed ordonnance, a scan), so the name
rule is not applicable to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime

from conformance.formats.pdfa_findings import pdfa_findings as pdfa_report_findings
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .pdfview import PdfView
from .readers import Named

_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_NAME_SHAPE = re.compile(r"^(?P<date>\d{8})_(?P<rest>.+)\.pdf$", re.IGNORECASE)


def pdfa_findings(view: PdfView, location: str) -> list[Finding]:
    """MSS-DOC-03's PDF/A-1 part on one PDF (the wording is the PDF/A module's, the rule MSSanté's)."""
    return pdfa_report_findings(view, "MSS-DOC-03", location)


def _norm(text: str) -> str:
    return _FORBIDDEN.sub("_", unicodedata.normalize("NFC", text))


def name_shape_problem(name: str) -> Text | None:
    """Shape of `<AAAAMMJJ>_<type>_<NOM>_<prénom>[_<dossier>].pdf` when no CDA is there to compare."""
    m = _NAME_SHAPE.match(name)
    if not m:
        return M.text("pdf.name-shape", name=name)
    try:
        datetime.strptime(m.group("date"), "%Y%m%d")
    except ValueError:
        return M.text("pdf.name-date", date=m.group("date"))
    fields = m.group("rest").split("_")
    if len(fields) < 3 or not all(f.strip() for f in fields[-2:]):
        return M.text("pdf.name-fields", name=name)
    return None


def name_mismatch(name: str, date: str | None, display: str, birth_name: str, first_given: str) -> Text | None:
    """None when `name` is the expected PDF name for this CDA, else what differs."""
    shape = name_shape_problem(name)
    if shape:
        return shape
    stem = unicodedata.normalize("NFC", name[:-4])
    nom = birth_name.upper()
    if date is not None and stem[:8] != date[:8]:
        return M.text("pdf.name-act-date", got=stem[:8], date=date[:8])
    for t in (display[:40], display[:40].rstrip()):
        prefix = f"{stem[:8]}_{t}_"
        if _norm(stem[: len(prefix)]) != _norm(prefix):
            continue
        fields = stem[len(prefix) :].split("_")
        if fields[0] != nom:
            return M.text("pdf.name-nom", got=fields[0], nom=nom)
        got = fields[1] if len(fields) > 1 else ""
        if got.casefold() != first_given.casefold():
            return M.text("pdf.name-prenom", got=got, first=first_given)
        if len(fields) > 3 or (len(fields) == 3 and not fields[2].strip()):
            return M.text("pdf.name-extra", extra="_".join(fields[2:]))
        return None
    return M.text("pdf.name-type", label=display[:40])


@check("pdf", "mssante", "MSS-DOC-03")
def check_pdf(pdf: Named[PdfView], ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-03 on a PDF: PDF/A-1 judged on the file. The attachment-name rule is judged on a copy
    attached to a message, against the CDA it copies (documents.py); a PDF given alone has only its name
    on disk, and a PDF document of an IHE_XDM archive is not a copy attached to the message at all."""
    if pdf.held_by == "xdm":
        yield M.not_applicable("MSS-DOC-03", "pdf.in-archive", pdf.name)
        return
    yield from pdfa_findings(pdf.view, pdf.name)
    if pdf.held_by != "email":
        yield M.not_applicable("MSS-DOC-03", "pdf.name-not-attached", f"{pdf.name} (file name)")
