"""A PDF read once: what `conformance.formats.pdfa` makes of it (PDF/A-1b checked on the file, and the
external validator's verdict when `--pdfa-validator` is set).

The report is kept per content hash by the format module itself, so the copy in an e-mail, the same PDF
given alone and the DMP's N1 body are read once. A hostile or broken file is a `refused` reason, never
an exception.
"""

from __future__ import annotations

from conformance.formats.pdfa import PdfaReport, pdfa_report

PdfView = PdfaReport


def parse_pdf(data: bytes) -> PdfView:
    return pdfa_report(data)


def pdf_view(data: bytes, digest: str | None = None) -> PdfView:
    return pdfa_report(data, digest)
