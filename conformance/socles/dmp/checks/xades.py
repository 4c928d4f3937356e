"""The XAdES signature of the lot de soumission (DMP-S02), on the "xds-metadata" artifact.

Input: the ITI-41 request with its MTOM parts resolved (`artifact.meta["documents"]`, as the mock
DMP records them), or a ProvideAndRegisterDocumentSetRequest with inline parts. The part of the
signature DocumentEntry (DMP-S01 says which one it is) must be an IHE DSG detached signature
(specs/dmp.md §1.4, S7): a `ds:Signature` verified by signxml's XAdES verifier against the
certificate it carries, its signer judged apart (a chain to the anchors the context gives, with
revocation, at the capture time: `vihf.judge_signer_trust`; not evaluated without anchors), whose
signed `ds:Manifest` references
`urn:oid:<SubmissionSet.uniqueId>` and `urn:oid:<uniqueId>` of every document with the digest of
the bytes sent, and whose signed properties carry SigningTime and SigningCertificate.

Only what the signature covers is read (signxml's `signed_xml` of each reference): a Manifest or
SignedProperties placed beside the signed ones (signature wrapping) is reported, never used. The
lot reference digest is not compared (S7 sets a placeholder there: a SubmissionSet has no bytes).
The algorithms the DMP wants are UNSURE (S7 uses SHA-1): SHA-1 gives a warning, not a failure.
The requirement is a PRECONISATION, so the engine shows every failure here as a warning.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.algorithms import digest_algorithm_implementations as DIGESTS
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from conformance.formats.trust import TRUSTED
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .clock import CLOCK_SKEW, parse_time, reference_time
from .collector import Collector
from .vihf import DS, carried_certificate, judge_signer_trust
from .xds_model import DE_IDS, SS_IDS, XdsMetadata, is_signature
from .xpaths import where

R = "DMP-S02"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
N = {"ds": DS, "xades": XADES}
MANIFEST_TYPE = "http://www.w3.org/2000/09/xmldsig#Manifest"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
# every asymmetric method and digest signxml knows: SHA-1 is judged here (a warning), not refused by signxml
CONFIG = XAdESSignatureConfiguration(
    expect_references=True,
    signature_methods=frozenset(m for m in SignatureMethod if not m.name.startswith("HMAC")),
    digest_algorithms=frozenset(DigestAlgorithm),
)
C14N = {m.value: m for m in CanonicalizationMethod}


@dataclass(frozen=True)
class LotObject:
    """One object the Manifest must reference: the lot (no bytes) or a document entry."""

    uri: str
    label: str  # "the SubmissionSet" or "DocumentEntry <id>"
    data: bytes | None  # None: the lot, or a document part not resolved here


def _loc(sig_id: str, *steps: str) -> str:
    return "/".join([f"xdsb:Document[@id='{sig_id}']", "ds:Signature", *steps])


@check("xds-metadata", "dmp", R)
def check_xades(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    if len(md.submission_sets) != 1:
        return [M.not_applicable(R, "xades.no-submission-set", "/")]
    sigs = [e for e in md.entries if is_signature(e)]
    if len(sigs) != 1:
        return [M.not_applicable(R, "xades.signature-count", where(md.request), count=len(sigs))]
    sig = sigs[0]
    part = md.documents.get(sig.id)
    if part is None or part.data is None:
        return [M.not_applicable(R, "xades.part-unavailable", f"xdsb:Document[@id='{sig.id}']", id=sig.id)]
    out = Collector()
    objects = [LotObject(f"urn:oid:{md.submission_sets[0].ext(SS_IDS['uniqueId']) or ''}", "the SubmissionSet", None)]
    for entry in md.entries:
        if entry is not sig:
            doc = md.documents.get(entry.id)
            objects.append(
                LotObject(
                    f"urn:oid:{entry.ext(DE_IDS['uniqueId']) or ''}",
                    f"DocumentEntry {entry.id}",
                    doc.data if doc is not None else None,
                )
            )
    judge_signature(part.data, sig.id, objects, ctx, out)
    return out.finish()


def judge_signature(data: bytes, sig_id: str, objects: list[LotObject], ctx: CheckContext, out: Collector) -> None:
    """Every DMP-S02 sub-rule on the bytes of the signature part."""
    base = _loc(sig_id)
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        out.fail(R, M.text("xades.unreadable", reason=exc), base)
        return
    if root.tag != f"{{{DS}}}Signature":
        out.fail(R, M.text("xades.not-signature", root=root.tag), f"xdsb:Document[@id='{sig_id}']")
        return
    _algorithms(root, sig_id, out)
    certs = [c.text or "" for c in root.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", N)]
    if not certs:
        out.fail(R, M.text("xades.no-certificate"), _loc(sig_id, "ds:KeyInfo"))
        return
    try:
        carried = [carried_certificate(c) for c in certs]
    except ValueError as exc:
        out.fail(R, M.text("xades.certificate-unreadable", reason=exc), _loc(sig_id, "ds:KeyInfo"))
        return
    try:
        results = XAdESVerifier().verify(etree.tostring(root), expect_config=CONFIG, x509_cert=carried[0])
    except Exception as exc:  # noqa: BLE001  any refusal of a hostile or broken signature is a finding, never a crash
        out.fail(R, M.text("xades.invalid", reason=exc), base)
        return
    signed_info = root.findall("ds:SignedInfo/ds:Reference", N)
    manifests = []
    for ref, result in zip(signed_info, results, strict=False):
        signed = result.signed_xml
        if signed is None:
            continue
        if signed.tag == f"{{{DS}}}Manifest":
            manifests.append(signed)
            if ref.get("Type") != MANIFEST_TYPE:
                out.fail(
                    R,
                    M.text("xades.manifest-type", type=ref.get("Type"), expected=MANIFEST_TYPE),
                    _loc(sig_id, "ds:SignedInfo"),
                )
        elif signed.tag == f"{{{XADES}}}SignedProperties" and ref.get("Type") != SIGNED_PROPERTIES_TYPE:
            out.fail(
                R,
                M.text("xades.properties-type", type=ref.get("Type"), expected=SIGNED_PROPERTIES_TYPE),
                _loc(sig_id, "ds:SignedInfo"),
            )
    _wrapping(root, manifests, sig_id, out)
    if not manifests:
        out.fail(R, M.text("xades.no-manifest"), _loc(sig_id, "ds:SignedInfo"))
    else:
        _manifest(manifests, objects, sig_id, out)
    props = next((r for r in results if getattr(r, "signed_properties", None) is not None), None)
    signing_cert = _signing_certificate(carried, results)
    signed_props = props.signed_xml if props is not None else None
    stated = ""
    if signed_props is not None:
        stated = signed_props.findtext("xades:SignedSignatureProperties/xades:SigningTime", namespaces=N) or ""
    now, when = reference_time(ctx, stated.strip() or None)
    if signed_props is not None:
        _properties(signed_props, signing_cert, now, when, sig_id, out)
    signer = signing_cert or carried[0]
    if judge_signer_trust(R, signer, carried, ctx, now, when, base, out) == TRUSTED:
        out.cover(R, M.text("xades.ok", signer=signer.subject.rfc4514_string(), when=when), base)


def _algorithms(root: etree._Element, sig_id: str, out: Collector) -> None:
    """Which algorithms the DMP requires is UNSURE (S7 uses SHA-1): SHA-1 warns explicitly."""
    used = {el.get("Algorithm", "") for el in root.iter(f"{{{DS}}}SignatureMethod", f"{{{DS}}}DigestMethod")}
    weak = sorted(a for a in used if "sha1" in a.lower())
    if weak:
        out.warn(R, M.text("xades.sha1", algorithms=weak), _loc(sig_id, "ds:SignedInfo"))


def _exclusive(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True)


def _wrapping(root: etree._Element, signed: list[etree._Element], sig_id: str, out: Collector) -> None:
    covered = {_exclusive(m) for m in signed}
    for i, manifest in enumerate(root.iter(f"{{{DS}}}Manifest"), 1):
        if _exclusive(manifest) not in covered:
            out.fail(
                R,
                M.text("xades.manifest-wrapped", index=i, id=manifest.get("Id")),
                _loc(sig_id, f"ds:Object/ds:Manifest[{i}]"),
            )
    props = list(root.iter(f"{{{XADES}}}SignedProperties"))
    if len(props) > 1:
        out.fail(
            R, M.text("xades.properties-count", count=len(props)), _loc(sig_id, "ds:Object/xades:QualifyingProperties")
        )


def _digest(data: bytes, ref: etree._Element) -> tuple[bytes | None, str]:
    """(digest of `data` as `ref` says to compute it, problem)."""
    algo = ref.find("ds:DigestMethod", N)
    uri = algo.get("Algorithm", "") if algo is not None else ""
    try:
        method = DigestAlgorithm(uri)
    except ValueError:
        return None, f"unsupported DigestMethod {uri!r}"
    transforms = [t.get("Algorithm", "") for t in ref.iterfind("ds:Transforms/ds:Transform", N)]
    if transforms:
        if len(transforms) != 1 or transforms[0] not in C14N:
            return None, f"Transforms {transforms} are not one canonicalisation"
        c14n = C14N[transforms[0]].value
        try:
            tree = parse_xml(data).getroottree()
        except XmlRefused as exc:
            return None, f"the document cannot be canonicalised: {exc}"
        data = etree.tostring(
            tree, method="c14n", exclusive="xml-exc-c14n" in c14n, with_comments=c14n.endswith("#WithComments")
        )
    h = hashes.Hash(DIGESTS[method]())
    h.update(data)
    return h.finalize(), ""


def _manifest(manifests: list[etree._Element], objects: list[LotObject], sig_id: str, out: Collector) -> None:
    refs = [r for m in manifests for r in m.iterfind("ds:Reference", N)]
    by_uri: dict[str, list[etree._Element]] = {}
    for ref in refs:
        by_uri.setdefault(ref.get("URI", ""), []).append(ref)
    wanted = {o.uri for o in objects}
    for uri in sorted(set(by_uri) - wanted):
        out.fail(
            R,
            M.text("xades.unknown-reference", uri=uri),
            _loc(sig_id, f"ds:Object/ds:Manifest/ds:Reference[@URI='{uri}']"),
        )
    for obj in objects:
        loc = _loc(sig_id, f"ds:Object/ds:Manifest/ds:Reference[@URI='{obj.uri}']")
        found = by_uri.get(obj.uri, [])
        if not found:
            out.fail(R, M.text("xades.no-reference", uri=obj.uri, label=obj.label), loc)
            continue
        if len(found) > 1:
            out.fail(R, M.text("xades.references-count", count=len(found), uri=obj.uri), loc)
        if obj.data is None:
            continue  # the lot's digest is a placeholder (S7); an unresolved part is DMP-X04's business
        digest, problem = _digest(obj.data, found[0])
        if digest is None:
            out.fail(R, M.text("xades.digest-unverifiable", label=obj.label, problem=problem), loc)
            continue
        given = "".join((found[0].findtext("ds:DigestValue", namespaces=N) or "").split())
        if given != _b64(digest):
            out.fail(R, M.text("xades.digest-differs", label=obj.label, given=given, digest=_b64(digest)), loc)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _signing_certificate(carried: list[x509.Certificate], results: list[Any]) -> x509.Certificate | None:
    key = results[0].signature_key if results else None
    for cert in carried:
        if cert.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo) == key:
            return cert
    return carried[0] if carried else None


def _dn(value: str) -> list[str]:
    """A distinguished name as sorted `type=value` parts (RFC 4514 or X.500 order, spaces ignored)."""
    parts, cur, escaped = [], "", False
    for ch in value:
        if escaped:
            cur, escaped = cur + ch, False
        elif ch == "\\":
            cur, escaped = cur + ch, True
        elif ch in ",+":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return sorted("=".join(s.strip() for s in p.split("=", 1)).upper() for p in parts if p.strip())


def _properties(
    props: etree._Element, cert: x509.Certificate | None, now: dt.datetime, when: Text, sig_id: str, out: Collector
) -> None:
    ssp = props.find("xades:SignedSignatureProperties", N)
    loc = _loc(sig_id, "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties")
    if ssp is None:
        out.fail(R, M.text("xades.no-signature-properties"), loc)
        return
    when_text = (ssp.findtext("xades:SigningTime", namespaces=N) or "").strip()
    signed_at = parse_time(when_text)
    if not when_text:
        out.fail(R, M.text("xades.no-signing-time"), loc + "/xades:SigningTime")
    elif signed_at is None:
        out.fail(R, M.text("xades.signing-time-form", value=when_text), loc + "/xades:SigningTime")
    elif signed_at - now > CLOCK_SKEW:
        out.fail(R, M.text("xades.signing-time-late", value=when_text, when=when), loc + "/xades:SigningTime")
    first_cert = ssp.find("xades:SigningCertificate/xades:Cert", N)
    if first_cert is None:
        first_cert = ssp.find("xades:SigningCertificateV2/xades:Cert", N)
    if first_cert is None:
        out.fail(R, M.text("xades.no-signing-certificate"), loc + "/xades:SigningCertificate")
        return
    serial = first_cert.find("xades:IssuerSerial", N)
    if serial is None or cert is None:
        return  # the certificate digest itself was compared by the XAdES verifier
    issuer = (serial.findtext("ds:X509IssuerName", namespaces=N) or "").strip()
    number = (serial.findtext("ds:X509SerialNumber", namespaces=N) or "").strip()
    if _dn(issuer) != _dn(cert.issuer.rfc4514_string()) or number != str(cert.serial_number):
        out.fail(
            R,
            M.text(
                "xades.issuer-serial",
                issuer=issuer,
                number=number,
                cert_issuer=cert.issuer.rfc4514_string(),
                cert_number=cert.serial_number,
            ),
            loc + "/xades:SigningCertificate/xades:Cert",
        )
