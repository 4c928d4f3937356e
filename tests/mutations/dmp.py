"""DMP mutations: the demo's ITI-41 request (MTOM, SOAP, VIHF, XDS metadata), its CDA and VIHF alone,
its searches and retrievals (ITI-18, ITI-43). Each is one mistake a DUI vendor could ship.

A metadata mutation leaves the documents and the lot's XAdES signature intact; a VIHF mutation
re-signs the token with the structure's cachet, as a DUI that builds a wrong token still signs it.
CDA content mutations are made on the CDA alone (inside a request they would also change its hash).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from conformance.formats.ebrim import RIM, SAML, SOAP12, WSA, WSSE, XDSB, XOP
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.vihf import foreign_signer, sign_assertion
from conformance.socles.dmp.mtom import parse_mtom

from .helpers import Base, Kit, base, captured, first_entry, mutation, xml_edit

DS = "http://www.w3.org/2000/09/xmldsig#"
HL7 = "urn:hl7-org:v3"
N = {"rim": RIM, "s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML, "ds": DS, "xdsb": XDSB, "xop": XOP, "h": HL7}
# the CDA's DocumentEntry (the lot's signature entry, also text/xml, is classed "Digital Signature")
DOC = "//rim:ExtrinsicObject[not(rim:Classification[@nodeRepresentation='urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1'])]"
SS = "//rim:RegistryPackage[@id='SubmissionSet01']"
ASSERTION = "s:Header/wsse:Security/saml:Assertion"
SCHEMES = {
    "class": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "type": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
    "format": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "confidentiality": "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
    "facility": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practice": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "author": "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
    "content": "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500",
    "ss_author": "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d",
}
OTHER_INS = "279035121518989"  # a valid test NIR of another (synthetic) person


# -- bases --------------------------------------------------------------------------------------------------


def _request(evidence: Path, scenario: str, transaction: str, file: str) -> Base:
    e = first_entry(evidence, "dmp-request", scenario, transaction=transaction)
    data = (evidence / e["path"]).read_bytes()
    return Base(file, file, data, captured(e), str(e["meta"].get("content_type") or ""))


@base("iti41")
def iti41(evidence: Path, kit: Kit) -> Base:
    return _request(evidence, "test_feed.py::test_feed_n1_document", "ITI-41", "iti41-request.mime")


@base("iti18")
def iti18(evidence: Path, kit: Kit) -> Base:
    return _request(evidence, "test_consult.py::test_find_what_was_fed", "ITI-18", "iti18-request.xml")


@base("iti43")
def iti43(evidence: Path, kit: Kit) -> Base:
    return _request(evidence, "test_consult.py::test_retrieve_what_was_fed", "ITI-43", "iti43-request.mime")


def _feed(b: Base) -> tuple[etree._Element, dict[str, bytes], dict[str, str]]:
    msg = parse_mtom(b.content_type, b.data)
    cids = {
        d.get("id", ""): (d.find(f"{{{XOP}}}Include").get("href", "")[4:])  # type: ignore[union-attr]
        for d in msg.envelope.iter(f"{{{XDSB}}}Document")
    }
    return msg.envelope, dict(msg.parts), cids


@base("cda")
def cda(evidence: Path, kit: Kit) -> Base:
    """The CDA document of the demo's N1 feed, as a file."""
    feed = kit.bases["iti41"]
    env, parts, cids = _feed(feed)
    doc_id = env.xpath(DOC, namespaces=N)[0].get("id")
    return Base("cda", "document.xml", parts[cids[doc_id]], feed.at)


@base("vihf")
def vihf(evidence: Path, kit: Kit) -> Base:
    """The VIHF token of the demo's N1 feed, as a file."""
    feed = kit.bases["iti41"]
    env, _, _ = _feed(feed)
    return Base("vihf", "vihf.xml", etree.tostring(env.find(ASSERTION, N)), feed.at)


# -- editing -----------------------------------------------------------------------------------------------

Edit = Callable[[etree._Element], None]


def feed(b: Base, edit: Edit | None = None, ctype: Callable[[str], str] | None = None) -> Base:
    """The ITI-41 request with its envelope edited (documents and XAdES untouched), re-framed in MTOM."""
    env, parts, _ = _feed(b)
    if edit is not None:
        edit(env)
    content_type, body = mtom_request(etree.tostring(env), parts)
    return b.with_data(body, ctype(content_type) if ctype else content_type)


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=N)
    assert found, path
    el: etree._Element = found[0]
    return el


