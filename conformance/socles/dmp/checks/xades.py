"""The XAdES signature of the lot de soumission (DMP-S02), on the "xds-metadata" artifact.

Input: the ITI-41 request with its MTOM parts resolved (`artifact.meta["documents"]`, as the mock
DMP records them), or a ProvideAndRegisterDocumentSetRequest with inline parts. The part of the
signature DocumentEntry (DMP-S01 says which one it is) must be an IHE DSG detached signature
(specs/dmp.md §1.4, S7): a `ds:Signature` verified by signxml's XAdES verifier against the test
IGC-Santé of the scenario (`ctx.extra["ca_bundle"]`; in artifact mode against the carried
certificate only, and the finding says so), whose signed `ds:Manifest` references
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

from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from .collector import Collector
from .vihf import CLOCK_SKEW, DS, carried_certificate, parse_time, trust_arguments
from .xds import resolved_documents
from .xds_codes import is_signature
from .xds_model import DE_IDS, SS_IDS, read_metadata
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


@check("xds-metadata", "dmp")
def check_xades(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    md, _ = read_metadata(artifact.data, resolved_documents(artifact, ctx))
    if md is None or len(md.submission_sets) != 1:
        out.not_applicable(
            R,
            "no readable SubmissionSet: the lot signature is not judged (see DMP-X01)",
            "aucun lot de soumission lisible : signature du lot non jugée (voir DMP-X01)",
            "/",
        )
        return out.finish()
    sigs = [e for e in md.entries if is_signature(e)]
    if len(sigs) != 1:
        out.not_applicable(
            R,
            f"{len(sigs)} signature DocumentEntries: the XAdES is judged on exactly one (see DMP-S01)",
            f"{len(sigs)} fiches de signature : la XAdES n'est jugée que sur une seule (voir DMP-S01)",
            where(md.request),
        )
        return out.finish()
    sig = sigs[0]
    part = md.documents.get(sig.id)
    if part is None or part.data is None:
        out.not_applicable(
            R,
            f"the signature part {sig.id!r} is not available here",
            f"la partie de signature {sig.id!r} n'est pas disponible ici",
            f"xdsb:Document[@id='{sig.id}']",
        )
        return out.finish()
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
    now = parse_time(ctx.extra.get("captured_at")) or dt.datetime.now(dt.UTC)
    judge_signature(part.data, sig.id, objects, ctx.extra.get("ca_bundle"), now, out)
    return out.finish()


def judge_signature(
    data: bytes, sig_id: str, objects: list[LotObject], ca_bundle: str | None, now: dt.datetime, out: Collector
) -> None:
    """Every DMP-S02 sub-rule on the bytes of the signature part."""
    base = _loc(sig_id)
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        out.fail(R, f"signature part unreadable: {exc}", f"partie de signature illisible : {exc}", base)
        return
    if root.tag != f"{{{DS}}}Signature":
        out.fail(
            R,
            f"the signature part is {root.tag}, not a ds:Signature (IHE DSG detached signature)",
            f"la partie de signature est {root.tag} et non une ds:Signature (signature détachée IHE DSG)",
            f"xdsb:Document[@id='{sig_id}']",
        )
        return
    _algorithms(root, sig_id, out)
    certs = [c.text or "" for c in root.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", N)]
    if not certs:
        out.fail(
            R,
            "no ds:KeyInfo/ds:X509Data/ds:X509Certificate: the signer cannot be identified",
            "pas de ds:KeyInfo/ds:X509Data/ds:X509Certificate : le signataire n'est pas identifiable",
            _loc(sig_id, "ds:KeyInfo"),
        )
        return
    try:
        carried = [carried_certificate(c) for c in certs]
    except ValueError as exc:
        out.fail(
            R, f"unreadable X509Certificate: {exc}", f"X509Certificate illisible : {exc}", _loc(sig_id, "ds:KeyInfo")
        )
        return
    kw, trust_en, trust_fr = trust_arguments(ca_bundle, carried[0])
    try:
        results = XAdESVerifier().verify(etree.tostring(root), expect_config=CONFIG, **kw)
    except Exception as exc:  # noqa: BLE001  any refusal of a hostile or broken signature is a finding, never a crash
        out.fail(
            R, f"XAdES signature not valid ({trust_en}): {exc}", f"signature XAdES invalide ({trust_fr}) : {exc}", base
        )
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
                    f"the SignedInfo Reference to the Manifest has Type {ref.get('Type')!r}, expected {MANIFEST_TYPE}",
                    f"la Reference de SignedInfo vers le Manifest a le Type "
                    f"{ref.get('Type')!r}, attendu {MANIFEST_TYPE}",
                    _loc(sig_id, "ds:SignedInfo"),
                )
        elif signed.tag == f"{{{XADES}}}SignedProperties" and ref.get("Type") != SIGNED_PROPERTIES_TYPE:
            out.fail(
                R,
                f"the SignedInfo Reference to SignedProperties has Type {ref.get('Type')!r}, expected "
                f"{SIGNED_PROPERTIES_TYPE}",
                f"la Reference de SignedInfo vers SignedProperties a le Type "
                f"{ref.get('Type')!r}, attendu {SIGNED_PROPERTIES_TYPE}",
                _loc(sig_id, "ds:SignedInfo"),
            )
    _wrapping(root, manifests, sig_id, out)
    if not manifests:
        out.fail(
            R,
            "SignedInfo references no ds:Manifest: the documents of the lot are not signed",
            "SignedInfo ne référence aucun ds:Manifest : les documents du lot ne sont pas signés",
            _loc(sig_id, "ds:SignedInfo"),
        )
    else:
        _manifest(manifests, objects, sig_id, out)
    props = next((r for r in results if getattr(r, "signed_properties", None) is not None), None)
    signing_cert = _signing_certificate(carried, results)
    if props is not None:
        _properties(props.signed_xml, signing_cert, now, sig_id, out)
    out.cover(
        R,
        f"XAdES signature of the lot valid ({trust_en}), Manifest complete with exact digests, SigningTime "
        "and SigningCertificate present",
        f"signature XAdES du lot valide ({trust_fr}), Manifest complet aux "
        "empreintes exactes, SigningTime et SigningCertificate présents",
        base,
    )


def _algorithms(root: etree._Element, sig_id: str, out: Collector) -> None:
    """Which algorithms the DMP requires is UNSURE (S7 uses SHA-1): SHA-1 warns explicitly."""
    used = {el.get("Algorithm", "") for el in root.iter(f"{{{DS}}}SignatureMethod", f"{{{DS}}}DigestMethod")}
    weak = sorted(a for a in used if "sha1" in a.lower())
    if weak:
        out.warn(
            R,
            f"SHA-1 algorithms {weak}: as in the S7 sample, but whether the DMP now requires SHA-256 is unsure",
            f"algorithmes SHA-1 {weak} : comme l'exemple S7, mais l'exigence SHA-256 du DMP est incertaine",
            _loc(sig_id, "ds:SignedInfo"),
        )


def _exclusive(el: etree._Element) -> bytes:
    return etree.tostring(el, method="c14n", exclusive=True)


def _wrapping(root: etree._Element, signed: list[etree._Element], sig_id: str, out: Collector) -> None:
    covered = {_exclusive(m) for m in signed}
    for i, manifest in enumerate(root.iter(f"{{{DS}}}Manifest"), 1):
        if _exclusive(manifest) not in covered:
            out.fail(
                R,
                f"ds:Manifest #{i} (Id {manifest.get('Id')!r}) is not covered by the signature "
                "(signature wrapping): its references are ignored",
                f"le ds:Manifest n°{i} (Id "
                f"{manifest.get('Id')!r}) n'est pas couvert par la signature (signature wrapping) : ses "
                "références sont ignorées",
                _loc(sig_id, f"ds:Object/ds:Manifest[{i}]"),
            )
    props = list(root.iter(f"{{{XADES}}}SignedProperties"))
    if len(props) > 1:
        out.fail(
            R,
            f"{len(props)} xades:SignedProperties: exactly one expected (signature wrapping)",
            f"{len(props)} xades:SignedProperties : une seule attendue (signature wrapping)",
            _loc(sig_id, "ds:Object/xades:QualifyingProperties"),
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
            f"the Manifest references {uri!r}, which is neither the lot nor one of its documents",
            f"le Manifest référence {uri!r}, qui n'est ni le lot ni l'un de ses documents",
            _loc(sig_id, f"ds:Object/ds:Manifest/ds:Reference[@URI='{uri}']"),
        )
    for obj in objects:
        loc = _loc(sig_id, f"ds:Object/ds:Manifest/ds:Reference[@URI='{obj.uri}']")
        found = by_uri.get(obj.uri, [])
        if not found:
            out.fail(
                R,
                f"the Manifest has no Reference URI={obj.uri!r} for {obj.label}",
                f"le Manifest n'a pas de Reference URI={obj.uri!r} pour {obj.label}",
                loc,
            )
            continue
        if len(found) > 1:
            out.fail(
                R,
                f"{len(found)} Manifest References with URI={obj.uri!r}, one expected",
                f"{len(found)} Reference du Manifest d'URI {obj.uri!r}, une seule attendue",
                loc,
            )
        if obj.data is None:
            continue  # the lot's digest is a placeholder (S7); an unresolved part is DMP-X04's business
        digest, problem = _digest(obj.data, found[0])
        if digest is None:
            out.fail(
                R,
                f"digest of {obj.label} not verifiable: {problem}",
                f"empreinte de {obj.label} invérifiable : {problem}",
                loc,
            )
            continue
        given = "".join((found[0].findtext("ds:DigestValue", namespaces=N) or "").split())
        if given != _b64(digest):
            out.fail(
                R,
                f"the Manifest digest of {obj.label} ({given}) is not the digest of the document sent ({_b64(digest)})",
                f"l'empreinte du Manifest pour {obj.label} ({given}) n'est pas celle du "
                f"document envoyé ({_b64(digest)})",
                loc,
            )


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
    props: etree._Element, cert: x509.Certificate | None, now: dt.datetime, sig_id: str, out: Collector
) -> None:
    ssp = props.find("xades:SignedSignatureProperties", N)
    loc = _loc(sig_id, "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties")
    if ssp is None:
        out.fail(
            R,
            "no xades:SignedSignatureProperties in the signed properties",
            "pas de xades:SignedSignatureProperties dans les propriétés signées",
            loc,
        )
        return
    when_text = (ssp.findtext("xades:SigningTime", namespaces=N) or "").strip()
    when = parse_time(when_text)
    if not when_text:
        out.fail(
            R,
            "xades:SigningTime is missing from the signed properties",
            "xades:SigningTime est absent des propriétés signées",
            loc + "/xades:SigningTime",
        )
    elif when is None:
        out.fail(
            R,
            f"xades:SigningTime {when_text!r} is not an xs:dateTime",
            f"xades:SigningTime {when_text!r} n'est pas un xs:dateTime",
            loc + "/xades:SigningTime",
        )
    elif when - now > CLOCK_SKEW:
        out.fail(
            R,
            f"xades:SigningTime {when_text} is later than the capture ({now:%Y-%m-%dT%H:%M:%SZ})",
            f"xades:SigningTime {when_text} est postérieur à la capture",
            loc + "/xades:SigningTime",
        )
    first_cert = ssp.find("xades:SigningCertificate/xades:Cert", N)
    if first_cert is None:
        first_cert = ssp.find("xades:SigningCertificateV2/xades:Cert", N)
    if first_cert is None:
        out.fail(
            R,
            "no xades:SigningCertificate in the signed properties",
            "pas de xades:SigningCertificate dans les propriétés signées",
            loc + "/xades:SigningCertificate",
        )
        return
    serial = first_cert.find("xades:IssuerSerial", N)
    if serial is None or cert is None:
        return  # the certificate digest itself was compared by the XAdES verifier
    issuer = (serial.findtext("ds:X509IssuerName", namespaces=N) or "").strip()
    number = (serial.findtext("ds:X509SerialNumber", namespaces=N) or "").strip()
    if _dn(issuer) != _dn(cert.issuer.rfc4514_string()) or number != str(cert.serial_number):
        out.fail(
            R,
            f"SigningCertificate IssuerSerial ({issuer}, {number}) is not the signing certificate's "
            f"({cert.issuer.rfc4514_string()}, {cert.serial_number})",
            "l'IssuerSerial de SigningCertificate n'est pas celui du certificat signataire",
            loc + "/xades:SigningCertificate/xades:Cert",
        )
