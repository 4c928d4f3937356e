"""VIHF checks (kind "vihf": a SAML 2.0 assertion; also run on the "soap" kind from wsse:Security).

The signature is verified by signxml against the test IGC-Santé bundle the scenario passes in
`ctx.extra["ca_bundle"]` (artifact mode without it: against the certificate the token carries,
and the finding says trust was not established). Attributes are read only from what the
signature covers (signxml's `signed_xml`), and the covered element must be the assertion found
in the message: a wrapped or substituted assertion fails DMP-V02.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from lxml import etree
from signxml import XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration

from conformance.formats.ebrim import SAML
from conformance.formats.revocation import is_revoked, path_problem
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector

DS = "http://www.w3.org/2000/09/xmldsig#"
HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
N = {"saml": SAML, "ds": DS, "hl7": HL7}
C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA1_METHODS = {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"}
# what signxml may verify: its defaults plus SHA-1, which the rule reports as a warning instead of refusing
EXPECT = SignatureConfiguration(
    expect_references=1,
    signature_methods=frozenset(SignatureMethod),
    digest_algorithms=frozenset(DigestAlgorithm),
)
X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
REQUIRED = (
    "Identifiant_Structure",
    "Secteur_Activite",
    "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
    "urn:oasis:names:tc:xacml:2.0:subject:role",
    "VIHF_Version",
    "Authentification_Mode",
    "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
    "Ressource_URN",
    "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
    "LPS_Nom",
    "LPS_Version",
    "LPS_ID_HOMOLOGATION_DMP",
)
ROLE_SYSTEMS = {
    "1.2.250.1.71.1.2.7",  # TRE_G15 ProfessionSante
    "1.2.250.1.213.1.1.4.6",  # TRE_A00
    "1.2.250.1.213.1.6.1.109",  # TRE_R95
    "1.2.250.1.213.1.6.1.140",  # TRE_R291
}
PURPOSES = {"normal", "bris_de_glace", "centre_15"}
SECTOR = re.compile(r"^SA\d{2}\^1\.2\.250\.1\.71\.4\.2\.4$|^(EXP_PATIENT|SNR)\^1\.2\.250\.1\.213\.1\.1\.4\.6$")
CLOCK_SKEW = dt.timedelta(minutes=10)
SMARTCARD = {  # SAML 2.0 authentication contexts of a CPS/CPE card (S6: DIRECTE = user authenticated by card)
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
}
VIHF_RULES = ("DMP-V01", "DMP-V02", "DMP-V03", "DMP-V04", "DMP-V05", "DMP-V06", "DMP-V07", "DMP-V08", "DMP-V09")


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _c14n(el: etree._Element) -> bytes:
    copy = etree.fromstring(etree.tostring(el))
    for sig in copy.findall(f"{{{DS}}}Signature"):
        copy.remove(sig)
    # without comments, as the signature's exc-c14n transform sees it: a comment added inside a signed
    # value changes nothing the signature covers (it is not wrapping), and values are read from `signed`
    return etree.tostring(copy, method="c14n", exclusive=True, with_comments=False)


def attributes(assertion: etree._Element) -> dict[str, list[etree._Element]]:
    out: dict[str, list[etree._Element]] = {}
    for a in assertion.iterfind("saml:AttributeStatement/saml:Attribute", N):
        out.setdefault(a.get("Name", ""), []).extend(a.iterfind("saml:AttributeValue", N))
    return out


def text_of(values: list[etree._Element]) -> str:
    """The whole text of the first value: a comment or PI inside it never cuts it short (`.text` would)."""
    return "".join(values[0].itertext()).strip() if values else ""


def coded(values: list[etree._Element], index: int = 0) -> etree._Element | None:
    if len(values) <= index:
        return None
    return next(iter(values[index]), None)


def carried_certificate(text: str) -> x509.Certificate:
    """The certificate of a ds:X509Certificate (base64 DER); ValueError when it is not one."""
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not base64: {exc}") from exc
    return x509.load_der_x509_certificate(der)


def trust_arguments(ca_bundle: str | None, cert: x509.Certificate) -> tuple[dict[str, Any], bool]:
    """signxml `verify` arguments and whether trust is anchored: chained to `ca_bundle` when the
    scenario gives it, else (artifact mode) the signature is checked against the carried certificate only."""
    if ca_bundle:
        return {"ca_pem_file": ca_bundle}, True
    return {"x509_cert": cert}, False


def verify_signature(
    assertion: etree._Element, ca_bundle: str | None, now: dt.datetime, out: Collector, *, crl: str | None = None
) -> etree._Element | None:
    """The signed assertion as signxml sees it, or None after a DMP-V02 failure (a revoked signer
    included, when the CRLs of the trust anchors are given)."""
    loc = "/saml:Assertion/ds:Signature"
    sig = assertion.find("ds:Signature", N)
    if sig is None:
        out.fail("DMP-V02", M.text("vihf.unsigned"), loc)
        return None
    for path, algo, label in (
        ("ds:SignedInfo/ds:CanonicalizationMethod", C14N, "exclusive c14n"),
        ("ds:SignedInfo/ds:SignatureMethod", RSA_SHA256, "RSA-SHA256"),
    ):
        el = sig.find(path, N)
        got = el.get("Algorithm") if el is not None else None
        if got in SHA1_METHODS:  # the catalog (DMP-V02): SHA-1 warns, it does not fail
            out.warn("DMP-V02", M.text("vihf.algorithm", path=path, got=got, expected=label), loc)
        elif got != algo:
            out.fail("DMP-V02", M.text("vihf.algorithm", path=path, got=got, expected=label), loc)
    for digest in sig.iterfind("ds:SignedInfo/ds:Reference/ds:DigestMethod", N):
        if digest.get("Algorithm") in SHA1_METHODS:
            out.warn(
                "DMP-V02",
                M.text("vihf.algorithm", path="ds:DigestMethod", got=digest.get("Algorithm"), expected="SHA-256"),
                loc,
            )
    pem = (sig.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=N) or "").strip()
    if not pem:
        out.fail("DMP-V02", M.text("vihf.no-certificate"), loc)
        return None
    try:
        cert = carried_certificate(pem)
    except ValueError as exc:
        out.fail("DMP-V02", M.text("vihf.certificate-unreadable", reason=exc), loc)
        return None
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        out.fail(
            "DMP-V02",
            M.text("vihf.certificate-expired", start=cert.not_valid_before_utc, end=cert.not_valid_after_utc),
            loc,
        )
        return None
    issuer = assertion.find("saml:Issuer", N)
    if issuer is None or (issuer.text or "").strip() != cert.subject.rfc4514_string():
        out.fail("DMP-V02", M.text("vihf.issuer"), "/saml:Assertion/saml:Issuer")
    kw, anchored = trust_arguments(ca_bundle, cert)
    try:
        result = XMLVerifier().verify(etree.tostring(assertion), id_attribute="ID", expect_config=EXPECT, **kw)
    except (InvalidSignature, InvalidInput, ValueError, TypeError, etree.Error) as exc:
        # TypeError: signxml decodes an empty SignatureValue (None) without checking it
        out.fail("DMP-V02", M.text("vihf.signature-invalid", reason=exc), loc)
        return None
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or _c14n(signed) != _c14n(assertion):
        out.fail("DMP-V02", M.text("vihf.wrapping"), loc)
        return None
    if ca_bundle and crl and is_revoked(problem := path_problem(cert, ca_bundle, crl, now)):
        out.fail("DMP-V02", M.text("vihf.signer-revoked", subject=cert.subject.rfc4514_string(), reason=problem), loc)
        return None
    out.cover("DMP-V02", M.text("vihf.signature-ok-anchored" if anchored else "vihf.signature-ok-unanchored"), loc)
    return signed


def structure_rules(a: etree._Element, out: Collector) -> None:
    loc = "/saml:Assertion"
    problems = []
    if a.get("Version") != "2.0":
        problems.append("Version is not 2.0")
    for attr in ("ID", "IssueInstant"):
        if not a.get(attr):
            problems.append(f"@{attr} missing")
    issuer = a.find("saml:Issuer", N)
    if issuer is None or issuer.get("Format") != X509_SUBJECT:
        problems.append("Issuer with Format X509SubjectName missing")
    if not (a.findtext("saml:Subject/saml:NameID", namespaces=N) or "").strip():
        problems.append("Subject/NameID missing")
    authn = a.find("saml:AuthnStatement", N)
    if (
        authn is None
        or not authn.get("AuthnInstant")
        or authn.find("saml:AuthnContext/saml:AuthnContextClassRef", N) is None
    ):
        problems.append("AuthnStatement with AuthnInstant and AuthnContextClassRef missing")
    for p in problems:
        out.fail("DMP-V01", M.text("field.problem", what="VIHF", problem=p), loc)
    out.cover("DMP-V01", M.text("vihf.structure-ok"), loc)


def attribute_rules(a: etree._Element, out: Collector, ctx: CheckContext, now: dt.datetime) -> None:
    attrs = attributes(a)
    loc = "/saml:Assertion/saml:AttributeStatement"
    for name in REQUIRED:
        values = attrs.get(name, [])
        if not values or not ("".join(values[0].itertext()).strip() or len(values[0])):
            out.fail("DMP-V03", M.text("vihf.attribute-missing", name=name), loc)
    out.cover("DMP-V03", M.text("vihf.attributes-ok"), loc)
    urn, mode = text_of(attrs.get("Ressource_URN", [])), text_of(attrs.get("Authentification_Mode", []))
    if urn != "urn:dmp":
        out.fail("DMP-V04", M.text("vihf.resource-urn", urn=urn), loc)
    if mode not in ("INDIRECTE", "DIRECTE"):
        out.fail("DMP-V04", M.text("vihf.authentication-mode", mode=mode), loc)
    authn = (a.findtext("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef", namespaces=N) or "").strip()
    if mode == "DIRECTE" and authn not in SMARTCARD:  # DIRECTE means the user authenticated with a CPS card
        out.fail("DMP-V04", M.text("vihf.direct-without-card", authn=authn or "-"), loc)
    out.cover("DMP-V04", M.text("vihf.urn-mode-ok"), loc)
    sector = text_of(attrs.get("Secteur_Activite", []))
    if not SECTOR.match(sector):
        out.fail("DMP-V05", M.text("vihf.sector", sector=sector), loc)
    elif ctx.extra.get("facility_type") and sector.split("^")[0] != ctx.extra["facility_type"]:
        out.warn("DMP-V05", M.text("vihf.sector-facility"), loc)
    out.cover("DMP-V05", M.text("vihf.sector-ok", sector=sector), loc)
    role = coded(attrs.get("urn:oasis:names:tc:xacml:2.0:subject:role", []))
    if role is None or role.tag != f"{{{HL7}}}Role" or role.get("codeSystem") not in ROLE_SYSTEMS:
        got = None if role is None else (role.tag, role.get("code"), role.get("codeSystem"))
        out.fail("DMP-V06", M.text("vihf.role", got=got), loc)
    elif role.get("codeSystem") == "1.2.250.1.71.1.2.7" and role.get("code") == "10":
        second = coded(attrs.get("urn:oasis:names:tc:xacml:2.0:subject:role", []), 1)
        if second is None or second.get("codeSystem") != "1.2.250.1.71.4.2.5":
            out.fail("DMP-V06", M.text("vihf.second-role"), loc)
    out.cover("DMP-V06", M.text("vihf.role-ok"), loc)
    pou = coded(attrs.get("urn:oasis:names:tc:xspa:1.0:subject:purposeofuse", []))
    if (
        pou is None
        or pou.tag != f"{{{HL7}}}PurposeOfUse"
        or pou.get("codeSystem") != "1.2.250.1.213.1.1.4.248"
        or pou.get("code") not in PURPOSES
    ):
        got2 = None if pou is None else (pou.get("code"), pou.get("codeSystem"))
        out.fail("DMP-V07", M.text("vihf.purpose", got=got2), loc)
    elif ctx.extra.get("batch_feed") and pou.get("code") != "normal":
        out.fail("DMP-V07", M.text("vihf.purpose-batch"), loc)
    out.cover("DMP-V07", M.text("vihf.purpose-ok"), loc)
    rid = text_of(attrs.get("urn:oasis:names:tc:xacml:2.0:resource:resource-id", []))
    expected: list[str] = list(ctx.extra.get("patient_ids") or [])
    if ctx.patient:
        expected.append(f"{ctx.patient['ins']}^^^&{ctx.patient['ins_oid']}&ISO^NH")
    wrong = sorted({e for e in expected if e != rid})
    if wrong:
        out.fail("DMP-V08", M.text("vihf.resource-id", rid=rid, wrong=wrong), loc)
    if expected:
        out.cover("DMP-V08", M.text("vihf.resource-id-ok"), loc)
    version = text_of(attrs.get("VIHF_Version", []))
    if version not in ("3.0", "4.0"):
        out.fail("DMP-V09", M.text("vihf.version", version=version), loc)
    issued = parse_time(a.get("IssueInstant"))
    if issued is None or abs(issued - now) > CLOCK_SKEW:
        out.fail("DMP-V09", M.text("vihf.issue-instant", value=a.get("IssueInstant")), "/saml:Assertion/@IssueInstant")
    cond = a.find("saml:Conditions", N)
    if cond is not None:
        not_after = parse_time(cond.get("NotOnOrAfter"))
        if not_after is not None and (issued is None or not_after <= issued or not_after < now):
            out.fail("DMP-V09", M.text("vihf.not-on-or-after"), "/saml:Assertion/saml:Conditions")
    out.cover("DMP-V09", M.text("vihf.validity-ok"), loc)


def judge_assertion(assertion: etree._Element, ctx: CheckContext, out: Collector) -> None:
    now = parse_time(ctx.extra.get("captured_at")) or dt.datetime.now(dt.UTC)
    signed = verify_signature(assertion, ctx.extra.get("ca_bundle"), now, out, crl=ctx.extra.get("crl"))
    target = signed if signed is not None else assertion
    structure_rules(target, out)
    attribute_rules(target, out, ctx, now)


@check("vihf", "dmp", *VIHF_RULES)
def check_vihf(assertion: etree._Element, ctx: CheckContext) -> Iterable[Finding]:
    """A VIHF token on its own (kind "vihf"); the one in an ITI-41 request is judged by checks.soap."""
    out = Collector()
    judge_assertion(assertion, ctx, out)
    return out.finish()