def set_text(path: str, value: str) -> Edit:
    def edit(root: etree._Element) -> None:
        first(root, path).text = value

    return edit


def set_attr(path: str, attr: str, value: str) -> Edit:
    def edit(root: etree._Element) -> None:
        first(root, path).set(attr, value)

    return edit


def drop(path: str) -> Edit:
    def edit(root: etree._Element) -> None:
        for el in root.xpath(path, namespaces=N):
            el.getparent().remove(el)

    return edit


def slot(owner: str, name: str) -> str:
    return f"{owner}/rim:Slot[@name='{name}']/rim:ValueList/rim:Value"


def coded(scheme: str, owner: str = DOC) -> str:
    return f"{owner}/rim:Classification[@classificationScheme='{SCHEMES[scheme]}']"


def signed_token(
    kit: Kit, token: etree._Element, edit: Edit, signer: str = "structure", cert: str = "signing_cert"
) -> etree._Element:
    """A VIHF token edited, then signed again: with the structure's cachet unless told (`signer`
    "self-signed" for a certificate outside the IGC-Santé, `cert` "revoked_cert" for the revoked one)."""
    for sig in token.findall("ds:Signature", N):
        token.remove(sig)
    edit(token)
    key_pem = kit.pki.path("revoked_key" if cert == "revoked_cert" else "signing_key").read_bytes()
    key_pem, cert_pem = foreign_signer(signer, key_pem, kit.pki.path(cert).read_bytes())
    return sign_assertion(token, key_pem, cert_pem)


def resign(kit: Kit, edit: Edit, **kw: str) -> Edit:
    """Edit the VIHF of an envelope and sign it again (see `signed_token`)."""

    def apply(root: etree._Element) -> None:
        token = first(root, ASSERTION)
        parent = token.getparent()
        signed = signed_token(kit, token, edit, **kw)
        if signed is not token:
            parent.replace(token, signed)

    return apply


def attribute(name: str) -> str:
    return f"saml:AttributeStatement/saml:Attribute[@Name='{name}']/saml:AttributeValue"


def iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def register_feed(
    rid: str, name: str, description: str, edit: Edit | None = None, ctype: Callable[[str], str] | None = None
) -> None:
    mutation("iti41", rid, name, description)(lambda b, kit: feed(b, edit, ctype))


def register_vihf(rid: str, name: str, description: str, edit: Edit, **kw: str) -> None:
    mutation("iti41", rid, name, description)(lambda b, kit: feed(b, resign(kit, edit, **kw)))


def register_cda(rid: str, name: str, description: str, edit: Edit) -> None:
    mutation("cda", rid, name, description)(lambda b, kit: b.with_data(xml_edit(b.data, edit)))


# -- transport and SOAP (DMP-T01, DMP-T02) -------------------------------------------------------------------------

