"""What every SOAP transaction of the mock DMP checks before doing anything: a SOAP 1.2 envelope,
the expected wsa:Action, and exactly one VIHF whose signature chains to the test IGC-Santé.

The real DMP authenticates each call by its VIHF (ANS "VIHF" mapping, specs/dmp.md §1.3): ITI-41,
ITI-18 and ITI-43 alike. A refused call gets a SOAP 1.2 fault with the WS-Security subcode, never
a 500 with a traceback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from conformance.formats.ebrim import SAML, SOAP12, WSA, WSSE
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import CheckContext

from ..checks.collector import Collector
from ..checks.vihf import verify_signature
from ..mtom import MtomError, parse_mtom
from .records import PatientDmp
from .responses import RegistryError, soap_fault

N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML}


@dataclass
class Answer:
    http_status: int
    body: bytes
    status: str  # Success | Failure | Fault
    errors: list[RegistryError] = field(default_factory=list)
    documents: dict[str, bytes] = field(default_factory=dict)
    envelope: bytes = b""
    content_type: str = 'application/soap+xml; charset="UTF-8"'


def fault(code: str, reason: str, relates: str | None = None, subcode: str | None = None) -> Answer:
    status = 400 if code == "Sender" else 500
    return Answer(status, soap_fault(code, reason, relates, subcode), "Fault", [RegistryError(subcode or code, reason)])


@dataclass
class Admitted:
    """A call that passed the gate: its envelope, the MessageID to relate the answer to, its VIHF."""

    envelope: etree._Element
    relates: str | None
    assertion: etree._Element


class Endpoint:
    """A transaction of the mock DMP: the patients' records it reads, the trust anchors of the VIHF and
    the CRL it checks the VIHF signer against (the real DMP refuses a revoked signer)."""

    action = ""

    def __init__(self, records: dict[str, PatientDmp], ca_bundle: str, crl: str = "") -> None:
        self.records = records
        self.ca_bundle = ca_bundle
        self.crl = crl

    def admitted(self, content_type: str, body: bytes) -> Admitted | Answer:
        """The request's envelope (plain SOAP 1.2 or MTOM) through the gate, or the fault to answer."""
        try:
            if content_type.lower().startswith("multipart/"):
                env = parse_mtom(content_type, body).envelope
            else:
                env = parse_xml(body)
        except MtomError as exc:
            return fault("Sender", f"not an MTOM/XOP SOAP 1.2 request: {exc.en} ({exc.location})")
        except XmlRefused as exc:
            return fault("Sender", f"not a SOAP 1.2 envelope: {exc}")
        return admit(env, self.action, self.ca_bundle, self.crl)


def admit(env: etree._Element, action: str, ca_bundle: str, crl: str = "") -> Admitted | Answer:
    if env.tag != f"{{{SOAP12}}}Envelope":
        return fault("Sender", f"root part is {env.tag}, not a SOAP 1.2 Envelope", subcode="soap:VersionMismatch")
    relates = (env.findtext("s:Header/wsa:MessageID", namespaces=N) or "").strip() or None
    got = (env.findtext("s:Header/wsa:Action", namespaces=N) or "").strip()
    if got != action:
        return fault(
            "Sender", f"action {got!r} not supported here (expected {action})", relates, "wsa:ActionNotSupported"
        )
    assertions = env.findall("s:Header/wsse:Security/saml:Assertion", N)
    if len(assertions) != 1:
        return fault(
            "Sender", "exactly one VIHF (saml:Assertion) expected in wsse:Security", relates, "wsse:InvalidSecurity"
        )
    probe = Collector()
    seen = CheckContext(at=dt.datetime.now(dt.UTC), at_source="capture", extra={"ca_bundle": ca_bundle, "crl": crl})
    if verify_signature(assertions[0], seen, probe) is None:
        why = "; ".join(f.message_en for f in probe.findings) or "signature not valid"
        return fault("Sender", f"VIHF refused: {why}", relates, "wsse:FailedAuthentication")
    return Admitted(env, relates, assertions[0])
