"""What a sending system knows before it builds anything: the usager, the establishment, the author.

These are the inputs of every builder of this package. The reference DUI and the harness (which
fabricates the messages it delivers to the DUI) build with the same code; they only differ by
who they are (an EHPAD and its médecin coordonnateur, or a doctor's practice) and by the
`Deviations` they ask for.

Codes come from the CI-SIS value sets (specs/dmp.md §2.5, corpus jdv/): J02 SA17 "Etablissement
pour personnes âgées", J04 ESSMS, J01 G15_10 "Médecin". Identifiers are synthetic: structure ids
use the non-existent FINESS département 99 (as conformance.formats.pki does), professional ids are
"8" + an RPPS-shaped number, local OIDs are UUID-derived (2.25.x, ITU-T X.667), so nothing
needs registering and nothing can collide with a real organisation.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from conformance.socles.mssante.addresses import PATIENT_DOMAIN

LOINC = "2.16.840.1.113883.6.1"
TRE_A05 = "1.2.250.1.213.1.1.4.12"  # TRE_A05-TypeDocComplementaire (non-LOINC J07 codes)
OID_PS = "1.2.250.1.71.4.2.1"  # professionals (RPPS/ADELI national ids)
OID_STRUCTURE = "1.2.250.1.71.4.2.2"  # structures (Struct_IdNat)
_LOINC_SHAPE = re.compile(r"^\d{1,7}-\d$")


def _uuid_oid(name: str) -> str:
    return f"2.25.{uuid.uuid5(uuid.NAMESPACE_URL, 'https://dui-conformance.invalid/' + name).int}"


@dataclass(frozen=True)
class Coded:
    code: str
    display: str
    system: str


FACILITY_EHPAD = Coded("SA17", "Etablissement pour personnes âgées", "1.2.250.1.71.4.2.4")
FACILITY_CABINET = Coded("SA07", "Cabinet individuel", "1.2.250.1.71.4.2.4")
SETTING_ESSMS = Coded("ESSMS", "Etablissement ou Service Social ou Médico-Social", "1.2.250.1.213.1.1.4.9")
SETTING_AMBULATOIRE = Coded("AMBULATOIRE", "Ambulatoire", "1.2.250.1.213.1.1.4.9")
SPECIALTY_DOCTOR = Coded("G15_10", "Médecin", "1.2.250.1.213.1.1.4.5")
# XDS contentTypeCode (TRE_R209 TypeActivite, members of JDV_J59): residential care, outpatient consultation
CONTENT_TYPE_RESIDENTIAL = Coded("11", "Hébergement complet ou internat", "1.2.250.1.213.2.2")
CONTENT_TYPE_CONSULTATION = Coded("07", "Consultations soins externes", "1.2.250.1.213.2.2")


@dataclass(frozen=True)
class Patient:
    """An usager as the DUI holds it (fixtures/identities.json shape)."""

    ins: str
    ins_oid: str
    birth_name: str
    first_given: str
    given_names: tuple[str, ...]
    birth_date: date
    sex: str
    birth_place: str
    qualified: bool
    record_id: str | None
    opposition_mss_patient: bool = False

    @classmethod
    def from_identity(cls, d: dict[str, Any]) -> Patient:
        return cls(
            ins=str(d["ins"]),
            ins_oid=str(d["ins_oid"]),
            birth_name=str(d["birth_name"]),
            first_given=str(d["first_given"]),
            given_names=tuple(d.get("given_names") or [d["first_given"]]),
            birth_date=date.fromisoformat(str(d["birth_date"])),
            sex=str(d["sex"]),
            birth_place=str(d.get("birth_place") or ""),
            qualified=bool(d.get("qualified")),
            record_id=d.get("record_id"),
            opposition_mss_patient=bool(d.get("opposition_mss_patient")),
        )

    @property
    def nom(self) -> str:
        """NOM as the subject and PDF name rules want it: the birth name in upper case."""
        return self.birth_name.upper()

    @property
    def birth_date_fr(self) -> str:
        return self.birth_date.strftime("%d/%m/%Y")

    @property
    def address(self) -> str:
        """The usager's Mon espace santé address, built from the INS matricule (ECO.2.2.6)."""
        return f"{self.ins}@{PATIENT_DOMAIN}"


@dataclass(frozen=True)
class Organisation:
    name: str
    struct_id: str  # Struct_IdNat ("1" + FINESS), root OID_STRUCTURE
    facility_type: Coded  # J02 -> healthCareFacility/code, XDS healthcareFacilityTypeCode
    practice_setting: Coded  # J04 -> standardIndustryClassCode, XDS practiceSettingCode
    ipp_root: str  # OID of the local patient identifiers (IPP / record numbers)
    source_id: str  # OID of the sending system (XDS sourceId)
    content_type: Coded = CONTENT_TYPE_RESIDENTIAL  # XDS submission set contentTypeCode
    software: str = "DUI de référence dui-conformance"


@dataclass(frozen=True)
class Professional:
    national_id: str  # "8" + RPPS, root OID_PS
    given: str
    family: str
    specialty: Coded
    prefix: str = "DR"  # J245 civilité/titre

    @property
    def display(self) -> str:
        return f"{self.given} {self.family}"