FEED_MUTATIONS: list[tuple[Any, ...]] = [
    (
        "DMP-T01",
        "mtom-no-start-info",
        'Content-Type without start-info="application/soap+xml"',
        None,
        lambda c: c.replace('; start-info="application/soap+xml"', ""),
    ),
    (
        "DMP-T01",
        "mtom-type-text-xml",
        'multipart/related declared with type="text/xml" (SOAP 1.1 habit)',
        None,
        lambda c: c.replace('type="application/xop+xml"', 'type="text/xml"'),
    ),
    (
        "DMP-T02",
        "wsa-action-register",
        "wsa:Action of ITI-42 (RegisterDocumentSet-b) instead of ITI-41",
        set_text("s:Header/wsa:Action", "urn:ihe:iti:2007:RegisterDocumentSet-b"),
    ),
    (
        "DMP-T02",
        "wsa-message-id-plain",
        "wsa:MessageID without the urn:uuid: prefix",
        set_text("s:Header/wsa:MessageID", "bbed3ea9-b89f-46f4-ab2f-1295c703a6c2"),
    ),
    (
        "DMP-X04",
        "xds-size-off-by-one",
        "DocumentEntry size one byte short (size of the CDA without its final newline)",
        lambda r: set_text(slot(DOC, "size"), str(int(first(r, slot(DOC, "size")).text or 0) - 1))(r),
    ),
    (
        "DMP-X04",
        "xds-hash-of-pdf",
        "hash of the PDF body instead of the CDA document",
        lambda r: set_text(slot(DOC, "hash"), _pdf_hash(r))(r),
    ),
    (
        "DMP-C06",
        "xds-creation-time-local",
        "creationTime in local time (+1 h), not UTC",
        lambda r: set_text(slot(DOC, "creationTime"), _shift(first(r, slot(DOC, "creationTime")).text or "", 1))(r),
    ),
    (
        "DMP-X13",
        "xds-submission-time-future",
        "submissionTime a day in the future",
        lambda r: set_text(slot(SS, "submissionTime"), _shift(first(r, slot(SS, "submissionTime")).text or "", 24))(r),
    ),
    (
        "DMP-I06",
        "xds-pid7-other-date",
        "sourcePatientInfo PID-7 is not the CDA birthTime",
        set_text(slot(DOC, "sourcePatientInfo") + "[starts-with(., 'PID-7')]", "PID-7|19380421"),
    ),
    (
        "DMP-I06",
        "xds-source-patient-id-ins",
        "sourcePatientId is the IPP typed NH instead of PI",
        lambda r: set_text(
            slot(DOC, "sourcePatientId"), (first(r, slot(DOC, "sourcePatientId")).text or "").replace("^PI", "^NH")
        )(r),
    ),
    (
        "DMP-X08",
        "xds-confidentiality-word",
        "confidentialityCode NORMAL instead of N",
        set_attr(coded("confidentiality"), "nodeRepresentation", "NORMAL"),
    ),
    (
        "DMP-X09",
        "xds-facility-type",
        "healthcareFacilityTypeCode SA99 (not in J61/J02)",
        set_attr(coded("facility"), "nodeRepresentation", "SA99"),
    ),
    (
        "DMP-X05",
        "xds-type-code",
        "typeCode outside J07 (a local code)",
        set_attr(coded("type"), "nodeRepresentation", "EHPAD-SUIVI"),
    ),
    (
        "DMP-X10",
        "xds-author-institution",
        "authorInstitution without the IDNST identifier type",
        lambda r: set_text(
            coded("author") + "/rim:Slot[@name='authorInstitution']/rim:ValueList/rim:Value",
            "TEST EHPAD ESSAI^^^^^&1.2.250.1.71.4.2.2&ISO^^^^1990000001",
        )(r),
    ),
    (
        "DMP-X10",
        "xds-legal-authenticator",
        "legalAuthenticator without its assigning authority",
        set_text(slot(DOC, "legalAuthenticator"), "810000000006^SOIGNANT-ESSAI^Claire^^^^^^^D^^^IDNPS"),
    ),
    (
        "DMP-X02",
        "xds-content-type-code",
        "contentTypeCode outside J59 (a local code)",
        set_attr(coded("content", SS), "nodeRepresentation", "HEBERGEMENT"),
    ),
    (
        "DMP-X01",
        "xds-no-submission-time",
        "SubmissionSet without submissionTime",
        drop(f"{SS}/rim:Slot[@name='submissionTime']"),
    ),
    (
        "DMP-X01",
        "xds-source-id-not-oid",
        "sourceId is the software name, not an OID",
        set_attr(
            f"{SS}/rim:ExternalIdentifier[@identificationScheme='urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832']",
            "value",
            "DUI-DEMO",
        ),
    ),
    (
        "DMP-X03",
        "xds-no-language",
        "DocumentEntry without languageCode",
        drop(f"{DOC}/rim:Slot[@name='languageCode']"),
    ),
    (
        "DMP-X06",
        "xds-class-code",
        "classCode 99 (not in J57)",
        set_attr(coded("class"), "nodeRepresentation", "99"),
    ),
    (
        "DMP-X07",
        "xds-format-code",
        "formatCode of a text document for a PDF N1 CDA",
        set_attr(coded("format"), "nodeRepresentation", "urn:ihe:iti:xds-sd:text:2008"),
    ),
    (
        "DMP-X11",
        "xds-author-specialty",
        "authorSpecialty as a bare code (no display, no OID)",
        set_text(coded("author") + "/rim:Slot[@name='authorSpecialty']/rim:ValueList/rim:Value", "G15_60"),
    ),
    (
        "DMP-X12",
        "xds-no-has-member",
        "no HasMember association for the document",
        drop(
            f"//rim:Association[@associationType='urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember'][@targetObject={DOC}/@id]"
        ),
    ),
    (
        "DMP-X14",
        "xds-mime-type-pdf",
        "the CDA declared application/pdf (the mimeType of its PDF body)",
        set_attr(DOC, "mimeType", "application/pdf"),
    ),
    (
        "DMP-C06",
        "xds-title-differs",
        "DocumentEntry title not the CDA title",
        set_attr(f"{DOC}/rim:Name/rim:LocalizedString", "value", "Compte rendu"),
    ),
    (
        "DMP-C06",
        "xds-confidentiality-differs",
        "confidentialityCode R in the metadata, N in the CDA",
        set_attr(coded("confidentiality"), "nodeRepresentation", "R"),
    ),
    (
        "DMP-S01",
        "xds-no-signs-association",
        "the signature entry is not linked to the lot (no signs association)",
        drop("//rim:Association[@associationType='urn:ihe:iti:2007:AssociationType:signs']"),
    ),
    (
        "DMP-T02",
        "wsa-no-reply-to",
        "no wsa:ReplyTo header",
        drop("s:Header/wsa:ReplyTo"),
    ),
    (
        "DMP-X03",
        "xds-no-title",
        "DocumentEntry without a title (rim:Name)",
        drop(f"{DOC}/rim:Name"),
    ),
]
for _row in FEED_MUTATIONS:
    register_feed(*_row)


