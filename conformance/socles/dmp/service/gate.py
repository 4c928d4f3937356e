"""What every SOAP transaction of the mock DMP checks before doing anything: a SOAP 1.2 envelope,
the expected wsa:Action, and exactly one VIHF whose signature chains to the test IGC-Santé, whose
signer is not revoked (the PKI's CRLs), and which the DMP would honour (vihf_policy.py: validity
window, resource, role, purpose of use, authentication mode).

The real DMP authenticates each call by its VIHF (ANS "VIHF" mapping, specs/dmp.md §1.3): ITI-41,
ITI-18 and ITI-43 alike. A refused call gets a SOAP 1.2 fault with the WS-Security subcode, never
a 500 with a traceback. What passes the gate is the assertion as the signature covers it (signxml's
signed_xml): the transactions read its attributes from there, never from the bytes around it.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from lxml import etree

from conformance.formats.ebrim import SAML, SOAP12, WSA, WSSE
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import CheckContext

from ..checks.collector import Collector
from ..checks.vihf import verify_signature
from ..mtom import MtomError, MtomMessage, parse_mtom
from . import vihf_policy
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


def fault(
    code: str, reason: str, relates: str | None = None, subcode: str | None = None, http_status: int | None = None
) -> Answer:
    status = http_status or (400 if code == "Sender" else 500)
    return Answer(status, soap_fault(code, reason, relates, subcode), "Fault", [RegistryError(subcode or code, reason)])


def framing_fault(msg: MtomMessage) -> Answer | None:
    """An MTOM request must say what its root part is: type="application/xop+xml" and
    start-info="application/soap+xml" (W3C XOP §4.1 / SOAP 1.2 MTOM §4.3; IHE ITI TF-2 V.3.6, specs/dmp.md
    §1.2). A server that cannot tell the root part's type answers HTTP 415 (SOAP 1.2 part 2 §7.5.2.2)."""
    kind = msg.params.get("type", "").strip().lower()
    start_info = msg.params.get("start-info", "").split(";")[0].strip().lower()
    if kind == "application/xop+xml" and start_info == "application/soap+xml":
        return None
    got = f"type={msg.params.get('type', '')!r}, start-info={msg.params.get('start-info', '')!r}"
    return fault(
        "Sender",
        f"multipart/related without type application/xop+xml and start-info application/soap+xml ({got})",
        http_status=415,
    )


@dataclass
class Admitted:
    """A call that passed the gate: its envelope, the MessageID to relate the answer to, its VIHF."""

    envelope: etree._Element
    relates: str | None
    assertion: etree._Element  # as the signature covers it


class Endpoint:
    """A transaction of the mock DMP: the patients' records it reads, the trust anchors of the VIHF.

    Requests are served in worker threads (asyncio.to_thread), so every read or update of the records
    holds `lock`, shared by the service's transactions; the gate, the MTOM and the metadata are read
    outside it (they touch nothing shared, and are most of the work)."""

    action = ""

    def __init__(
        self,
        records: dict[str, PatientDmp],
        ca_bundle: str,
        crl: str | None = None,
        lock: threading.RLock | None = None,
    ) -> None:
        self.records = records
        self.ca_bundle = ca_bundle
        self.crl = crl
        self.lock = lock or threading.RLock()

    def admitted(self, content_type: str, body: bytes) -> Admitted | Answer:
        """The request's envelope (plain SOAP 1.2 or MTOM) through the gate, or the fault to answer."""
        try:
            if content_type.lower().startswith("multipart/"):
                msg = parse_mtom(content_type, body)
                framing = framing_fault(msg)
                if framing is not None:
                    return framing
                env = msg.envelope
            else:
                env = parse_xml(body)
        except MtomError as exc:
            return fault("Sender", f"not an MTOM/XOP SOAP 1.2 request: {exc.en} ({exc.location})")
        except XmlRefused as exc:
            return fault("Sender", f"not a SOAP 1.2 envelope: {exc}")
        return admit(env, self.action, self.ca_bundle, self.crl)


def admit(env: etree._Element, action: str, ca_bundle: str, crl: str | None = None) -> Admitted | Answer:
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
    now = dt.datetime.now(dt.UTC)
    seen = CheckContext(at=now, at_source="capture", extra={"ca_bundle": ca_bundle, "crl": crl or ""})
    signed = verify_signature(assertions[0], seen, probe)
    if signed is None:
        why = "; ".join(f.message_en for f in probe.findings) or "signature not valid"
        return fault("Sender", f"VIHF refused: {why}", relates, vihf_policy.FAILED_AUTHENTICATION)
    refused = vihf_policy.refusal(signed, action, now)
    if refused is not None:
        return fault("Sender", f"VIHF refused: {refused.reason}", relates, refused.subcode)
    return Admitted(env, relates, signed)
