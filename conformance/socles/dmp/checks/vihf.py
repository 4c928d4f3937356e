"""VIHF checks (kind "vihf": a SAML 2.0 assertion; also run on the "soap" kind from wsse:Security).

The signature is verified by signxml against the certificate the token carries; who signed it is
judged apart (`conformance.formats.trust`): a chain to the anchors the context gives (the scenario's
test IGC-Santé `ca_bundle` and `crl`, or `validate --trust CA.pem --crl FILE`), with revocation, at
the capture time. Without anchors the signer's trust is reported not evaluated, never passed.
Attributes are read only from what the signature covers (signxml's `signed_xml`), and the covered
element must be the assertion found in the message: a wrapped or substituted assertion fails DMP-V02.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable

from cryptography import x509
from lxml import etree
from signxml import XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration

from conformance.formats.ebrim import SAML
from conformance.formats.trust import TRUSTED, UNTRUSTED, judge_signer, store_from
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .clock import CLOCK_SKEW, parse_time, reference_time
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
SMARTCARD = {  # SAML 2.0 authentication contexts of a CPS/CPE card (S6: DIRECTE = user authenticated by card)
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
}
VIHF_RULES = (
    "DMP-V01",
    "DMP-V02",
    "DMP-V03",
    "DMP-V04",
    "DMP-V05",
    "DMP-V06",
    "DMP-V07",
    "DMP-V08",
    "DMP-V09",
    "DMP-V10",
)


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


def judge_signer_trust(
    rid: str,
    cert: x509.Certificate,
    carried: list[x509.Certificate],
    ctx: CheckContext,
    at: dt.datetime,
    when: Text,
    loc: str,
    out: Collector,
) -> str:
    """`rid` on the signer's trust: a verified chain to the anchors the context gives (validate --trust,
    the scenario's test IGC-Santé), key usage and CRLs at `at`. Without anchors the trust is reported
    not evaluated (a not-applicable finding and no pass), never passed. Returns the status."""
    verdict = judge_signer(cert, carried, store_from(ctx.extra), at)
    if verdict.status == UNTRUSTED:
        out.fail(rid, M.text("signer.untrusted", reason=verdict.reason, when=when), loc)
    elif verdict.status != TRUSTED:
        why = (
            M.text("signer.no-crl", subject=verdict.reason) if verdict.code == "no-crl" else M.text("signer.no-anchor")
        )
        out.not_applicable(rid, M.text("signer.not-evaluated", why=why, when=when), loc)
    return verdict.status


def verify_signature(assertion: etree._Element, ctx: CheckContext, out: Collector) -> etree._Element | None:
    """The signed assertion as signxml sees it, or None after a DMP-V02 failure. The signature is
    verified against the certificate it carries; who signed it is then judged by `judge_signer_trust`
    at the capture time (or `--at`, or the token's IssueInstant for a bare file)."""
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
    pems = [(c.text or "").strip() for c in sig.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", N)]
    if not pems or not pems[0]:
        out.fail("DMP-V02", M.text("vihf.no-certificate"), loc)
        return None
    try:
        carried = [carried_certificate(p) for p in pems]
    except ValueError as exc:
        out.fail("DMP-V02", M.text("vihf.certificate-unreadable", reason=exc), loc)
        return None
    cert = carried[0]
    at, when = reference_time(ctx, assertion.get("IssueInstant"))
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        out.fail(
            "DMP-V02",
            M.text(
                "vihf.certificate-expired", start=cert.not_valid_before_utc, end=cert.not_valid_after_utc, when=when
            ),
            loc,
        )
        return None
    issuer = assertion.find("saml:Issuer", N)
    if issuer is None or (issuer.text or "").strip() != cert.subject.rfc4514_string():
        out.fail("DMP-V02", M.text("vihf.issuer"), "/saml:Assertion/saml:Issuer")
    try:
        result = XMLVerifier().verify(
            etree.tostring(assertion), id_attribute="ID", expect_config=EXPECT, x509_cert=cert
        )
    except (InvalidSignature, InvalidInput, ValueError, TypeError, etree.Error) as exc:
        # TypeError: signxml decodes an empty SignatureValue (None) without checking it
        out.fail("DMP-V02", M.text("vihf.signature-invalid", reason=exc), loc)
        return None
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or _c14n(signed) != _c14n(assertion):
        out.fail("DMP-V02", M.text("vihf.wrapping"), loc)
        return None
    trust = judge_signer_trust("DMP-V02", cert, carried, ctx, at, when, loc, out)
    if trust == TRUSTED:
        out.cover("DMP-V02", M.text("vihf.signature-trusted", signer=cert.subject.rfc4514_string(), when=when), loc)
    return None if trust == UNTRUSTED else signed


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


def attribute_rules(a: etree._Element, out: Collector, ctx: CheckContext) -> None:
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
    at, source = ctx.reference_time()
    issued = parse_time(a.get("IssueInstant"))
    if source == "validation":
        out.not_applicable("DMP-V09", M.text("vihf.issue-instant-no-capture"), "/saml:Assertion/@IssueInstant")
    elif issued is None or abs(issued - at) > CLOCK_SKEW:
        when = reference_time(ctx)[1]
        out.fail(
            "DMP-V09",
            M.text("vihf.issue-instant", value=a.get("IssueInstant"), when=when),
            "/saml:Assertion/@IssueInstant",
        )
    out.cover("DMP-V09", M.text("vihf.version-ok", version=version), loc)
    validity_window(a, ctx, out)


def validity_window(a: etree._Element, ctx: CheckContext, out: Collector) -> None:
    """DMP-V10 (SAML 2.0 Core §2.5.1): NotBefore is earlier than NotOnOrAfter, the assertion does not
    expire before it is issued, and the capture time (when known) falls inside its window."""
    rid, loc = "DMP-V10", "/saml:Assertion/saml:Conditions"
    cond = a.find("saml:Conditions", N)
    issued = parse_time(a.get("IssueInstant"))
    if cond is None or not (cond.get("NotBefore") or cond.get("NotOnOrAfter")):
        out.not_applicable(rid, M.text("vihf.no-window"), loc)
        return
    before, after = parse_time(cond.get("NotBefore")), parse_time(cond.get("NotOnOrAfter"))
    for name, raw, parsed in (
        ("NotBefore", cond.get("NotBefore"), before),
        ("NotOnOrAfter", cond.get("NotOnOrAfter"), after),
    ):
        if raw and parsed is None:
            out.fail(rid, M.text("vihf.window-form", name=name, value=raw), f"{loc}/@{name}")
    if before is not None and after is not None and not before < after:
        out.fail(rid, M.text("vihf.window-empty", before=cond.get("NotBefore"), after=cond.get("NotOnOrAfter")), loc)
    if after is not None and issued is not None and after <= issued:
        out.fail(
            rid, M.text("vihf.expired-at-issue", after=cond.get("NotOnOrAfter"), issued=a.get("IssueInstant")), loc
        )
    at, source = ctx.reference_time()
    if source != "validation":
        when = reference_time(ctx)[1]
        if (after is not None and at >= after) or (before is not None and at < before - CLOCK_SKEW):
            out.fail(rid, M.text("vihf.outside-window", when=when), loc)
    out.cover(rid, M.text("vihf.window-ok"), loc)


def judge_assertion(assertion: etree._Element, ctx: CheckContext, out: Collector) -> None:
    signed = verify_signature(assertion, ctx, out)
    target = signed if signed is not None else assertion
    structure_rules(target, out)
    attribute_rules(target, out, ctx)


@check("vihf", "dmp", *VIHF_RULES)
def check_vihf(assertion: etree._Element, ctx: CheckContext) -> Iterable[Finding]:
    """A VIHF token on its own (kind "vihf"); the one in an ITI-41 request is judged by checks.soap."""
    out = Collector()
    judge_assertion(assertion, ctx, out)
    return out.finish()