# -- VIHF in the request (DMP-V01..V10), re-signed -----------------------------------------------------------------


def _later_issue(hours: int) -> Edit:
    def edit(a: etree._Element) -> None:
        t = dt.datetime.fromisoformat(a.get("IssueInstant", "").replace("Z", "+00:00")) - dt.timedelta(hours=hours)
        a.set("IssueInstant", iso(t))

    return edit


def _window(before: int, after: int) -> Edit:
    """Conditions relative to IssueInstant (hours)."""

    def edit(a: etree._Element) -> None:
        issued = dt.datetime.fromisoformat(a.get("IssueInstant", "").replace("Z", "+00:00"))
        cond = first(a, "saml:Conditions")
        cond.set("NotBefore", iso(issued + dt.timedelta(hours=before)))
        cond.set("NotOnOrAfter", iso(issued + dt.timedelta(hours=after)))

    return edit


VIHF_MUTATIONS: list[tuple[Any, ...]] = [
    (
        "DMP-V01",
        "vihf-issuer-no-format",
        "Issuer without Format X509SubjectName",
        lambda a: first(a, "saml:Issuer").attrib.pop("Format"),
    ),
    (
        "DMP-V02",
        "vihf-self-signed",
        "token signed with a self-made certificate of the same name (outside IGC-Santé)",
        lambda a: None,
        {"signer": "self-signed"},
    ),
    (
        "DMP-V02",
        "vihf-revoked-signer",
        "token signed with a revoked certificate (listed in its CA's CRL)",
        set_text("saml:Issuer", "CN=localhost,OU=TEST SERV SSL REVOQUE,O=TEST OPERATEUR MSSANTE ESSAI,C=FR"),
        {"cert": "revoked_cert"},
    ),
    (
        "DMP-V03",
        "vihf-no-homologation",
        "no LPS_ID_HOMOLOGATION_DMP attribute",
        drop("saml:AttributeStatement/saml:Attribute[@Name='LPS_ID_HOMOLOGATION_DMP']"),
    ),
    (
        "DMP-V03",
        "vihf-empty-structure",
        "Identifiant_Structure present but empty",
        set_text(attribute("Identifiant_Structure"), ""),
    ),
    (
        "DMP-V04",
        "vihf-resource-urn",
        "Ressource_URN urn:dmp:feed instead of urn:dmp",
        set_text(attribute("Ressource_URN"), "urn:dmp:feed"),
    ),
    (
        "DMP-V04",
        "vihf-mode-lowercase",
        "Authentification_Mode written in lower case",
        set_text(attribute("Authentification_Mode"), "indirecte"),
    ),
    (
        "DMP-V05",
        "vihf-sector-no-oid",
        "Secteur_Activite without its code system (SA17)",
        set_text(attribute("Secteur_Activite"), "SA17"),
    ),
    (
        "DMP-V06",
        "vihf-role-system",
        "subject:role coded in a local code system",
        set_attr(attribute("urn:oasis:names:tc:xacml:2.0:subject:role") + "/*", "codeSystem", "1.2.250.1.999.1"),
    ),
    (
        "DMP-V07",
        "vihf-purpose-code",
        "purposeofuse code outside TRE_R248 (urgence)",
        set_attr(attribute("urn:oasis:names:tc:xspa:1.0:subject:purposeofuse") + "/*", "code", "urgence"),
    ),
    (
        "DMP-V08",
        "vihf-other-patient",
        "resource-id names another patient than the lot",
        set_text(
            attribute("urn:oasis:names:tc:xacml:2.0:resource:resource-id"),
            f"{OTHER_INS}^^^&1.2.250.1.213.1.4.10&ISO^NH",
        ),
    ),
    (
        "DMP-V09",
        "vihf-cached-token",
        "a token issued 2 h before the call (cached and reused), still inside its window",
        _later_issue(2),
    ),
    (
        "DMP-V10",
        "vihf-expired-at-issue",
        "NotOnOrAfter before IssueInstant (validity computed backwards)",
        _window(-8, -1),
    ),
    (
        "DMP-V01",
        "vihf-no-authn-statement",
        "no AuthnStatement in the token",
        drop("saml:AuthnStatement"),
    ),
    (
        "DMP-V09",
        "vihf-version-2",
        "VIHF_Version 2.0",
        set_text(attribute("VIHF_Version"), "2.0"),
    ),
    (
        "DMP-V10",
        "vihf-window-reversed",
        "NotBefore after NotOnOrAfter",
        _window(1, 0),
    ),
]
for _row in VIHF_MUTATIONS:
    register_vihf(*_row[:4], **(_row[4] if len(_row) > 4 else {}))


