"""Helpers of the e-prescription tests: the hand-written good ordonnance and one-change variants, the
findings on a Bundle, a plain PDF, and a mutual-TLS FHIR client for the stand-in service."""

from __future__ import annotations

import copy
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fpdf import FPDF

from conformance.formats.fhir import FhirPackage
from conformance.model import CheckContext, Finding, Verdict
from conformance.socles.eprescription.checks import prescription_findings
from conformance.socles.eprescription.service import PrescriptionService

REPO = Path(__file__).resolve().parents[3]
GOOD = REPO / "fixtures" / "eprescription" / "ordonnance-good.json"
CORPUS = REPO / ".." / "shared" / "corpus"

PATIENT, PRACTITIONER, ORGANIZATION, MEDICATION, LINE1, LINE2 = range(6)


def good() -> dict[str, Any]:
    return json.loads(GOOD.read_text(encoding="utf-8"))


def res(bundle: dict[str, Any], i: int) -> dict[str, Any]:
    return bundle["entry"][i]["resource"]


def variant(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    b = copy.deepcopy(good())
    change(b)
    return b


def findings(
    bundle: dict[str, Any] | bytes, ctx: CheckContext | None = None, packages: list[FhirPackage] | None = None
) -> list[Finding]:
    data = bundle if isinstance(bundle, bytes) else json.dumps(bundle).encode()
    return prescription_findings(data, ctx or CheckContext(), packages or [])


def verdict(found: list[Finding], rid: str) -> Verdict | None:
    """Worst verdict for `rid` (None when no finding names it)."""
    mine = [f.verdict for f in found if f.requirement == rid]
    return max(mine, key=lambda v: v.rank) if mine else None


def failures(found: list[Finding], rid: str) -> list[Finding]:
    return [f for f in found if f.requirement == rid and f.verdict is Verdict.FAIL]


def plain_pdf(text: str = "Lettre de liaison - copie PDF (ESSAI)") -> bytes:
    """A PDF that shows no prescription number (e.g. the PDF copy of a letter sent by MSSanté)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


FHIR = "application/fhir+json"


class Client:
    def __init__(self, service: PrescriptionService, *, client_cert: bool = True) -> None:
        self.service = service
        self.ctx = ssl.create_default_context(cafile=str(service.pki.ca_bundle))
        if client_cert:
            self.ctx.load_cert_chain(str(service.pki.client_cert), str(service.pki.client_key))

    def call(self, method: str, path: str, body: bytes | None = None, ctype: str = FHIR) -> tuple[int, Any]:
        req = urllib.request.Request(
            self.service.base_url + path, data=body, method=method, headers={"Content-Type": ctype}
        )
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
