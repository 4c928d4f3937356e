"""The seeded defects of the reference DUI: `--dui demo:<name>` turns on exactly one.

Each defect is one realistic mistake that breaks exactly one requirement and nothing else: an
EXIGENCE (the run fails), or a PRECONISATION such as EP-23, DMP-S02 or DMP-R02 (the run passes and
the requirement shows as a warning). A full run with it (and the socles it `needs`) must fail that
requirement only (tests/test_sensitivity.py). This module is data; how each defect changes the
DUI is in conformance/demo/switches.py, dmp_switches.py and the e-prescription client.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    name: str
    socle: str
    requirement: str
    description: str
    needs: tuple[str, ...] = ()  # other socles a run must select for the defect to show (cross-socle)


def _mss(name: str, requirement: str, description: str) -> Defect:
    return Defect(name, "mssante", requirement, description)


DEFECTS: tuple[Defect, ...] = (
    # transport and authentication
    _mss(
        "plaintext-fallback",
        "MSS-TLS-01",
        "SMTP: when the server offers no STARTTLS, sends the message in clear",
    ),
    _mss("imap-auth-before-starttls", "MSS-TLS-02", "IMAP: tries AUTHENTICATE before STARTTLS"),
    _mss("accept-tls10", "MSS-TLS-03", "accepts TLS 1.0/1.1"),
    _mss("accept-rogue-ca", "MSS-TLS-05", "accepts a server certificate from a CA outside IGC-Santé"),
    _mss("accept-expired", "MSS-TLS-06", "accepts an expired server certificate"),
    _mss("no-crl-check", "MSS-TLS-07", "does not check the CRL: accepts a revoked server certificate"),
    _mss(
        "client-cert-late",
        "MSS-AUTH-04",
        "first connects without the ORG certificate, presents it only once the operator refused",
    ),
    _mss("error-swallowed", "MSS-CONF-02", "operator unreachable: reports the message as sent"),
    # message
    _mss("no-message-id", "MSS-MSG-01", "messages have no Message-ID header"),
    _mss("reply-no-references", "MSS-MSG-02", "replies carry In-Reply-To but no References"),
    _mss("latin1-body", "MSS-MSG-03", "text body declared and encoded in ISO-8859-1"),
    _mss("bare-from", "MSS-MSG-05", "From: without display name"),
    _mss("missing-nil", "MSS-MSG-06", "no X-MSS-NIL header"),
    # documents in the message
    _mss("two-patients", "MSS-DOC-01", "the second document of a message is another usager's"),
    _mss("no-pdf-copy", "MSS-DOC-02", "only the first document gets its PDF copy"),
    _mss("pdf-not-pdfa", "MSS-DOC-03", "PDF copies do not declare PDF/A-1 in XMP"),
    _mss("subject-no-prefix", "MSS-DOC-04", "subject without the XDM/1.0/DDM+ prefix"),
    _mss("codecda-wrong", "MSS-DOC-05", "X-MSS-CODECDA carries the XDS classCode instead of the CDA code"),
    _mss(
        "x-mss-ins-only-to-usagers",
        "MSS-DOC-06",
        "X-MSS-INS only on messages to usagers, not to professionals",
    ),
    # IHE_XDM archive
    _mss("no-readme", "MSS-XDM-01", "IHE_XDM.zip without README.TXT"),
    _mss("metadata-no-association", "MSS-XDM-02", "METADATA.XML without HasMember associations"),
    _mss("wrong-hash", "MSS-XDM-03", "METADATA hash is the SHA-1 of the embedded PDF, not of the CDA file"),
    _mss("bad-nir-key", "MSS-XDM-04", "METADATA patientId with a wrong NIR key (the CDA is right)"),
    _mss("typecode-mismatch", "MSS-XDM-05", "METADATA typeCode differs from the CDA code"),
    # receiving
    _mss("integrate-by-subject", "MSS-RCV-01", "identifies the usager from the subject, not METADATA patientId"),
    _mss("prefix-shown", "MSS-RCV-03", "message list shows the XDM/1.0/DDM+ prefix"),
    _mss("patient-not-flagged", "MSS-RCV-04", "messages from usagers are not distinguished"),
    # receipts
    _mss("dnt-missing", "MSS-ACK-02", "read receipt asked but no Disposition-Notification-To"),
    _mss("receipts-ignored", "MSS-ACK-03", "incoming DSN/MDN are not correlated to the sent messages"),
    _mss("mdn-no-original-id", "MSS-ACK-04", "MDNs without Original-Message-ID"),
    # usager (Mon espace santé)
    _mss("patient-address-unqualified", "MSS-PAT-01", "writes to the usager's address without a qualified INS"),
    _mss("mes-lowercase", "MSS-PAT-02", "X-MSS-MES: fin (lower case)"),
    _mss("send-invisible-doc", "MSS-PAT-03", "sends a document flagged invisible to the patient to the usager"),
    _mss("ignore-opposition", "MSS-PAT-04", "ignores the usager's opposition to MSSanté sending"),
    # trust domain and traceability
    _mss("no-audit", "MSS-TRC-01", "BAL operations are not traced"),
    _mss("send-outside-whitelist", "MSS-NEG-01", "sends health documents to a domain outside the liste blanche"),
)


def _ep(name: str, requirement: str, description: str) -> Defect:
    return Defect(name, "eprescription", requirement, description)


DEFECTS += (
    # the ordonnance Bundle (conformance/demo/eprescription_bundle.py)
    _ep("no-line-profile", "EP-01", "prescription lines do not declare fr-medicationrequest in meta.profile"),
    _ep("authored-no-timezone", "EP-02", "authoredOn is a bare date, no time and no timezone"),
    _ep("no-requester", "EP-03", "lines after the first of an ordonnance have no requester"),
    _ep("rpps-without-8", "EP-04", "the prescriber's IDNPS is the bare RPPS, without the '8' prefix"),
    _ep("subject-not-patient", "EP-05", "subject points to the prescriber instead of the Patient"),
    _ep("no-dosage", "EP-06", "lines after the first of an ordonnance carry no dosageInstruction"),
    _ep("patient-instruction", "EP-07", "the condition of use is written in dosageInstruction.patientInstruction"),
    _ep("cip-for-inpatient", "EP-08", "an inpatient line (UCD/SMS/substance only) is coded with a CIP13 presentation"),
    _ep("medication-two-codes", "EP-10", "the referenced Medication carries two allowed codes (nonCompoundCode 1..1)"),
    _ep("coded-with-ingredient-ref", "EP-11", "a coded Medication also lists an ingredient reference (frmed-med-1)"),
    _ep("dose-comparator", "EP-13", "dose quantities carry a comparator"),
    _ep("unit-foreign-system", "EP-13", "dose units are coded in a local system, neither UCUM nor EDQM"),
    _ep("unit-annotation", "EP-14", "dose units are UCUM annotations such as {comprimé}"),
    _ep("duration-not-ucum", "EP-16", "boundsDuration uses 'j' instead of the UCUM day 'd'"),
    _ep("split-group", "EP-17", "each line of one ordonnance gets its own groupIdentifier"),
    _ep("option-without-group", "EP-18", "a line has intent = option without the RequestGroup that links it"),
    _ep("ins-wrong-key", "ID-01", "the patient's INS is sent with a wrong NIR key"),
    _ep("ins-no-birthplace", "ID-02", "the INS Patient has no birthPlace (INSEE code)"),
    _ep("finess-without-1", "ID-03", "the structure's idNatSt is the bare FINESS, without the '1' prefix"),
    _ep("legacy-canonical", "GEN-01", "lines also declare the superseded hl7.fr medication canonical"),
    _ep("patch-no-duration", "EP-20", "a patch line does not say how long each patch stays on (repeat.duration)"),
    _ep("vehicle-flag-not-boolean", "EP-12", "a magistral preparation's excipient flag fr-is-vehicle is a string"),
    # the printed ordonnance (conformance/demo/eprescription_pdf.py)
    _ep("qr-other-number", "EP-25", "the QR code holds another prescription number than the one assigned"),
    _ep("number-not-printed", "EP-25", "the number is only in the QR code, not printed in clear"),
    _ep("no-qr-code", "EP-25", "the ordonnance is printed without its QR code"),
    # the exchanges with the service (conformance/demo/eprescription_client.py)
    _ep("refusal-swallowed", "EP-26", "a prescription the service refused is reported as registered"),
    _ep("cancel-not-sent", "EP-27", "cancelling only changes the DUI's own record, the service is not told"),
    # sharing the ordonnance (conformance/demo/eprescription_share.py): cross-socle, EP-23 (PRECONISATION)
    Defect(
        "ordonnance-dmp-wrong-type",
        "eprescription",
        "EP-23",
        "the ordonnance is shared (DMP feed, MSSanté) typed 57832-8 'Prescription de soins', not 57833-6",
        needs=("dmp",),
    ),
    Defect(
        "ordonnance-to-unqualified-patient",
        "eprescription",
        "EP-23",
        "the ordonnance is sent to the MSSanté address of a patient whose INS is not qualified",
        needs=("mssante",),
    ),
)


def _dmp(name: str, requirement: str, description: str) -> Defect:
    return Defect(name, "dmp", requirement, description)


DEFECTS += (
    # how each one changes the DUI: conformance/demo/dmp_switches.py
    _dmp("mtom-no-start-info", "DMP-T01", "multipart/related without the start-info parameter"),
    _dmp("dmp-wsa-action", "DMP-T02", "ITI-41 request sent with the ITI-42 wsa:Action"),
    _dmp("vihf-unsigned", "DMP-V02", "the VIHF assertion is sent unsigned"),
    _dmp("vihf-issuer-format", "DMP-V01", "the VIHF Issuer has no X509SubjectName Format"),
    _dmp("vihf-no-homologation", "DMP-V03", "the VIHF has no LPS_ID_HOMOLOGATION_DMP attribute"),
    _dmp("vihf-resource-urn", "DMP-V04", "Ressource_URN is not urn:dmp"),
    _dmp("vihf-sector-no-oid", "DMP-V05", "Secteur_Activite without its code system (SA17 instead of SA17^OID)"),
    _dmp("vihf-role-outside-j65", "DMP-V06", "the VIHF role uses a code system outside JDV_J65"),
    _dmp("vihf-break-glass", "DMP-V07", "a batch feed declares the purpose of use bris_de_glace"),
    _dmp("vihf-resource-nia", "DMP-V08", "the VIHF resource-id names the INS with another OID than the lot"),
    _dmp("vihf-other-key", "DMP-V02", "the VIHF carries the cachet certificate but is signed with another key"),
    _dmp("vihf-self-signed", "DMP-V02", "the VIHF is signed with a self-made certificate, outside the IGC-Santé"),
    _dmp("xds-no-source-id", "DMP-X01", "the SubmissionSet has no sourceId"),
    _dmp("xds-no-content-type", "DMP-X02", "the SubmissionSet has no contentTypeCode"),
    _dmp("xds-no-creation-time", "DMP-X03", "DocumentEntry without creationTime"),
    _dmp("xds-wrong-hash", "DMP-X04", "DocumentEntry hash is not the SHA-1 of the document sent"),
    _dmp("xds-class-code", "DMP-X06", "classCode outside JDV_J57 (CR)"),
    _dmp("xds-format-code", "DMP-X07", "a PDF N1 document declared with the text formatCode"),
    _dmp("xds-confidentiality", "DMP-X08", "five confidentialityCode values (1..4 allowed)"),
    _dmp("xds-author-oid", "DMP-X10", "authorPerson XCN with a wrong assigning authority"),
    _dmp("xds-no-has-member", "DMP-X12", "no HasMember association from the SubmissionSet"),
    _dmp("xds-no-signature", "DMP-S01", "the lot carries no signature DocumentEntry"),
    _dmp("xds-type-scheme-name", "DMP-X05", "typeCode codingScheme written 'LOINC' instead of its OID"),
    _dmp("xds-practice-scheme", "DMP-X09", "practiceSettingCode coded in the facility-type system (TRE_R02)"),
    # XAdES of the lot: DMP-S02 is a PRECONISATION, so these show as warnings (the run passes)
    _dmp(
        "xades-digest-reserialised",
        "DMP-S02",
        "the XAdES Manifest digests the CDA as re-serialised, not the bytes sent",
    ),
    _dmp("xades-no-signing-time", "DMP-S02", "the XAdES signed properties have no SigningTime"),
    _dmp("xds-title-differs", "DMP-C06", "the DocumentEntry title differs from the CDA title"),
    _dmp("xds-source-patient-type", "DMP-I06", "sourcePatientId typed NH instead of PI"),
    _dmp("cda-no-realm", "DMP-C02", "CDA without realmCode FR"),
    _dmp("cda-body-not-b64", "DMP-C04", "N1 PDF body declared with representation TXT instead of B64"),
    _dmp("cda-author-no-time", "DMP-C07", "CDA author without time"),
    _dmp("cda-custodian-root", "DMP-C08", "CDA custodian identified with the PS root instead of a structure"),
    _dmp("cda-dlu-no-participant", "DMP-C09", "DLU without the médecin traitant participant (INF/PCP)"),
    _dmp("cda-no-birthplace", "DMP-I03", "CDA patient without birthplace (INS trait)"),
    _dmp("cda-ins-wrong-key", "DMP-I02", "the CDA recordTarget INS has a wrong NIR key (metadata and VIHF are right)"),
    _dmp(
        "cda-ins-test-and-production",
        "DMP-I01",
        "the CDA recordTarget carries the test INS and the same NIR under the production OID",
    ),
    _dmp(
        "cda-ins-production-root",
        "DMP-C06",
        "the CDA names the INS under the production OID, the metadata patientId under the test OID",
    ),
    _dmp("dmp-feed-unqualified", "DMP-I04", "feeds the DMP of a resident whose identity is not qualified"),
    _dmp("dmp-failure-as-success", "DMP-R01", "reports a document as fed when the DMP answered Failure"),
    _dmp("dmp-no-td02", "DMP-R02", "feeds without checking first (TD0.2) that the patient's DMP exists and is active"),
    _dmp(
        "dmp-rplc-from-memory",
        "DMP-H03",
        "replaces a document with the entryUUID it remembers instead of looking it up in the DMP (no ITI-18)",
    ),
    _dmp("dmp-tls-any-issuer", "DMP-H01", "accepts any server certificate (no check of the CA or of the dates)"),
)


def defects_for(socle: str) -> list[Defect]:
    return [d for d in DEFECTS if d.socle == socle]


def find(name: str) -> Defect | None:
    return next((d for d in DEFECTS if d.name == name), None)
