"""The reference DUI shares a registered ordonnance: verb "eprescription.share".

Once the e-prescription service has registered an ordonnance, the prescriber may feed it to the
resident's DMP and, when the resident asks for it, send it to their Mon espace santé mailbox. The DUI
shares the very PDF it printed (QR code and number the service assigned), never a second rendering:

- DMP (`to_dmp`): a CDA N1 wrapping that PDF, typeCode 57833-6 "Prescription de produits de santé"
  (LOINC, JDV_J07), classCode 42 "Prescription" (JDV_J57), through the DUI's DMP part (verb dmp.feed,
  which itself refuses an identity that is not qualified, RNIV EXI SI 08);
- MSSanté (`to_patient_mssante`): an XDM message to the resident's address built on the INS
  (ECO.2.2.6), only when the INS is qualified: without it that address cannot be used (RNIV), and the
  part is refused with that reason, before anything is sent.

Each part asked is answered in `data` (`{"dmp": {...}, "mssante": {...}}`); the verb is "ok" only when
every part asked is, "error" when one failed, "refused" otherwise. The DMP and MSSanté sides are the
other socles' parts, reached through their verbs (`bind`): a DUI composed without one answers that part
"unsupported verb". With a seeded defect (its `ShareFlaw`) exactly one of these behaviours goes wrong.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.drivers.base import Outcome
from conformance.socles.eprescription.reference.client import Prescriber
from conformance.socles.eprescription.reference.switches import ShareFlaw

if TYPE_CHECKING:
    from conformance.demo import ReferencePart

TYPE_ORDONNANCE = ("57833-6", "Prescription de produits de santé")  # JDV_J07 (LOINC)
TYPE_CARE_PRESCRIPTION = ("57832-8", "Prescription de soins")  # the neighbour code the defect picks
CLASS_PRESCRIPTION = ("42", "Prescription")  # JDV_J57 (TRE_A03 ClasseDocument)

UNQUALIFIED = (
    "identité du patient non qualifiée : son adresse MSSanté (construite sur l'INS) ne peut pas être "
    "utilisée (RNIV) ; l'ordonnance lui est remise sur papier"
)


def _body(number: str) -> str:
    return (
        "Bonjour,\n"
        f"Veuillez trouver ci-joint votre ordonnance numérique n° {number}, enregistrée auprès de "
        "l'Assurance Maladie. Présentez son QR code à votre pharmacien.\n"
    )


class OrdonnanceSharer:
    """The "eprescription.share" verb: needs the prescriber's records and the DMP and MSSanté parts."""

    def __init__(self, prescriber: Prescriber, flaw: ShareFlaw | None = None) -> None:
        self.prescriber = prescriber
        self.flaw = flaw
        self.peers: Mapping[str, ReferencePart] = {}

    def ask(self, socle: str, verb: str, params: dict[str, Any], timeout: float) -> Outcome:
        """Another socle's part does its side of the sharing, through its public verbs."""
        part = self.peers.get(socle)
        fn = part.verbs.get(verb) if part is not None else None
        if fn is None:
            return Outcome("error", detail="unsupported verb")
        return fn(params, timeout)

    def document(self, number: str, pdf: bytes) -> dict[str, Any]:
        code, display = TYPE_CARE_PRESCRIPTION if self.flaw is ShareFlaw.TYPED_AS_CARE_PRESCRIPTION else TYPE_ORDONNANCE
        return {
            "type_code": code,
            "type_display": display,
            "title": f"Ordonnance {number}",
            "class_code": CLASS_PRESCRIPTION[0],
            "class_display": CLASS_PRESCRIPTION[1],
            "pdf_base64": base64.b64encode(pdf).decode("ascii"),
        }

    def share(self, p: dict[str, Any], timeout: float = 30.0) -> Outcome:
        number = str(p.get("prescription_number") or "")
        if not number:
            return Outcome("refused", detail="numéro de prescription manquant")
        issued = self.prescriber.issued.get(number)
        if issued is None:
            return Outcome(
                "refused",
                detail=f"ordonnance {number} inconnue du DUI : aucune ordonnance "
                "enregistrée et imprimée sous ce numéro",
            )
        asked = [name for name, key in (("dmp", "to_dmp"), ("mssante", "to_patient_mssante")) if p.get(key)]
        if not asked:
            return Outcome("refused", detail="aucun partage demandé (to_dmp, to_patient_mssante)")
        parts: dict[str, Outcome] = {}
        doc = self.document(number, issued.pdf)
        if "dmp" in asked:
            parts["dmp"] = self.ask("dmp", "dmp.feed", {"patient": issued.patient, "document": doc}, timeout)
        if "mssante" in asked:
            parts["mssante"] = self.to_patient(issued.patient, number, doc, timeout)
        statuses = {o.status for o in parts.values()}
        status = "error" if "error" in statuses else "refused" if "refused" in statuses else "ok"
        labels = {"dmp": "DMP", "mssante": "messagerie du patient"}
        detail = " ; ".join(f"{labels[k]} : {o.detail or o.status}" for k, o in parts.items())
        data: dict[str, Any] = {"prescription_number": number}
        data.update({k: {"status": o.status, "detail": o.detail, **o.data} for k, o in parts.items()})
        return Outcome(status, data, detail=detail)

    def to_patient(self, patient: dict[str, Any], number: str, doc: dict[str, Any], timeout: float) -> Outcome:
        params: dict[str, Any] = {"patient": patient, "documents": [doc], "body": _body(number)}
        if self.flaw is ShareFlaw.SENDS_TO_UNQUALIFIED:
            # the defect: builds the address from the INS itself, whatever the identity status (the MSSanté API,
            # imported here: it brings the MSSanté harness, which the reference DUI otherwise never needs)
            from conformance.socles.mssante.api import patient_address

            params["to"] = [patient_address(patient)]
        elif not patient.get("qualified"):
            return Outcome("refused", detail=UNQUALIFIED)
        else:
            params["to_patient"] = True  # the DUI's usager checks apply too (opposition, masked documents)
        return self.ask("mssante", "mssante.send_documents", params, timeout)
