"""How each seeded defect changes the reference DUI: one switch per defect, read at one place.

Three kinds of switches: departures of the built artifacts (`Deviations`, read by the builders of
conformance.socles.mssante.build), transport flaws (`TlsFlaws`, read by demo.mssante_client) and
behaviours of the DUI itself (names, read by demo.dui where the decision is taken).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.socles.mssante.build.inputs import REFERENCE, Deviations

from .dmp_switches import FLAWS as DMP_FLAWS
from .eprescription_client import EPRESCRIPTION_DEFECTS
from .mssante_client import NO_FLAWS, TlsFlaws

DEVIATIONS: dict[str, Deviations] = {
    "no-message-id": Deviations(message_id=False),
    "reply-no-references": Deviations(references=False),
    "latin1-body": Deviations(text_charset="iso-8859-1"),
    "bare-from": Deviations(from_display_name=False),
    "missing-nil": Deviations(nil_header=False),
    "no-pdf-copy": Deviations(pdf_copy_per_document=False),
    "pdf-not-pdfa": Deviations(pdfa_declared=False),
    "subject-no-prefix": Deviations(subject_prefix=False),
    "codecda-wrong": Deviations(codecda_from_cda=False),
    "x-mss-ins-only-to-usagers": Deviations(x_mss_ins_to_professionals=False),
    "no-readme": Deviations(readme=False),
    "metadata-no-association": Deviations(associations=False),
    "wrong-hash": Deviations(hash_of_document=False),
    "bad-nir-key": Deviations(patient_id_key_valid=False),
    "typecode-mismatch": Deviations(typecode_from_cda=False),
    "dnt-missing": Deviations(read_receipt_header=False),
    "mdn-no-original-id": Deviations(mdn_original_message_id=False),
    "mes-lowercase": Deviations(mes_value="fin"),
}

TRANSPORT: dict[str, TlsFlaws] = {
    "plaintext-fallback": TlsFlaws(plaintext_fallback=True),
    "imap-auth-before-starttls": TlsFlaws(imap_auth_before_starttls=True),
    "accept-tls10": TlsFlaws(allow_tls10=True),
    "accept-rogue-ca": TlsFlaws(any_issuer=True),
    "accept-expired": TlsFlaws(ignore_dates=True),
    "no-crl-check": TlsFlaws(check_crl=False),
    "client-cert-late": TlsFlaws(client_cert_late=True),
}

BEHAVIOURS = frozenset(
    {
        "error-swallowed",
        "two-patients",
        "integrate-by-subject",
        "prefix-shown",
        "patient-not-flagged",
        "receipts-ignored",
        "patient-address-unqualified",
        "send-invisible-doc",
        "ignore-opposition",
        "no-audit",
        "send-outside-whitelist",
    }
)


@dataclass(frozen=True)
class Switches:
    deviations: Deviations = REFERENCE
    tls: TlsFlaws = NO_FLAWS
    behaviours: frozenset[str] = field(default_factory=frozenset)

    def on(self, behaviour: str) -> bool:
        if behaviour not in BEHAVIOURS:
            raise KeyError(f"unknown behaviour switch {behaviour!r}")
        return behaviour in self.behaviours


def switches_for(defect: str | None) -> Switches:
    if defect is None:
        return Switches()
    if defect in DEVIATIONS:
        return Switches(deviations=DEVIATIONS[defect])
    if defect in TRANSPORT:
        return Switches(tls=TRANSPORT[defect])
    if defect in BEHAVIOURS:
        return Switches(behaviours=frozenset({defect}))
    if defect in EPRESCRIPTION_DEFECTS:  # read by demo.eprescription_* (the MSSanté side stays reference)
        return Switches()
    if defect in DMP_FLAWS:  # read by demo.dmp_feed (the MSSanté side stays reference)
        return Switches()
    raise KeyError(defect)