@mutation("iti41", "DMP-V02", "vihf-edited-after-signing", "an attribute changed after the token was signed")
def vihf_edited_after_signing(b: Base, kit: Kit) -> Base:
    return feed(b, set_text(ASSERTION + "/" + attribute("LPS_Version"), "9.9"))


# -- XDS metadata (issue 12: each of these passed in a saved request) --------------------------------------------


def _pdf_hash(root: etree._Element) -> str:
    """What a DUI that hashes the PDF it wrapped (not the CDA it sends) writes in the hash slot."""
    import hashlib

    return hashlib.sha1(b"%PDF-1.4 the PDF the DUI wrapped").hexdigest()


def _shift(dtm: str, hours: int) -> str:
    t = dt.datetime.strptime(dtm[:14].ljust(14, "0"), "%Y%m%d%H%M%S") + dt.timedelta(hours=hours)
    return t.strftime("%Y%m%d%H%M%S")[: len(dtm)]


# -- the CDA alone ---------------------------------------------------------------------------------------------------

PATIENT = "h:recordTarget/h:patientRole/h:patient"
CDA_MUTATIONS: list[tuple[Any, ...]] = [
    (
        "DMP-C04",
        "cda-media-type",
        "nonXMLBody mediaType text/pdf",
        set_attr("h:component/h:nonXMLBody/h:text", "mediaType", "text/pdf"),
    ),
    (
        "DMP-C04",
        "cda-representation",
        "nonXMLBody representation TXT for base64 content",
        set_attr("h:component/h:nonXMLBody/h:text", "representation", "TXT"),
    ),
    (
        "DMP-C07",
        "cda-author-org-root",
        "author organization identified by a FINESS root instead of the national structure id",
        set_attr("h:author/h:assignedAuthor/h:representedOrganization/h:id", "root", "1.2.250.1.71.4.2.9"),
    ),
    (
        "DMP-C08",
        "cda-custodian-root",
        "custodian identified under a local OID",
        set_attr(
            "h:custodian/h:assignedCustodian/h:representedCustodianOrganization/h:id",
            "root",
            "1.2.250.1.999.1.1.7898.9",
        ),
    ),
    (
        "DMP-I01",
        "cda-ins-c",
        "recordTarget INS under the retired INS-C root",
        set_attr("h:recordTarget/h:patientRole/h:id[1]", "root", "1.2.250.1.213.1.4.2"),
    ),
    (
        "DMP-I02",
        "cda-nir-key",
        "INS with a wrong NIR key (digits transposed in the key)",
        set_attr("h:recordTarget/h:patientRole/h:id[1]", "extension", "238047505612349"),
    ),
    (
        "DMP-I05",
        "cda-birth-name-lowercase",
        "birth name written in mixed case",
        lambda r: set_text(
            f"{PATIENT}/h:name/h:family[@qualifier='BR']",
            (first(r, f"{PATIENT}/h:name/h:family[@qualifier='BR']").text or "").title(),
        )(r),
    ),
    (
        "DMP-C10",
        "cda-effective-time-future",
        "effectiveTime a year in the future (wrong year typed)",
        lambda r: set_attr(
            "h:effectiveTime",
            "value",
            str(int((first(r, "h:effectiveTime").get("value") or "")[:4]) + 1)
            + (first(r, "h:effectiveTime").get("value") or "")[4:],
        )(r),
    ),
    (
        "DMP-C11",
        "cda-no-offset",
        "effectiveTime without its UTC offset",
        lambda r: set_attr("h:effectiveTime", "value", (first(r, "h:effectiveTime").get("value") or "")[:14])(r),
    ),
    (
        "DMP-I07",
        "cda-birth-year-differs",
        "birthTime of another year than the INS matricule says",
        set_attr(f"{PATIENT}/h:birthTime", "value", "19390412"),
    ),
    (
        "DMP-I07",
        "cda-sex-differs",
        "administrativeGenderCode M with a matricule of a woman",
        set_attr(f"{PATIENT}/h:administrativeGenderCode", "code", "M"),
    ),
    (
        "DMP-C02",
        "cda-code-not-j07",
        "document code outside J07 (a local code)",
        set_attr("h:code", "code", "SUIVI-EHPAD"),
    ),
    (
        "DMP-C02",
        "cda-no-realm-code",
        "no realmCode FR",
        drop("h:realmCode"),
    ),
    (
        "DMP-C02",
        "cda-no-language",
        "no languageCode",
        drop("h:languageCode"),
    ),
    (
        "DMP-C02",
        "cda-no-version-number",
        "no versionNumber",
        drop("h:versionNumber"),
    ),
    (
        "DMP-C07",
        "cda-author-no-time",
        "author without time",
        drop("h:author/h:time"),
    ),
    (
        "DMP-I03",
        "cda-no-birthplace",
        "INS traits without the birthplace COG",
        drop(f"{PATIENT}/h:birthplace"),
    ),
]
for _row in CDA_MUTATIONS:
    register_cda(*_row)


