"""The XAdES signature of a DMP lot de soumission (IHE DSG detached signature, DMP-S02).

What specs/dmp.md §1.4 (S7, the C# sample, and IHE DSG) says the signature part of the lot carries:
a `ds:Signature` whose `ds:Object` holds a `ds:Manifest Id="IHEManifest"` with one `ds:Reference`
`URI="urn:oid:<SubmissionSet.uniqueId>"` and one `URI="urn:oid:<DocumentEntry.uniqueId>"` per document
(digest of the document bytes as sent); SignedInfo references the Manifest
(`Type="http://www.w3.org/2000/09/xmldsig#Manifest"`) and the XAdES SignedProperties
(`Type="http://uri.etsi.org/01903#SignedProperties"`); SignedSignatureProperties carry SigningTime,
SigningCertificate (certificate digest and issuer/serial, for the whole chain) and
SignaturePolicyImplied. The commitment "Source" (1.2.840.10065.1.12.1.14, S7's purposeOfSignature)
is a CommitmentTypeIndication of the signed properties.

The cryptography is signxml's (`XAdESSigner`, detached method): this module only shapes the DSG
structure around it. Algorithms: RSA-SHA256, SHA-256, Canonical XML 1.1 (the DMP's choice is UNSURE:
S7 uses SHA-1). S7 puts a placeholder digest (one 0x00 byte) on the lot reference: so does this
builder, since a SubmissionSet has no byte form to digest. `XadesFlaws` switches one departure each
for the seeded defects and the check's tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from base64 import b64encode
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import methods
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.signer import SignatureReference
from signxml.util import add_pem_header
from signxml.xades import XAdESDataObjectFormat, XAdESSigner

from conformance.formats.xmlsafe import parse_xml

from .vihf import private_key

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
MANIFEST_TYPE = "http://www.w3.org/2000/09/xmldsig#Manifest"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
MANIFEST_ID = "IHEManifest"
PURPOSE_SOURCE = "1.2.840.10065.1.12.1.14"  # ASTM E1762 "Source" (eventCodeList of the signature entry)
LOT_PLACEHOLDER = b"\x00"  # S7: the lot reference digest is computed over one 0x00 byte


@dataclass(frozen=True)
class XadesFlaws:
    manifest_digest_of: str = "sent-bytes"  # "sent-bytes" | "reserialised" (the document before its XML declaration)
    lot_reference: bool = True  # the Manifest references urn:oid:<SubmissionSet.uniqueId>
    signing_time: bool = True  # SignedSignatureProperties/SigningTime


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def _xades(tag: str) -> str:
    return f"{{{XADES}}}{tag}"


def _pem_certs(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


def _digested(data: bytes, flaws: XadesFlaws) -> bytes:
    if flaws.manifest_digest_of == "reserialised":  # the DOM the DUI signed, not the bytes it sent
        return etree.tostring(parse_xml(data))
    return data


def manifest(lot_unique: str, documents: list[tuple[str, bytes]], flaws: XadesFlaws = XadesFlaws()) -> etree._Element:
    """ds:Manifest with one Reference per object of the lot, SHA-256 over the bytes (no Transforms).

    The element declares the ds and xades namespaces it will have in scope inside the signature, so
    that its canonical form is the same where signxml digests it and where it is finally placed.
    """
    el = etree.Element(_ds("Manifest"), {"Id": MANIFEST_ID}, nsmap={"ds": DS, "xades": XADES})
    refs = ([(lot_unique, LOT_PLACEHOLDER)] if flaws.lot_reference else []) + [
        (uid, _digested(data, flaws)) for uid, data in documents
    ]
    for uid, data in refs:
        ref = etree.SubElement(el, _ds("Reference"), URI=f"urn:oid:{uid}")
        etree.SubElement(ref, _ds("DigestMethod"), Algorithm=DigestAlgorithm.SHA256.value)
        etree.SubElement(ref, _ds("DigestValue")).text = b64encode(hashlib.sha256(data).digest()).decode()
    return el


class DsgSigner(XAdESSigner):
    """signxml's XAdES signer, shaped as an IHE DSG detached (manifest) signature."""

    def __init__(self, manifest_el: etree._Element, when: dt.datetime, flaws: XadesFlaws) -> None:
        super().__init__(
            method=methods.detached,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            data_object_format=XAdESDataObjectFormat("IHE DSG manifest of the DMP lot de soumission", "text/xml"),
        )
        self.manifest_el, self.when, self.flaws = manifest_el, when, flaws
        self.signed_data_object_properties_annotators.append(self.add_commitment)
        self.signature_annotators.append(self.place_manifest)

    def add_signing_time(self, signed_signature_properties: Any, sig_root: Any, signing_settings: Any) -> None:
        if self.flaws.signing_time:
            etree.SubElement(signed_signature_properties, _xades("SigningTime")).text = self.when.astimezone(
                dt.UTC
            ).strftime("%Y-%m-%dT%H:%M:%SZ")

    def add_signing_certificate(self, signed_signature_properties: Any, sig_root: Any, signing_settings: Any) -> None:
        """XAdES 1.3.2 SigningCertificate: digest plus issuer and serial of each certificate of the chain."""
        holder = etree.SubElement(signed_signature_properties, _xades("SigningCertificate"))
        for cert in signing_settings.cert_chain or []:
            loaded = (
                cert if isinstance(cert, x509.Certificate) else x509.load_pem_x509_certificate(add_pem_header(cert))
            )
            node = etree.SubElement(holder, _xades("Cert"))
            digest = etree.SubElement(node, _xades("CertDigest"))
            etree.SubElement(digest, _ds("DigestMethod"), Algorithm=DigestAlgorithm.SHA256.value)
            etree.SubElement(digest, _ds("DigestValue")).text = b64encode(
                hashlib.sha256(loaded.public_bytes(Encoding.DER)).digest()
            ).decode()
            serial = etree.SubElement(node, _xades("IssuerSerial"))
            etree.SubElement(serial, _ds("X509IssuerName")).text = loaded.issuer.rfc4514_string()
            etree.SubElement(serial, _ds("X509SerialNumber")).text = str(loaded.serial_number)

    def add_signature_policy_identifier(
        self, signed_signature_properties: Any, sig_root: Any, signing_settings: Any
    ) -> None:
        policy = etree.SubElement(signed_signature_properties, _xades("SignaturePolicyIdentifier"))
        etree.SubElement(policy, _xades("SignaturePolicyImplied"))

    def add_commitment(self, signed_data_object_properties: Any, sig_root: Any, signing_settings: Any) -> None:
        indication = etree.SubElement(signed_data_object_properties, _xades("CommitmentTypeIndication"))
        type_id = etree.SubElement(indication, _xades("CommitmentTypeId"))
        etree.SubElement(type_id, _xades("Identifier")).text = f"urn:oid:{PURPOSE_SOURCE}"
        etree.SubElement(type_id, _xades("Description")).text = "Source"
        etree.SubElement(indication, _xades("AllSignedDataObjects"))

    def place_manifest(self, sig_root: Any, signing_settings: Any) -> None:
        """Put the Manifest signxml digested in a ds:Object of the signature and type its Reference."""
        for ref in sig_root.iterfind(f"{_ds('SignedInfo')}/{_ds('Reference')}"):
            if ref.get("URI") == f"#{MANIFEST_ID}":
                ref.set("Type", MANIFEST_TYPE)
        etree.SubElement(sig_root, _ds("Object")).append(self.manifest_el)


def sign_lot(
    lot_unique: str,
    documents: list[tuple[str, bytes]],
    key_pem: bytes,
    cert_pem: bytes,
    *,
    when: dt.datetime | None = None,
    flaws: XadesFlaws = XadesFlaws(),
) -> bytes:
    """The signature part of the lot: `documents` are (DocumentEntry.uniqueId, bytes sent) pairs;
    `cert_pem` is the signing certificate, optionally followed by its chain (all go in KeyInfo)."""
    when = when or dt.datetime.now(dt.UTC)
    el = manifest(lot_unique, documents, flaws)
    signer = DsgSigner(el, when, flaws)
    chain = [c.public_bytes(Encoding.PEM).decode() for c in _pem_certs(cert_pem)]
    signature: etree._Element = signer.sign(
        el,
        key=private_key(key_pem),
        cert=chain,
        reference_uri=[SignatureReference(URI=f"#{MANIFEST_ID}")],
        always_add_key_value=False,
    )
    return etree.tostring(signature, xml_declaration=True, encoding="UTF-8")
