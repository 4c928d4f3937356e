"""How each seeded DMP defect changes the reference DUI: one departure per defect.

Departures of the CDA (`CdaFlaws`), of the XDS lot and SOAP headers (`XdsFlaws`), of the VIHF
(field overrides of `VihfInput` or an unsigned token), of the transport (`DmpTls`) and of the
DUI's own decisions (`behaviour`). The defect list itself (names, requirements) is in defects.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.socles.dmp.build.cda import CdaFlaws
from conformance.socles.dmp.build.xades import XadesFlaws
from conformance.socles.dmp.build.xds import XdsFlaws

from .dmp_client import DmpTls


@dataclass(frozen=True)
class DmpFlaws:
    cda: CdaFlaws = CdaFlaws()
    xds: XdsFlaws = XdsFlaws()
    vihf: dict[str, Any] = field(default_factory=dict)  # VihfInput field overrides
    vihf_signed: bool = True
    mtom_start_info: bool = True
    tls: DmpTls = field(default_factory=DmpTls)
    behaviour: str = ""  # feed-unqualified | failure-as-success | no-td02 | rplc-from-memory


NONE = DmpFlaws()

FLAWS: dict[str, DmpFlaws] = {
    # transport and SOAP
    "mtom-no-start-info": DmpFlaws(mtom_start_info=False),
    "dmp-wsa-action": DmpFlaws(xds=XdsFlaws(wsa_action="urn:ihe:iti:2007:RegisterDocumentSet-b")),
    # VIHF
    "vihf-unsigned": DmpFlaws(vihf_signed=False),
    "vihf-issuer-format": DmpFlaws(vihf={"issuer_format": False}),
    "vihf-no-homologation": DmpFlaws(vihf={"omit": frozenset({"LPS_ID_HOMOLOGATION_DMP"})}),
    "vihf-resource-urn": DmpFlaws(vihf={"resource_urn": "urn:dmp:alimentation"}),
    "vihf-sector-no-oid": DmpFlaws(vihf={"sector": "SA17"}),
    "vihf-role-outside-j65": DmpFlaws(vihf={"role_system": "1.2.250.1.213.1.1.4.5"}),
    "vihf-break-glass": DmpFlaws(vihf={"purpose": "bris_de_glace"}),
    "vihf-resource-nia": DmpFlaws(vihf={"resource_oid": "1.2.250.1.213.1.4.11"}),
    "vihf-other-key": DmpFlaws(vihf={"signer": "other-key"}),
    "vihf-self-signed": DmpFlaws(vihf={"signer": "self-signed"}),
    # XDS lot
    "xds-no-source-id": DmpFlaws(xds=XdsFlaws(source_id=False)),
    "xds-no-content-type": DmpFlaws(xds=XdsFlaws(content_type=False)),
    "xds-no-creation-time": DmpFlaws(xds=XdsFlaws(creation_time=False)),
    "xds-wrong-hash": DmpFlaws(xds=XdsFlaws(hash_of_document=False)),
    "xds-class-code": DmpFlaws(xds=XdsFlaws(class_code="CR")),
    "xds-format-code": DmpFlaws(xds=XdsFlaws(format_code="urn:ihe:iti:xds-sd:text:2008")),
    "xds-confidentiality": DmpFlaws(xds=XdsFlaws(extra_confidentiality=4)),
    "xds-author-oid": DmpFlaws(xds=XdsFlaws(author_oid="1.2.250.1.71.4.2.9")),
    "xds-no-has-member": DmpFlaws(xds=XdsFlaws(has_member=False)),
    "xds-no-signature": DmpFlaws(xds=XdsFlaws(signature_entry=False)),
    "xds-type-scheme-name": DmpFlaws(xds=XdsFlaws(type_scheme="LOINC")),
    "xds-practice-scheme": DmpFlaws(xds=XdsFlaws(practice_scheme="1.2.250.1.71.4.2.4")),
    "xades-digest-reserialised": DmpFlaws(xds=XdsFlaws(xades=XadesFlaws(manifest_digest_of="reserialised"))),
    "xades-no-signing-time": DmpFlaws(xds=XdsFlaws(xades=XadesFlaws(signing_time=False))),
    "xds-title-differs": DmpFlaws(xds=XdsFlaws(title_from_cda=False)),
    "xds-source-patient-type": DmpFlaws(xds=XdsFlaws(source_patient_type="NH")),
    # CDA
    "cda-no-realm": DmpFlaws(cda=CdaFlaws(realm=False)),
    "cda-body-not-b64": DmpFlaws(cda=CdaFlaws(representation="TXT")),
    "cda-author-no-time": DmpFlaws(cda=CdaFlaws(author_time=False)),
    "cda-custodian-root": DmpFlaws(cda=CdaFlaws(custodian_root="1.2.250.1.71.4.2.1")),
    "cda-dlu-no-participant": DmpFlaws(cda=CdaFlaws(dlu_participant=False)),
    "cda-no-birthplace": DmpFlaws(cda=CdaFlaws(birthplace=False)),
    "cda-ins-wrong-key": DmpFlaws(cda=CdaFlaws(ins_key_offset=1)),
    "cda-ins-test-and-production": DmpFlaws(cda=CdaFlaws(extra_ins_root="1.2.250.1.213.1.4.8")),
    "cda-ins-production-root": DmpFlaws(cda=CdaFlaws(ins_root="1.2.250.1.213.1.4.8")),
    # decisions of the DUI
    "dmp-feed-unqualified": DmpFlaws(behaviour="feed-unqualified"),
    "dmp-failure-as-success": DmpFlaws(behaviour="failure-as-success"),
    "dmp-no-td02": DmpFlaws(behaviour="no-td02"),
    "dmp-rplc-from-memory": DmpFlaws(behaviour="rplc-from-memory"),
    "dmp-tls-any-issuer": DmpFlaws(tls=DmpTls(any_issuer=True, ignore_dates=True)),
}


def dmp_flaws_for(defect: str | None) -> DmpFlaws:
    return FLAWS.get(defect or "", NONE)
