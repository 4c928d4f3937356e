"""MSS-DOC-03 on a PDF copy: PDF/A-1 declared in XMP, and the file name rule.

Ref#2 ECO.2.1.5/2.1.6: each CDA travels with a PDF/A-1 copy named
`<AAAAMMJJ>_<type ≤40>_<NOM>_<prénom>[_<n° dossier>].pdf`. Alone, a PDF can only be checked for
its XMP declaration and the shape of its name; inside an e-mail the name is compared with the
CDA it copies (see documents.py).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from pypdf import PdfReader

from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding, failed, passed
from conformance.registry import check

from .cache import cached

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
MAX_PDF_BYTES = 32 * 1024 * 1024
_FORBIDDEN = re.compile(r'[/\\:*?"<>|]')
_NAME_SHAPE = re.compile(r"^(?P<date>\d{8})_(?P<rest>.+)\.pdf$", re.IGNORECASE)

# pypdf reports every oddity of a hostile file on its logger; our findings say what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class PdfView:
    refused: str | None = None
    pdfa_part: str | None = None
    pdfa_conformance: str | None = None
    xmp_problem: str | None = None


def parse_pdf(data: bytes) -> PdfView:
    if len(data) > MAX_PDF_BYTES:
        return PdfView(refused=f"PDF of {len(data)} bytes exceeds the {MAX_PDF_BYTES}-byte limit")
    if data.lstrip()[:5] != b"%PDF-":
        return PdfView(refused="not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root: Any = reader.trailer["/Root"].get_object()
        meta = root.get("/Metadata")
        xmp = meta.get_object().get_data() if meta is not None else None
    except Exception as exc:  # pypdf raises many types on broken files; all mean "unreadable"
        return PdfView(refused=f"PDF cannot be read: {type(exc).__name__}: {exc}")
    view = PdfView()
    if not xmp:
        view.xmp_problem = "the PDF has no XMP metadata stream"
        return view
    try:
        x = parse_xml(bytes(xmp))
    except XmlRefused as exc:
        view.xmp_problem = f"XMP metadata refused: {exc}"
        return view
    view.pdfa_part = _pdfaid(x, "part")
    view.pdfa_conformance = _pdfaid(x, "conformance")
    return view


def _pdfaid(x: etree._Element, name: str) -> str | None:
    for el in x.iter(f"{{{PDFAID}}}{name}"):
        if el.text and el.text.strip():
            return el.text.strip()
    for el in x.iter():
        value = el.get(f"{{{PDFAID}}}{name}")
        if value:
            return value.strip()
    return None


def pdf_view(data: bytes, digest: str | None = None) -> PdfView:
    return cached("pdf", digest or hashlib.sha256(data).hexdigest(), lambda: parse_pdf(data))


def pdfa_finding(view: PdfView, location: str) -> Finding:
    rid = "MSS-DOC-03"
    if view.refused:
        return failed(rid, view.refused, f"PDF illisible : {view.refused}", location)
    if view.xmp_problem:
        return failed(
            rid,
            f"PDF/A-1 not declared: {view.xmp_problem}",
            f"PDF/A-1 non déclaré : {view.xmp_problem}",
            location,
        )
    if view.pdfa_part != "1":
        got = view.pdfa_part or "absent"
        return failed(
            rid,
            f"XMP pdfaid:part is {got}, expected 1 (PDF/A-1)",
            f"pdfaid:part vaut {got} dans le XMP, 1 attendu (PDF/A-1)",
            location,
        )
    return passed(
        rid,
        f"PDF/A-1{(view.pdfa_conformance or '').lower()} declared in XMP",
        f"PDF/A-1{(view.pdfa_conformance or '').lower()} déclaré dans le XMP",
        location,
    )


def _norm(text: str) -> str:
    return _FORBIDDEN.sub("_", unicodedata.normalize("NFC", text))


Reason = tuple[str, str]  # (English, French)


def name_shape_problem(name: str) -> Reason | None:
    """Shape of `<AAAAMMJJ>_<type>_<NOM>_<prénom>[_<dossier>].pdf` when no CDA is there to compare."""
    m = _NAME_SHAPE.match(name)
    if not m:
        return (
            f"{name!r} does not start with an AAAAMMJJ date and end with .pdf",
            f"{name!r} ne commence pas par une date AAAAMMJJ ou ne finit pas par .pdf",
        )
    try:
        datetime.strptime(m.group("date"), "%Y%m%d")
    except ValueError:
        return (
            f"{m.group('date')!r} is not a valid AAAAMMJJ date",
            f"{m.group('date')!r} n'est pas une date AAAAMMJJ",
        )
    fields = m.group("rest").split("_")
    if len(fields) < 3 or not all(f.strip() for f in fields[-2:]):
        return (
            f"{name!r} lacks the <type>_<NOM>_<prénom> fields",
            f"{name!r} n'a pas les champs <type>_<NOM>_<prénom>",
        )
    return None


def name_mismatch(name: str, date: str | None, display: str, birth_name: str, first_given: str) -> Reason | None:
    """None when `name` is the expected PDF name for this CDA, else what differs."""
    shape = name_shape_problem(name)
    if shape:
        return shape
    stem = unicodedata.normalize("NFC", name[:-4])
    nom = birth_name.upper()
    if date is not None and stem[:8] != date[:8]:
        return (
            f"date {stem[:8]} differs from the act date {date[:8]}",
            f"la date {stem[:8]} diffère de la date de l'acte {date[:8]}",
        )
    for t in (display[:40], display[:40].rstrip()):
        prefix = f"{stem[:8]}_{t}_"
        if _norm(stem[: len(prefix)]) != _norm(prefix):
            continue
        fields = stem[len(prefix) :].split("_")
        if fields[0] != nom:
            return (
                f"NOM {fields[0]!r} differs from the birth name in upper case {nom!r}",
                f"NOM {fields[0]!r} diffère du nom de naissance en majuscules {nom!r}",
            )
        got = fields[1] if len(fields) > 1 else ""
        if got.casefold() != first_given.casefold():
            return (
                f"prénom {got!r} differs from the first given name {first_given!r}",
                f"prénom {got!r} diffère du premier prénom {first_given!r}",
            )
        if len(fields) > 3 or (len(fields) == 3 and not fields[2].strip()):
            extra = "_".join(fields[2:])
            return (
                f"unexpected fields after the prénom: {extra!r}",
                f"champs inattendus après le prénom : {extra!r}",
            )
        return None
    return (
        f"type field differs from the CDA code displayName truncated to 40 characters ({display[:40]!r})",
        f"le champ type diffère du displayName du code CDA tronqué à 40 caractères ({display[:40]!r})",
    )


@check("pdf", "mssante")
def check_pdf(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    view = pdf_view(art.data, art.sha256)
    yield pdfa_finding(view, art.name)
    base = art.name.replace("\\", "/").rsplit("/", 1)[-1]
    problem = name_shape_problem(base)
    if problem:
        yield failed("MSS-DOC-03", f"PDF name: {problem[0]}", f"nom du PDF : {problem[1]}", f"{art.name} (file name)")
    else:
        yield passed(
            "MSS-DOC-03",
            "PDF name has the <AAAAMMJJ>_<type>_<NOM>_<prénom> shape (not compared with a CDA)",
            "le nom du PDF a la forme <AAAAMMJJ>_<type>_<NOM>_<prénom> (non comparé à un CDA)",
            f"{art.name} (file name)",
        )
