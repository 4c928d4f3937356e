"""The document registry/repository logic of the mock DMP for ITI-41: what it accepts and refuses.

It enforces what the real DMP would before storing: MTOM/SOAP 1.2 framing, the ITI-41 action, a
VIHF whose signature chains to the test IGC-Santé, readable metadata, one patient across the lot,
a DMP that exists, is active and has no opposition, documents whose hash and size match. It does
not grade conformance: the checks do that on the recorded request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

from lxml import etree

from ..checks.collector import Collector
from ..checks.vihf import verify_signature
from ..checks.xds_model import DE_IDS, RPLC, SS_IDS, read_metadata
from ..mtom import MtomError, MtomMessage, parse_mtom
from .records import PatientDmp
from .responses import RegistryError, registry_response, soap_fault

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
ITI41 = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML}


@dataclass
class Answer:
    http_status: int
    body: bytes
    status: str  # Success | Failure | Fault
    errors: list[RegistryError] = field(default_factory=list)
    documents: dict[str, bytes] = field(default_factory=dict)
    envelope: bytes = b""


def fault(code: str, reason: str, relates: str | None = None, subcode: str | None = None) -> Answer:
    status = 400 if code == "Sender" else 500
    return Answer(status, soap_fault(code, reason, relates, subcode), "Fault",
                  [RegistryError(subcode or code, reason)])


class Registry:
    def __init__(self, records: dict[str, PatientDmp], ca_bundle: str) -> None:
        self.records = records
        self.ca_bundle = ca_bundle

    def provide_and_register(self, content_type: str, body: bytes) -> Answer:
        try:
            msg = parse_mtom(content_type, body)
        except MtomError as exc:
            return fault("Sender", f"not an MTOM/XOP SOAP 1.2 request: {exc.en} ({exc.location})")
        answer = self._judge(msg)
        answer.envelope, answer.documents = msg.envelope_bytes, msg.documents  # recorded even when refused
        return answer

    def _judge(self, msg: MtomMessage) -> Answer:
        env = msg.envelope
        if env.tag != f"{{{SOAP12}}}Envelope":
            return fault("Sender", f"root part is {env.tag}, not a SOAP 1.2 Envelope", subcode="soap:VersionMismatch")
        relates = (env.findtext("s:Header/wsa:MessageID", namespaces=N) or "").strip() or None
        action = (env.findtext("s:Header/wsa:Action", namespaces=N) or "").strip()
        if action != ITI41:
            return fault("Sender", f"action {action!r} not supported here", relates, "wsa:ActionNotSupported")
        assertions = env.findall("s:Header/wsse:Security/saml:Assertion", N)
        if len(assertions) != 1:
            return fault("Sender", "exactly one VIHF (saml:Assertion) expected in wsse:Security", relates,
                         "wsse:InvalidSecurity")
        probe = Collector()
        if verify_signature(assertions[0], self.ca_bundle, dt.datetime.now(dt.UTC), probe) is None:
            why = "; ".join(f.message_en for f in probe.findings) or "signature not valid"
            return fault("Sender", f"VIHF refused: {why}", relates, "wsse:FailedAuthentication")
        md, problem = read_metadata(etree.tostring(env), msg.documents)
        if md is None or len(md.submission_sets) != 1:
            why = problem or "exactly one SubmissionSet expected"
            return self._answer([RegistryError("XDSRegistryMetadataError", why)], relates, msg)
        ss = md.submission_sets[0]
        ins = ss.ext(SS_IDS["patientId"]) or ""
        errors: list[RegistryError] = []
        for e in md.entries:
            if e.ext(DE_IDS["patientId"]) != ins:
                errors.append(RegistryError("XDSPatientIdDoesNotMatch",
                                            f"DocumentEntry {e.id} patientId differs from the SubmissionSet's", e.id))
            part = md.documents.get(e.id)
            if part is None or part.data is None:
                errors.append(RegistryError("XDSMissingDocument", f"no document part for {e.id}", e.id))
                continue
            sha1, size = e.slot("hash"), e.slot("size")
            if sha1 and sha1[0].lower() != hashlib.sha1(part.data).hexdigest():
                errors.append(RegistryError("XDSRepositoryMetadataError", f"hash of {e.id} differs", e.id))
            if size and size[0] != str(len(part.data)):
                errors.append(RegistryError("XDSRepositoryMetadataError", f"size of {e.id} differs", e.id))
        record = self.records.get(ins)
        if record is None:
            errors.append(RegistryError("XDSUnknownPatientId", f"no DMP for patient {ins}", ins))
        elif record.status != "active":
            errors.append(RegistryError("XDSRegistryError", f"DMP ferme (closed DMP) for {ins}", ins))
        elif record.opposition:
            errors.append(RegistryError("XDSRegistryError", f"opposition du patient a l'alimentation for {ins}", ins))
        known = {d["entryUUID"]: uid for uid, d in (record.documents if record else {}).items()}
        replaced = [a.target for a in md.associations if a.type == RPLC]
        for target in replaced:
            if target not in known:
                errors.append(RegistryError("UnresolvedReferenceException",
                                            f"RPLC target {target} is not a document of this DMP", target))
        if not errors and record is not None:
            for target in replaced:
                record.documents[known[target]]["status"] = "Deprecated"
            for e in md.entries:
                uid = e.ext(DE_IDS["uniqueId"]) or ""
                part = md.documents[e.id]
                entry_uuid = e.id if e.id.startswith("urn:uuid:") else f"urn:uuid:{uuid.uuid4()}"
                record.documents[uid] = {"entryUUID": entry_uuid, "size": len(part.data or b""), "status": "Approved"}
        return self._answer(errors, relates, msg)

    def _answer(self, errors: list[RegistryError], relates: str | None, msg: MtomMessage) -> Answer:
        status = "Failure" if errors else "Success"
        return Answer(200, registry_response(errors, relates), status, errors, msg.documents, msg.envelope_bytes)
