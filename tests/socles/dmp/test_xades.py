"""DMP-S02: the XAdES (IHE DSG detached) signature of the lot, built by build/xades.py and judged by
checks/xades.py. A good lot passes; each way of breaking it fails DMP-S02 at a named place."""

from __future__ import annotations

import base64
import datetime as dt
from copy import deepcopy

import pytest
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.signer import SignatureReference

from conformance.formats.pki import TestPKI
from conformance.levels import apply_levels
from conformance.model import CheckContext, Finding, Verdict
from conformance.socles.dmp.build.xades import MANIFEST_ID, DsgSigner, XadesFlaws, manifest, sign_lot

from . import helpers as b

DS = "http://www.w3.org/2000/09/xmldsig#"
XDSB = "urn:ihe:iti:xds-b:2007"
N = {"ds": DS}
CDA = b.to_bytes(b.cda_root())


def signed(pki: TestPKI, key: str = "signing_key", cert: str = "signing_cert", cda: bytes = CDA, **kw: object) -> bytes:
    return sign_lot(b.SS_UNIQUE, [(b.DOC_ROOT, cda)], pki.path(key).read_bytes(), pki.path(cert).read_bytes(), **kw)  # type: ignore[arg-type]


def lot(signature: bytes, cda: bytes = CDA) -> bytes:
    """The good ProvideAndRegisterDocumentSetRequest of the helpers, with this CDA and this signature part."""
    root = b.pnr_root(cda)
    part = root.find(f"{{{XDSB}}}Document[@id='Signature01']")
    assert part is not None
    part.text = base64.b64encode(signature).decode()
    return b.to_bytes(root)


def judge(data: bytes, pki: TestPKI | None, ctx: CheckContext | None = None) -> list[Finding]:
    """As a scenario judges a lot: the test PKI's anchors and CRL, captured now."""
    anchors = {"ca_bundle": str(pki.ca_bundle), "crl": str(pki.crl)} if pki else {}
    ctx = ctx or CheckContext(extra=anchors, at=dt.datetime.now(dt.UTC), at_source="capture")
    return [f for f in b.run("xds-metadata", data, ctx, "pnr.xml") if f.requirement == "DMP-S02"]


def failures(found: list[Finding]) -> str:
    assert found and all(f.requirement == "DMP-S02" for f in found)
    bad = [f for f in found if f.verdict is Verdict.FAIL]
    assert bad, [(f.verdict, f.message_en) for f in found]
    assert all(f.location.startswith("xdsb:Document[@id='Signature01']") for f in bad)
    assert all(f.message_fr and f.message_en != f.message_fr for f in bad)
    return " | ".join(f.message_en for f in bad)


def test_a_good_signed_lot_passes(pki: TestPKI) -> None:
    found = judge(lot(signed(pki)), pki)
    assert [f.verdict for f in found] == [Verdict.PASS], [f.message_en for f in found]
    assert "chained to a trust anchor and not revoked at the capture time" in found[0].message_en


