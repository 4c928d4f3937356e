"""Build a signed VIHF (SAML 2.0 assertion) as the ANS "Mapping VIHF pour le DMP" table describes it.

The DUI feeds in batch, so the assertion follows the automated-feed template of specs/dmp.md §1.3:
role AUTOMATE, Authentification_Mode INDIRECTE, purpose of use "normal", sector SA41/SA17. The
signature is an enveloped XML-DSig over `#ID` (exc-c14n, RSA-SHA256) made by signxml with the
structure's certificate; its subject DN becomes the Issuer, as the mapping requires.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from conformance.formats.ebrim import SAML

DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
HL7 = "urn:hl7-org:v3"
X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
AC_UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"


@dataclass
class VihfInput:
    """What the DUI knows when it builds the token: structure, software, patient, user."""

    structure_id: str  # Struct_IdNat, e.g. "1" + FINESS
    sector: str = "SA17^1.2.250.1.71.4.2.4"
    subject_id: str = "DUI-CONFORMANCE DEMO, EHPAD"
    name_id: str = "DUI-DEMO-AUTOMATE"
    role_code: str = "AUTOMATE"
    role_system: str = "1.2.250.1.213.1.1.4.6"
    purpose: str = "normal"
    mode: str = "INDIRECTE"
    version: str = "3.0"
    resource_id: str = ""  # INS as CX
    resource_urn: str = "urn:dmp"
    lps_name: str = "DUI-CONFORMANCE-DEMO"
    lps_version: str = "1.0"
    lps_homologation: str = "HARNESS-DEMO-0001"
    issue_instant: dt.datetime | None = None
    validity: dt.timedelta = dt.timedelta(hours=8)
    issuer_format: bool = True  # Issuer/@Format X509SubjectName
    omit: frozenset[str] = field(default_factory=frozenset)  # attribute names left out (defects, tests)
    # who really signs (DMP-V02 defects): "other-key" | "self-signed" (see foreign_signer); "revoked" is chosen
    # by the reference DUI (reference/feed.py), which signs with the test PKI's revoked certificate
    signer: str = "structure"


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attr(stmt: etree._Element, name: str, value: str | etree._Element) -> None:
    a = etree.SubElement(stmt, f"{{{SAML}}}Attribute", Name=name)
    v = etree.SubElement(a, f"{{{SAML}}}AttributeValue")
    if isinstance(value, str):
        v.text = value
    else:
        v.append(value)


def _coded(tag: str, code: str, system: str) -> etree._Element:
    el = etree.Element(f"{{{HL7}}}{tag}", nsmap={"hl7": HL7, "xsi": XSI})
    el.set(f"{{{XSI}}}type", "CE")
    el.set("code", code)
    el.set("codeSystem", system)
    return el


def rfc4514_issuer(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def unsigned_assertion(inp: VihfInput, cert: x509.Certificate) -> etree._Element:
    now = inp.issue_instant or dt.datetime.now(dt.UTC)
    root = etree.Element(
        f"{{{SAML}}}Assertion",
        nsmap={"saml": SAML, "xsi": XSI},
        ID=f"_{uuid.uuid4().hex}",
        IssueInstant=_iso(now),
        Version="2.0",
    )
    issuer = (
        etree.SubElement(root, f"{{{SAML}}}Issuer", Format=X509_SUBJECT)
        if inp.issuer_format
        else (etree.SubElement(root, f"{{{SAML}}}Issuer"))
    )
    issuer.text = rfc4514_issuer(cert)
    subject = etree.SubElement(root, f"{{{SAML}}}Subject")
    etree.SubElement(subject, f"{{{SAML}}}NameID").text = inp.name_id
    etree.SubElement(root, f"{{{SAML}}}Conditions", NotBefore=_iso(now), NotOnOrAfter=_iso(now + inp.validity))
    authn = etree.SubElement(root, f"{{{SAML}}}AuthnStatement", AuthnInstant=_iso(now))
    ctx = etree.SubElement(authn, f"{{{SAML}}}AuthnContext")
    etree.SubElement(ctx, f"{{{SAML}}}AuthnContextClassRef").text = AC_UNSPECIFIED
    stmt = etree.SubElement(root, f"{{{SAML}}}AttributeStatement")
    values: list[tuple[str, str | etree._Element]] = [
        ("Identifiant_Structure", inp.structure_id),
        ("Secteur_Activite", inp.sector),
        ("urn:oasis:names:tc:xspa:1.0:subject:subject-id", inp.subject_id),
        ("urn:oasis:names:tc:xacml:2.0:subject:role", _coded("Role", inp.role_code, inp.role_system)),
        ("VIHF_Version", inp.version),
        ("Authentification_Mode", inp.mode),
        ("urn:oasis:names:tc:xacml:2.0:resource:resource-id", inp.resource_id),
        ("Ressource_URN", inp.resource_urn),
        (
            "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
            _coded("PurposeOfUse", inp.purpose, "1.2.250.1.213.1.1.4.248"),
        ),
        ("LPS_Nom", inp.lps_name),
        ("LPS_Version", inp.lps_version),
        ("LPS_ID_HOMOLOGATION_DMP", inp.lps_homologation),
    ]
    for name, value in values:
        if name not in inp.omit:
            _attr(stmt, name, value)
    return root


@functools.lru_cache(maxsize=8)
def private_key(pem: bytes) -> Any:
    """The loaded key, once per PEM: loading an RSA key checks it (about 50 ms), signing takes 2 ms."""
    return serialization.load_pem_private_key(pem, password=None)


def sign_assertion(assertion: etree._Element, key_pem: bytes, cert_pem: bytes) -> etree._Element:
    """Enveloped XML-DSig over the assertion's ID, placed after Issuer as SAML requires."""
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer.namespaces = {"ds": DS}
    issuer = assertion.find(f"{{{SAML}}}Issuer")
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    if issuer is not None:
        issuer.addnext(placeholder)
    leaf = cert_pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
    signed: etree._Element = signer.sign(
        assertion,
        key=private_key(key_pem),
        cert=leaf.decode(),
        reference_uri="#" + assertion.get("ID", ""),
        id_attribute="ID",
    )
    return signed


@functools.lru_cache(maxsize=1)
def _stray_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def foreign_signer(signer: str, key_pem: bytes, cert_pem: bytes) -> tuple[bytes, bytes]:
    """(key, certificate) a faulty DUI signs with: "other-key" keeps the structure's certificate but signs
    with another key; "self-signed" signs with a self-made certificate of the same subject (outside the
    IGC-Santé). Anything else: the structure's own pair."""
    if signer not in ("other-key", "self-signed"):
        return key_pem, cert_pem
    key = _stray_key()
    stray = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if signer == "other-key":
        return stray, cert_pem
    subject = x509.load_pem_x509_certificate(cert_pem).subject
    now = dt.datetime.now(dt.UTC)
    made = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return stray, made.public_bytes(serialization.Encoding.PEM)


def signed_vihf(inp: VihfInput, key_pem: bytes, cert_pem: bytes) -> etree._Element:
    key_pem, cert_pem = foreign_signer(inp.signer, key_pem, cert_pem)
    cert = x509.load_pem_x509_certificate(cert_pem)
    return sign_assertion(unsigned_assertion(inp, cert), key_pem, cert_pem)


def key_bytes(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