EHPAD = Organisation(
    "EHPAD Essai",
    "1990000001",
    FACILITY_EHPAD,
    SETTING_ESSMS,
    ipp_root=_uuid_oid("demo-dui/ipp"),
    source_id=_uuid_oid("demo-dui/source"),
)
EHPAD_DOCTOR = Professional("810000000002", "Claire", "COORDO-ESSAI", SPECIALTY_DOCTOR)
CABINET = Organisation(
    "Cabinet Essai",
    "1990000002",
    FACILITY_CABINET,
    SETTING_AMBULATOIRE,
    ipp_root=_uuid_oid("cabinet-essai/ipp"),
    source_id=_uuid_oid("cabinet-essai/source"),
    content_type=CONTENT_TYPE_CONSULTATION,
    software="LPS d'essai dui-conformance",
)
CABINET_DOCTOR = Professional("810000000000", "Paul", "MEDECIN-ESSAI", SPECIALTY_DOCTOR)


@dataclass(frozen=True)
class DocumentRequest:
    """One document the user asks to send (driver protocol `documents[]`)."""

    type_code: str
    type_display: str
    title: str
    service_date: date
    invisible_patient: bool = False
    extra_bytes: int = 0  # padding in the PDF, for size tests
    text: str = ""
    pdf: bytes | None = field(default=None, repr=False)  # a PDF the DUI already made (the printed ordonnance)

    @property
    def type_system(self) -> str:
        return LOINC if _LOINC_SHAPE.match(self.type_code) else TRE_A05

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> DocumentRequest:
        return cls(
            type_code=str(d["type_code"]),
            type_display=str(d.get("type_display") or d["type_code"]),
            title=str(d.get("title") or d.get("type_display") or d["type_code"]),
            service_date=date.fromisoformat(str(d.get("service_date") or date.today().isoformat())),
            invisible_patient=bool(d.get("invisible_patient")),
            extra_bytes=max(0, int(d.get("extra_bytes") or 0)),
            text=str(d.get("text") or ""),
            pdf=base64.b64decode(str(d["pdf_base64"]), validate=True) if d.get("pdf_base64") else None,
        )


@dataclass(frozen=True)
class Bal:
    """A mailbox: address, type (PER, ORG, APP, or MES for an usager) and the display name of From:."""

    address: str
    display_name: str
    type: str = "APP"

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1].lower()


@dataclass
class BuildEnv:
    """Clock and randomness of one build; `fixed()` makes every byte reproducible (tests, fixtures)."""

    now: datetime
    rng: random.Random = field(default_factory=random.SystemRandom)

    @classmethod
    def live(cls) -> BuildEnv:
        return cls(datetime.now(UTC).replace(microsecond=0))

    @classmethod
    def fixed(cls, seed: int = 0, now: datetime | None = None) -> BuildEnv:
        return cls(now or datetime(2026, 11, 20, 9, 30, tzinfo=UTC), random.Random(seed))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def urn_uuid(self) -> str:
        return f"urn:uuid:{self.uuid()}"

    def oid(self) -> str:
        return f"2.25.{self.uuid().int}"

    def message_id(self, domain: str) -> str:
        return f"<{self.uuid().hex}@{domain}>"

    @property
    def utc(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass(frozen=True)
class Deviations:
    """How an artifact departs from the reference; every field is read at exactly one place.

    The defaults build the reference artifact. The seeded defects of the demo DUI and the
    harness's deliberately odd incoming messages are expressed as departures from it, so a
    defect is a single switch in the one builder that owns the rule it breaks.
    """

    # message.py
    nil_header: bool = True  # X-MSS-NIL on every message (MSS-MSG-06)
    message_id: bool = True  # Message-ID header (MSS-MSG-01)
    text_charset: str = "utf-8"  # charset of text parts (MSS-MSG-03)
    from_display_name: bool = True  # From: "<display>" <addr> (MSS-MSG-05)
    references: bool = True  # References on replies (MSS-MSG-02)
    subject_prefix: bool = True  # XDM/1.0/DDM+ (MSS-DOC-04)
    codecda_from_cda: bool = True  # X-MSS-CODECDA values (MSS-DOC-05)
    x_mss_ins_to_professionals: bool = True  # False: X-MSS-INS only on messages to usagers (MSS-DOC-06)
    mes_value: str = "FIN"  # X-MSS-MES (MSS-PAT-02)
    read_receipt_header: bool = True  # Disposition-Notification-To when asked (MSS-ACK-02)
    pdf_copy_per_document: bool = True  # False: only the first document gets its copy (MSS-DOC-02)
    # pdf.py
    pdfa_declared: bool = True  # XMP pdfaid part/conformance (MSS-DOC-03)
    # xdm.py
    readme: bool = True  # README.TXT at the root (MSS-XDM-01)
    junk_entries: bool = False  # __MACOSX/ and .DS_Store, as macOS archivers add them
    uri_case_mismatch: bool = False  # METADATA URI in another case than the stored name
    # metadata.py
    associations: bool = True  # HasMember associations (MSS-XDM-02)
    hash_of_document: bool = True  # False: hash of the embedded PDF instead of the file (MSS-XDM-03)
    patient_id_key_valid: bool = True  # False: wrong NIR key in METADATA patientId (MSS-XDM-04)
    typecode_from_cda: bool = True  # False: typeCode differs from the CDA code (MSS-XDM-05)
    mime_type: str = "text/xml"  # DocumentEntry mimeType of the CDA files (MSS-XDM-07)
    # mdn.py
    mdn_original_message_id: bool = True  # Original-Message-ID in MDNs (MSS-ACK-04)


REFERENCE = Deviations()
