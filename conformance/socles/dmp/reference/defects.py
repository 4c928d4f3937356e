"""The seeded DMP defects of the reference DUI: `--dui demo:<name>` turns on exactly one.

Each row is one realistic mistake and the one place it is named: name, the requirement it must fail
(and nothing else: tests/test_sensitivity.py), what it does, and the `DmpFlaws` it turns on in the DMP
part (see `switches`). DMP-S02 and DMP-R02 are PRECONISATIONS: their defects show as warnings and the
run passes.
"""

from __future__ import annotations

import datetime as dt

from conformance.identities import patient
from conformance.socle import Defect, defect_row
from conformance.socles.dmp.build.cda import CdaFlaws
from conformance.socles.dmp.build.xades import XadesFlaws
from conformance.socles.dmp.build.xds import XdsFlaws
from conformance.socles.dmp.reference.client import DmpTls
from conformance.socles.dmp.reference.switches import DmpFlaws, Lapse

_dmp = defect_row("dmp")
SECOND = patient("resident-second")


DEFECTS: tuple[Defect, ...] = (
    # transport and SOAP
    _dmp(
        "mtom-no-start-info",
        "DMP-T01",
        "multipart/related without the start-info parameter",
        DmpFlaws(mtom_start_info=False),
    ),
    _dmp(
        "dmp-wsa-action",
        "DMP-T02",
        "ITI-41 request sent with the ITI-42 wsa:Action",
        DmpFlaws(xds=XdsFlaws(wsa_action="urn:ihe:iti:2007:RegisterDocumentSet-b")),
    ),
    _dmp("vihf-unsigned", "DMP-V02", "the VIHF assertion is sent unsigned", DmpFlaws(vihf_signed=False)),
    _dmp(
        "vihf-issuer-format",
        "DMP-V01",
        "the VIHF Issuer has no X509SubjectName Format",
        DmpFlaws(vihf={"issuer_format": False}),
    ),
    _dmp(
        "vihf-no-homologation",
        "DMP-V03",
        "the VIHF has no LPS_ID_HOMOLOGATION_DMP attribute",
        DmpFlaws(vihf={"omit": frozenset({"LPS_ID_HOMOLOGATION_DMP"})}),
    ),
    _dmp(
        "vihf-resource-urn",
        "DMP-V04",
        "Ressource_URN is not urn:dmp",
        DmpFlaws(vihf={"resource_urn": "urn:dmp:alimentation"}),
    ),
    _dmp(
        "vihf-sector-no-oid",
        "DMP-V05",
        "Secteur_Activite without its code system (SA17 instead of SA17^OID)",
        DmpFlaws(vihf={"sector": "SA17"}),
    ),
    _dmp(
        "vihf-role-outside-j65",
        "DMP-V06",
        "the VIHF role uses a code system outside JDV_J65",
        DmpFlaws(vihf={"role_system": "1.2.250.1.213.1.1.4.5"}),
    ),
    _dmp(
        "vihf-break-glass",
        "DMP-V07",
        "a batch feed declares the purpose of use bris_de_glace",
        DmpFlaws(vihf={"purpose": "bris_de_glace"}),
    ),
    _dmp(
        "vihf-resource-nia",
        "DMP-V08",
        "the VIHF resource-id names the INS with another OID than the lot",
        DmpFlaws(vihf={"resource_oid": "1.2.250.1.213.1.4.11"}),
    ),
    _dmp(
        "vihf-other-key",
        "DMP-V02",
        "the VIHF carries the cachet certificate but is signed with another key",
        DmpFlaws(vihf={"signer": "other-key"}),
    ),
    _dmp(
        "vihf-self-signed",
        "DMP-V02",
        "the VIHF is signed with a self-made certificate, outside the IGC-Santé",
        DmpFlaws(vihf={"signer": "self-signed"}),
    ),
    _dmp(
        "vihf-revoked-signer",
        "DMP-V02",
        "the VIHF is signed with a certificate its CA has revoked (not renewed after revocation)",
        DmpFlaws(vihf={"signer": "revoked"}),
    ),
    _dmp(
        "vihf-expired-signer",
        "DMP-V02",
        "the VIHF is signed with a certificate past its validity (the cachet was not renewed)",
        DmpFlaws(vihf={"signer": "expired"}),
    ),
    _dmp(
        "vihf-direct-without-cps",
        "DMP-V04",
        "declares Authentification_Mode DIRECTE (CPS card) for an unattended feed authenticated by no card",
        DmpFlaws(vihf={"mode": "DIRECTE"}),
    ),
    _dmp(
        "vihf-previous-patient",
        "DMP-V08",
        "reuses the VIHF built for another resident (resource-id of resident-second) for the next patient",
        DmpFlaws(vihf={"resource_id": f"{SECOND['ins']}^^^&{SECOND['ins_oid']}&ISO^NH"}),
    ),
    _dmp(
        "vihf-reused-after-expiry",
        "DMP-V10",
        "caches its VIHF and keeps sending it 9 hours later, after its NotOnOrAfter (8 h)",
        DmpFlaws(vihf={"issued_ago": dt.timedelta(hours=9)}),
    ),
    _dmp("xds-no-source-id", "DMP-X01", "the SubmissionSet has no sourceId", DmpFlaws(xds=XdsFlaws(source_id=False))),
    _dmp(
        "xds-no-content-type",
        "DMP-X02",
        "the SubmissionSet has no contentTypeCode",
        DmpFlaws(xds=XdsFlaws(content_type=False)),
    ),
    _dmp(
        "xds-no-creation-time",
        "DMP-X03",
        "DocumentEntry without creationTime",
        DmpFlaws(xds=XdsFlaws(creation_time=False)),
    ),
    _dmp(
        "xds-wrong-hash",
        "DMP-X04",
        "DocumentEntry hash is not the SHA-1 of the document sent",
        DmpFlaws(xds=XdsFlaws(hash_of_document=False)),
    ),
    _dmp("xds-class-code", "DMP-X06", "classCode outside JDV_J57 (CR)", DmpFlaws(xds=XdsFlaws(class_code="CR"))),
    _dmp(
        "xds-format-code",
        "DMP-X07",
        "a PDF N1 document declared with the text formatCode",
        DmpFlaws(xds=XdsFlaws(format_code="urn:ihe:iti:xds-sd:text:2008")),
    ),
    _dmp(
        "xds-confidentiality",
        "DMP-X08",
        "five confidentialityCode values (1..4 allowed)",
        DmpFlaws(xds=XdsFlaws(extra_confidentiality=4)),
    ),
    _dmp(
        "xds-author-oid",
        "DMP-X10",
        "authorPerson XCN with a wrong assigning authority",
        DmpFlaws(xds=XdsFlaws(author_oid="1.2.250.1.71.4.2.9")),
    ),
    _dmp(
        "xds-no-has-member",
        "DMP-X12",
        "no HasMember association from the SubmissionSet",
        DmpFlaws(xds=XdsFlaws(has_member=False)),
    ),
    _dmp(
        "xds-no-signature",
        "DMP-S01",
        "the lot carries no signature DocumentEntry",
        DmpFlaws(xds=XdsFlaws(signature_entry=False)),
    ),
    _dmp(
        "xds-type-scheme-name",
        "DMP-X05",
        "typeCode codingScheme written 'LOINC' instead of its OID",
        DmpFlaws(xds=XdsFlaws(type_scheme="LOINC")),
    ),
    _dmp(
        "xds-practice-scheme",
        "DMP-X09",
        "practiceSettingCode coded in the facility-type system (TRE_R02)",
        DmpFlaws(xds=XdsFlaws(practice_scheme="1.2.250.1.71.4.2.4")),
    ),
    # XAdES of the lot: DMP-S02 is a PRECONISATION, so these show as warnings (the run passes)
    _dmp(
        "xades-digest-reserialised",
        "DMP-S02",
        "the XAdES Manifest digests the CDA as re-serialised, not the bytes sent",
        DmpFlaws(xds=XdsFlaws(xades=XadesFlaws(manifest_digest_of="reserialised"))),
    ),
    _dmp(
        "xades-no-signing-time",
        "DMP-S02",
        "the XAdES signed properties have no SigningTime",
        DmpFlaws(xds=XdsFlaws(xades=XadesFlaws(signing_time=False))),
    ),
    _dmp(
        "xds-title-differs",
        "DMP-C06",
        "the DocumentEntry title differs from the CDA title",
        DmpFlaws(xds=XdsFlaws(title_from_cda=False)),
    ),
    _dmp(
        "xds-source-patient-type",
        "DMP-I06",
        "sourcePatientId typed NH instead of PI",
        DmpFlaws(xds=XdsFlaws(source_patient_type="NH")),
    ),
    _dmp("cda-no-realm", "DMP-C02", "CDA without realmCode FR", DmpFlaws(cda=CdaFlaws(realm=False))),
    _dmp(
        "cda-body-not-b64",
        "DMP-C04",
        "N1 PDF body declared with representation TXT instead of B64",
        DmpFlaws(cda=CdaFlaws(representation="TXT")),
    ),
    _dmp("cda-author-no-time", "DMP-C07", "CDA author without time", DmpFlaws(cda=CdaFlaws(author_time=False))),
    _dmp(
        "cda-custodian-root",
        "DMP-C08",
        "CDA custodian identified with the PS root instead of a structure",
        DmpFlaws(cda=CdaFlaws(custodian_root="1.2.250.1.71.4.2.1")),
    ),
    _dmp(
        "cda-dlu-no-participant",
        "DMP-C09",
        "DLU without the médecin traitant participant (INF/PCP)",
        DmpFlaws(cda=CdaFlaws(dlu_participant=False)),
    ),
    _dmp(
        "cda-no-birthplace",
        "DMP-I03",
        "CDA patient without birthplace (INS trait)",
        DmpFlaws(cda=CdaFlaws(birthplace=False)),
    ),
    _dmp(
        "cda-ins-wrong-key",
        "DMP-I02",
        "the CDA recordTarget INS has a wrong NIR key (metadata and VIHF are right)",
        DmpFlaws(cda=CdaFlaws(ins_key_offset=1)),
    ),
    _dmp(
        "cda-ins-test-and-production",
        "DMP-I01",
        "the CDA recordTarget carries the test INS and the same NIR under the production OID",
        DmpFlaws(cda=CdaFlaws(extra_ins_root="1.2.250.1.213.1.4.8")),
    ),
    _dmp(
        "cda-ins-production-root",
        "DMP-C06",
        "the CDA names the INS under the production OID, the metadata patientId under the test OID",
        DmpFlaws(cda=CdaFlaws(ins_root="1.2.250.1.213.1.4.8")),
    ),
    _dmp(
        "dmp-feed-unqualified",
        "DMP-I04",
        "feeds the DMP of a resident whose identity is not qualified",
        DmpFlaws(lapse=Lapse.FEEDS_UNQUALIFIED),
    ),
    _dmp(
        "dmp-failure-as-success",
        "DMP-R01",
        "reports a document as fed when the DMP answered Failure",
        DmpFlaws(lapse=Lapse.REPORTS_FAILURE_AS_SUCCESS),
    ),
    _dmp(
        "dmp-no-td02",
        "DMP-R02",
        "feeds without checking first (TD0.2) that the patient's DMP exists and is active",
        DmpFlaws(lapse=Lapse.SKIPS_TD02),
    ),
    _dmp(
        "dmp-rplc-from-memory",
        "DMP-H03",
        "replaces a document with the entryUUID it remembers instead of looking it up in the DMP (no ITI-18)",
        DmpFlaws(lapse=Lapse.REPLACES_FROM_MEMORY),
    ),
    # added with the rules of issue 12
    _dmp(
        "vihf-validity-backwards",
        "DMP-V10",
        "the VIHF's NotOnOrAfter is computed backwards: an hour before its IssueInstant",
        DmpFlaws(vihf={"validity": dt.timedelta(hours=-1)}),
    ),
    _dmp(
        "cda-signed-tomorrow",
        "DMP-C10",
        "legalAuthenticator/time a day in the future (the signing date typed as tomorrow)",
        DmpFlaws(cda=CdaFlaws(legal_time_shift=dt.timedelta(days=1))),
    ),
    _dmp(
        "xds-submission-local-time",
        "DMP-X13",
        "submissionTime written in local time as if it were UTC (two hours ahead in summer)",
        DmpFlaws(xds=XdsFlaws(submission_shift=dt.timedelta(hours=2))),
    ),
    _dmp(
        "xds-mime-self-presentable",
        "DMP-X14",
        "a plain CDA declared application/xslt+xml (the self-presentable mimeType)",
        DmpFlaws(xds=XdsFlaws(mime_type="application/xslt+xml")),
    ),
    _dmp(
        "record-birth-date-typo",
        "DMP-I07",
        "the DUI's record has a typo in the birth date (May for April): CDA and metadata say it, not the INS",
        DmpFlaws(record={"birth_date": "1938-05-12"}),
    ),
    _dmp(
        "dmp-tls-any-issuer",
        "DMP-H01",
        "accepts any server certificate (no check of the CA or of the dates)",
        DmpFlaws(tls=DmpTls(any_issuer=True, ignore_dates=True)),
    ),
)