# -- the VIHF alone ----------------------------------------------------------------------------------------------


@mutation("vihf", "DMP-V03", "token-no-lps-version", "a saved token without LPS_Version")
def token_no_lps_version(b: Base, kit: Kit) -> Base:
    token = etree.fromstring(b.data)
    signed = signed_token(kit, token, drop("saml:AttributeStatement/saml:Attribute[@Name='LPS_Version']"))
    return b.with_data(etree.tostring(signed))


@mutation("vihf", "DMP-V02", "token-tampered", "a saved token whose subject-id was edited after signing")
def token_tampered(b: Base, kit: Kit) -> Base:
    return b.with_data(xml_edit(b.data, set_text(attribute("urn:oasis:names:tc:xspa:1.0:subject:subject-id"), "AUTRE")))


# -- searches and retrievals (DMP-H04) ------------------------------------------------------------------------------


def consult(b: Base, edit: Edit) -> Base:
    if b.content_type.lower().startswith("multipart/"):
        msg = parse_mtom(b.content_type, b.data)
        edit(msg.envelope)
        ctype, body = mtom_request(
            etree.tostring(msg.envelope), dict(msg.parts), action="urn:ihe:iti:2007:RetrieveDocumentSet"
        )
        return b.with_data(body, ctype)
    return b.with_data(xml_edit(b.data, edit))


mutation("iti18", "DMP-H04", "iti18-action", "ITI-18 sent with the ITI-41 wsa:Action")(
    lambda b, kit: consult(b, set_text("s:Header/wsa:Action", "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"))
)
mutation("iti18", "DMP-H04", "iti18-reply-to", "ITI-18 with a non-anonymous wsa:ReplyTo")(
    lambda b, kit: consult(b, set_text("s:Header/wsa:ReplyTo/wsa:Address", "https://dui.example/callback"))
)
mutation("iti43", "DMP-H04", "iti43-unsigned-vihf", "ITI-43 whose VIHF lost its signature")(
    lambda b, kit: consult(b, drop(ASSERTION + "/ds:Signature"))
)
mutation("iti18", "DMP-V09", "iti18-vihf-version", "the search's VIHF says VIHF_Version 1.0")(
    lambda b, kit: consult(b, resign(kit, set_text(attribute("VIHF_Version"), "1.0")))
)
