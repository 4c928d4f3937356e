"""What the mock DMP refuses in a VIHF once its signature is verified: the token's validity and what it grants.

The real DMP authorises every call from the VIHF (specs/dmp.md §1.3): a token outside its validity
window can be replayed by anyone who captured it, and the attributes say which resource, which
role, which access mode and which authentication the call claims. The mock refuses, before any
processing, a VIHF whose
- validity window is over or not begun (Conditions NotBefore/NotOnOrAfter, or an IssueInstant
  older than `MAX_AGE` when the token sets no end; `CLOCK_SKEW` of tolerance either way);
- Ressource_URN is not `urn:dmp` (the token is for another resource);
- first role is not an `hl7:Role` from a JDV_J65 code system;
- purpose of use is not in JDV_J38, or, for a feed (ITI-41), is not `normal`: `bris_de_glace` and
  `centre_15` are emergency access modes of a professional reading a record, never of a software
  feeding one;
- Authentification_Mode is not INDIRECTE/DIRECTE, or is DIRECTE (the user authenticated by a CPS
  card) while the AuthnStatement says no smartcard authentication took place.

Faults: the DMP's own error codes are in SEL-MP-037, which is not public; the mock answers the
SOAP 1.2 fault subcodes of OASIS WS-Security 1.1 SOAP Message Security §12 (the ones IHE XUA,
ITI TF-2b §3.40, expects an X-Service Provider to return): `wsse:InvalidSecurityToken` for a token
outside its validity, `wsse:FailedAuthentication` ("could not be authenticated or authorized") for
an untrusted, revoked or badly signed token and for attributes that grant no access. The VIHF
resource-id against the lot's patient is judged with the metadata (registry.py,
XDSPatientIdDoesNotMatch). The window itself is UNSURE (specs/dmp.md §1.3): 8 h is what a
third-party implementation sets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from conformance.formats.ebrim import ITI41

from ..checks.vihf import (
    CLOCK_SKEW,
    HL7,
    PURPOSES,
    ROLE_SYSTEMS,
    SMARTCARD,
    N,
    attributes,
    coded,
    parse_time,
    text_of,
)

INVALID_TOKEN = "wsse:InvalidSecurityToken"
FAILED_AUTHENTICATION = "wsse:FailedAuthentication"
MAX_AGE = dt.timedelta(hours=8)
RESOURCE_ID = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"


@dataclass(frozen=True)
class Refusal:
    subcode: str
    reason: str


def resource_id(assertion: etree._Element) -> str:
    """The patient the token grants access to (INS as CX)."""
    return text_of(attributes(assertion).get(RESOURCE_ID, []))


def same_patient(cx: str, other: str) -> bool:
    """Two INS in CX form name the same patient (identifier and assigning authority; the type may vary)."""
    return bool(cx.strip()) and cx.strip().split("&ISO")[0] == other.strip().split("&ISO")[0]


def validity_refusal(a: etree._Element, now: dt.datetime) -> Refusal | None:
    issued = parse_time(a.get("IssueInstant"))
    if issued is None:
        return Refusal(INVALID_TOKEN, "IssueInstant missing or not a date-time")
    if issued - now > CLOCK_SKEW:
        return Refusal(INVALID_TOKEN, f"IssueInstant {a.get('IssueInstant')} is in the future")
    cond = a.find("saml:Conditions", N)
    start = parse_time(cond.get("NotBefore")) if cond is not None else None
    end = parse_time(cond.get("NotOnOrAfter")) if cond is not None else None
    if start is not None and start - now > CLOCK_SKEW:
        return Refusal(INVALID_TOKEN, f"the token is not valid before {cond.get('NotBefore')}")
    if end is not None and now - end >= CLOCK_SKEW:
        return Refusal(INVALID_TOKEN, f"the token expired at {cond.get('NotOnOrAfter')}")
    if end is None and now - issued > MAX_AGE + CLOCK_SKEW:
        return Refusal(INVALID_TOKEN, f"the token was issued at {a.get('IssueInstant')}, more than {MAX_AGE} ago")
    return None


def grant_refusal(a: etree._Element, action: str) -> Refusal | None:
    attrs = attributes(a)
    urn = text_of(attrs.get("Ressource_URN", []))
    if urn != "urn:dmp":
        return Refusal(FAILED_AUTHENTICATION, f"Ressource_URN {urn!r} is not urn:dmp")
    role = coded(attrs.get("urn:oasis:names:tc:xacml:2.0:subject:role", []))
    if role is None or role.tag != f"{{{HL7}}}Role" or role.get("codeSystem") not in ROLE_SYSTEMS:
        got = None if role is None else f"{role.get('code')}@{role.get('codeSystem')}"
        return Refusal(FAILED_AUTHENTICATION, f"role {got} is not in JDV_J65_SubjectRole_DMP")
    pou = coded(attrs.get("urn:oasis:names:tc:xspa:1.0:subject:purposeofuse", []))
    purpose = pou.get("code") if pou is not None else None
    if purpose not in PURPOSES:
        return Refusal(FAILED_AUTHENTICATION, f"purpose of use {purpose!r} is not in JDV_J38")
    if action == ITI41 and purpose != "normal":
        return Refusal(FAILED_AUTHENTICATION, f"purpose of use {purpose} does not allow feeding a DMP")
    mode = text_of(attrs.get("Authentification_Mode", []))
    if mode not in ("INDIRECTE", "DIRECTE"):
        return Refusal(FAILED_AUTHENTICATION, f"Authentification_Mode {mode!r} is not INDIRECTE or DIRECTE")
    authn = (a.findtext("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef", namespaces=N) or "").strip()
    if mode == "DIRECTE" and authn not in SMARTCARD:
        return Refusal(
            FAILED_AUTHENTICATION,
            f"Authentification_Mode DIRECTE without a CPS card authentication ({authn or 'none'})",
        )
    return None


def refusal(assertion: etree._Element, action: str, now: dt.datetime) -> Refusal | None:
    """Why the DMP refuses this (signature-verified) VIHF for `action`, or None."""
    return validity_refusal(assertion, now) or grant_refusal(assertion, action)
