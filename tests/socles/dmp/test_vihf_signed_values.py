"""VIHF values are read from what the signature covers (signxml's signed_xml), so a comment inside a
signed value neither shortens it nor passes for signature wrapping; SHA-1 warns, as the catalog says."""

from __future__ import annotations

import pytest
from lxml import etree
from signxml import methods
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from conformance.formats.pki import TestPKI
from conformance.model import CheckContext, Verdict
from conformance.socles.dmp.build.vihf import SAML, VihfInput, sign_assertion, unsigned_assertion

from .helpers import PATIENT
from .helpers import run as run_dmp

INS_CX = f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"


class LegacySigner(XMLSigner):
    """A signer as old LPS software has it: signxml refuses to sign with SHA-1 unless told otherwise."""

    def check_deprecated_methods(self) -> None:
        return None


def _verdicts(token: etree._Element, pki: TestPKI) -> dict[str, set[Verdict]]:
    ctx = CheckContext(patient=PATIENT, extra={"ca_bundle": str(pki.ca_bundle), "crl": str(pki.crl)})
    out: dict[str, set[Verdict]] = {}
    for f in run_dmp("vihf", etree.tostring(token), ctx, "vihf.xml"):
        out.setdefault(f.requirement, set()).add(f.verdict)
    return out


def _assertion(pki: TestPKI) -> etree._Element:
    return unsigned_assertion(VihfInput(structure_id="1990000001", resource_id=INS_CX), pki.certificate("signing_cert"))


def _value(a: etree._Element, text: str) -> etree._Element:
    return next(v for v in a.iter(f"{{{SAML}}}AttributeValue") if v.text == text)


@pytest.mark.requirements("DMP-V02", "DMP-V04", "DMP-V08")
def test_comment_inside_a_signed_value_changes_nothing(pki: TestPKI) -> None:
    a = _assertion(pki)
    urn, rid = _value(a, "urn:dmp"), _value(a, INS_CX)
    urn.text, rid.text = "urn:", INS_CX[:15]
    urn.append(etree.Comment("injected"))
    rid.append(etree.Comment("injected"))
    urn[-1].tail, rid[-1].tail = "dmp", INS_CX[15:]
    token = sign_assertion(a, pki.signing_key.read_bytes(), pki.signing_cert.read_bytes())
    assert b"urn:<!--injected-->dmp" in etree.tostring(token)
    verdicts = _verdicts(token, pki)
    assert verdicts["DMP-V02"] == {Verdict.PASS}  # not "wrapping": the signature covers these bytes, comment-free
    assert verdicts["DMP-V04"] == {Verdict.PASS} and verdicts["DMP-V08"] == {Verdict.PASS}  # whole values


@pytest.mark.requirements("DMP-V02")
def test_comment_does_not_hide_a_real_wrapping(pki: TestPKI) -> None:
    token = sign_assertion(_assertion(pki), pki.signing_key.read_bytes(), pki.signing_cert.read_bytes())
    _value(token, "urn:dmp").text = "urn:evil"  # changed after signing
    assert Verdict.FAIL in _verdicts(token, pki)["DMP-V02"]


@pytest.mark.requirements("DMP-V02")
def test_sha1_signature_warns_as_the_catalog_says(pki: TestPKI) -> None:
    signer = LegacySigner(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    token = sign_assertion(_assertion(pki), pki.signing_key.read_bytes(), pki.signing_cert.read_bytes(), signer)
    assert b"rsa-sha1" in etree.tostring(token)
    assert _verdicts(token, pki)["DMP-V02"] == {Verdict.WARN}  # verified, reported, not failed