def test_the_signature_has_the_dsg_shape(pki: TestPKI) -> None:
    sig = etree.fromstring(signed(pki))
    refs = sig.findall("ds:SignedInfo/ds:Reference", N)
    assert [r.get("Type") for r in refs] == [
        "http://www.w3.org/2000/09/xmldsig#Manifest",
        "http://uri.etsi.org/01903#SignedProperties",
        None,
    ]
    uris = [r.get("URI") for r in sig.iterfind("ds:Object/ds:Manifest/ds:Reference", N)]
    assert uris == [f"urn:oid:{b.SS_UNIQUE}", f"urn:oid:{b.DOC_ROOT}"]
    xades = {"xades": "http://uri.etsi.org/01903/v1.3.2#"}
    ssp = sig.find(".//xades:SignedSignatureProperties", xades)
    assert ssp is not None
    assert [etree.QName(c).localname for c in ssp] == ["SigningTime", "SigningCertificate", "SignaturePolicyIdentifier"]
    assert len(sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", N)) == 2  # the cachet and its CA


def test_artifact_mode_without_trust_anchor_says_so(pki: TestPKI) -> None:
    """A saved lot with no anchor: integrity is checked, the signer's trust is "not evaluated", never passed;
    without a capture time the reference is the SigningTime the signature states."""
    found = judge(lot(signed(pki)), None, CheckContext())
    assert [f.verdict for f in found] == [Verdict.NOT_APPLICABLE]
    assert "not evaluated" in found[0].message_en and "no trust anchor given" in found[0].message_en
    assert "stated by the artifact itself" in found[0].message_en


def test_a_revoked_signer_fails_only_with_the_crl(pki: TestPKI) -> None:
    """The test PKI's revoked certificate: untrusted with its CA's CRL, not evaluated without a CRL."""
    token = lot(signed(pki, key="revoked_key", cert="revoked_cert"))
    msg = failures(judge(token, pki))
    assert "is revoked" in msg
    no_crl = CheckContext(extra={"ca_bundle": str(pki.ca_bundle)}, at=dt.datetime.now(dt.UTC), at_source="capture")
    found = judge(token, pki, no_crl)
    assert [f.verdict for f in found] == [Verdict.NOT_APPLICABLE] and "no current CRL" in found[0].message_en


def test_tampered_document_bytes_fail(pki: TestPKI) -> None:
    tampered = CDA.replace(b"Fiche", b"Fichu", 1)
    assert tampered != CDA
    msg = failures(judge(lot(signed(pki), cda=tampered), pki))
    assert "Manifest digest of DocumentEntry Document01" in msg and "not the digest of the document sent" in msg


def test_digest_of_the_reserialised_document_fails(pki: TestPKI) -> None:
    msg = failures(judge(lot(signed(pki, flaws=XadesFlaws(manifest_digest_of="reserialised"))), pki))
    assert "Manifest digest of DocumentEntry Document01" in msg


def test_missing_manifest_references_fail(pki: TestPKI) -> None:
    msg = failures(judge(lot(signed(pki, flaws=XadesFlaws(lot_reference=False))), pki))
    assert f"no Reference URI='urn:oid:{b.SS_UNIQUE}' for the SubmissionSet" in msg
    bare = sign_lot(b.SS_UNIQUE, [], pki.signing_key.read_bytes(), pki.signing_cert.read_bytes())
    msg = failures(judge(lot(bare), pki))
    assert f"no Reference URI='urn:oid:{b.DOC_ROOT}' for DocumentEntry Document01" in msg


def test_a_reference_to_a_foreign_document_fails(pki: TestPKI) -> None:
    extra = sign_lot(
        b.SS_UNIQUE,
        [(b.DOC_ROOT, CDA), ("1.2.250.1.999.9", b"x")],
        pki.signing_key.read_bytes(),
        pki.signing_cert.read_bytes(),
    )
    assert "neither the lot nor one of its documents" in failures(judge(lot(extra), pki))


@pytest.mark.parametrize(
    ("key", "cert"),
    [("rogue_key", "rogue_cert"), ("rogue_key", "signing_cert")],
    ids=["certificate-outside-the-pki", "key-not-the-certificate-s"],
)
def test_signature_outside_the_test_pki_fails(pki: TestPKI, key: str, cert: str) -> None:
    msg = failures(judge(lot(signed(pki, key=key, cert=cert)), pki))
    assert "XAdES signature not valid" in msg or "no valid chain to the trust anchors" in msg


def test_missing_signing_time_fails(pki: TestPKI) -> None:
    msg = failures(judge(lot(signed(pki, flaws=XadesFlaws(signing_time=False))), pki))
    assert "xades:SigningTime is missing" in msg


def test_signing_time_in_the_future_fails(pki: TestPKI) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert "later than the capture time" in failures(judge(lot(signed(pki, when=later)), pki))


def test_signature_wrapping_is_not_fooled(pki: TestPKI) -> None:
    """The signed Manifest is left intact (so the XML signature verifies) and an unsigned one, with the
    digest of tampered bytes, is put first: only the signed one counts, and the extra one is reported."""
    tampered = CDA.replace(b"Fiche", b"Fichu", 1)
    sig = etree.fromstring(signed(pki))
    forged = manifest(b.SS_UNIQUE, [(b.DOC_ROOT, tampered)])
    forged.set("Id", "IHEManifest-forged")
    holder = etree.Element(f"{{{DS}}}Object")
    holder.append(forged)
    sig.find("ds:KeyInfo", N).addnext(holder)  # type: ignore[union-attr]
    msg = failures(judge(lot(etree.tostring(sig), cda=tampered), pki))
    assert "is not covered by the signature (signature wrapping)" in msg
    assert "Manifest digest of DocumentEntry Document01" in msg


def test_a_duplicated_manifest_id_is_refused(pki: TestPKI) -> None:
    sig = etree.fromstring(signed(pki))
    copy = deepcopy(sig.find("ds:Object/ds:Manifest", N))
    holder = etree.SubElement(sig, f"{{{DS}}}Object")
    holder.append(copy)  # type: ignore[arg-type]
    assert "XAdES signature not valid" in failures(judge(lot(etree.tostring(sig)), pki))


def test_xxe_in_the_signature_part_fails_without_reading_anything(pki: TestPKI) -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE ds:Signature [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">&xxe;</ds:Signature>'
    )
    msg = failures(judge(lot(hostile), pki))
    assert "signature part unreadable" in msg and "XXE" in msg


def test_the_placeholder_signature_fails(pki: TestPKI) -> None:
    assert "the signer cannot be identified" in failures(judge(b.to_bytes(b.pnr_root()), pki))


def test_sha1_is_a_warning_only(pki: TestPKI) -> None:
    """The DMP's algorithms are UNSURE (S7 uses SHA-1): SHA-1 warns explicitly and fails nothing."""
    el = manifest(b.SS_UNIQUE, [(b.DOC_ROOT, CDA)])
    signer = DsgSigner(el, dt.datetime.now(dt.UTC), XadesFlaws())
    signer.sign_alg, signer.digest_alg = SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA1
    chain = pki.signing_cert.read_text()
    sig = signer.sign(
        el,
        key=pki.signing_key.read_bytes(),
        cert=chain,
        reference_uri=[SignatureReference(URI=f"#{MANIFEST_ID}")],
        always_add_key_value=False,
    )
    found = judge(lot(etree.tostring(sig)), pki)
    assert {f.verdict for f in found} == {Verdict.WARN}, [f.message_en for f in found]
    assert "SHA-1" in found[0].message_en and "unsure" in found[0].message_en


def test_no_signature_entry_is_not_applicable_here(pki: TestPKI) -> None:
    root = b.pnr_root()
    objects = root.find(".//{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}RegistryObjectList")
    assert objects is not None
    for el in objects.findall("{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}ExtrinsicObject[@id='Signature01']"):
        objects.remove(el)
    found = judge(b.to_bytes(root), pki)
    assert [f.verdict for f in found] == [Verdict.NOT_APPLICABLE] and "DMP-S01" in found[0].message_en


def test_the_engine_shows_the_preconisation_as_a_warning(pki: TestPKI) -> None:
    s02 = apply_levels(judge(lot(signed(pki, flaws=XadesFlaws(signing_time=False))), pki))
    assert s02 and {f.verdict for f in s02} == {Verdict.WARN}
    assert any("SigningTime is missing" in f.message_en and "PRECONISATION" in f.message_en for f in s02)
