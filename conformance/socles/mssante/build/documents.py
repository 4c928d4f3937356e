"""One health document as a sending system produces it: the PDF it prints and the CDA N1 around it.

The PDF copy attached to the e-mail is this very PDF (Ref#2 ECO.2.1.5: for a CDA N1 the copy is
identical to the embedded PDF), and the header facts are read from the CDA tree that is serialized.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.formats.pdf import build_pdf

from .cda import CdaIds, build_cda, serialize
from .inputs import BuildEnv, Coded, Deviations, DocumentRequest, Organisation, Patient, Professional
from .metadata import INVISIBLE_PATIENT, CdaHeader, read_header


@dataclass
class BuiltDocument:
    patient: Patient
    request: DocumentRequest
    pdf: bytes
    cda: bytes
    header: CdaHeader

    @property
    def extra_confidentiality(self) -> tuple[Coded, ...]:
        """XDS confidentiality codes the sender adds to the CDA's own (visibility flags)."""
        return (INVISIBLE_PATIENT,) if self.request.invisible_patient else ()


def _lines(patient: Patient, request: DocumentRequest, author: Professional, org: Organisation) -> list[str]:
    ins = f"INS : {patient.ins} ({patient.ins_oid})" if patient.qualified else "INS : non qualifié"
    return [
        org.name,
        "",
        f"Usager : {patient.nom} {patient.first_given}, né(e) le {patient.birth_date_fr}",
        ins,
        f"Dossier : {patient.record_id or '-'}",
        f"Date de l'acte : {request.service_date.strftime('%d/%m/%Y')}",
        f"Auteur : {author.prefix} {author.given} {author.family}",
        "",
        request.text or f"{request.type_display}.",
        "",
        "Document fictif produit par dui-conformance pour des essais",
        "(identités de test, aucune donnée réelle).",
    ]


def build_document(
    patient: Patient,
    request: DocumentRequest,
    *,
    author: Professional,
    org: Organisation,
    env: BuildEnv,
    deviations: Deviations,
) -> BuiltDocument:
    created = env.utc
    # a PDF the DUI already made (the printed ordonnance) is sent as is: the CDA wraps those very bytes
    pdf = request.pdf or build_pdf(
        request.title,
        _lines(patient, request, author, org),
        author=author.display,
        created=created,
        pdfa=deviations.pdfa_declared,
        padding=request.extra_bytes,
    )
    tree = build_cda(patient, request, pdf, author=author, org=org, ids=CdaIds(env.oid(), env.oid()), created=created)
    return BuiltDocument(patient, request, pdf, serialize(tree), read_header(tree))
