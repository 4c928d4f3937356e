"""ITI-43 Retrieve Document Set on the mock DMP (the DMP's TD3.2 "consulter"): gives back the bytes
of a document it registered, as an MTOM/XOP answer (IHE ITI TF-2 3.43.4.2: the response is MTOM).

A request may itself be MTOM or a plain SOAP 1.2 envelope. Unknown documents answer
XDSDocumentUniqueIdError and a foreign repository XDSUnknownRepositoryId, in a RegistryResponse
of status Failure (or PartialSuccess when some documents were found).
"""

from __future__ import annotations

from lxml import etree

from conformance.formats.ebrim import ITI43, XDSB, XOP

from ..build.mtom import mtom_request
from . import vihf_policy
from .gate import Answer, Endpoint, fault
from .responses import FAILURE, RS, SUCCESS, RegistryError, add_errors, response_envelope
from .store import REPOSITORY_ID, StoredDocument

ITI43_RESPONSE = "urn:ihe:iti:2007:RetrieveDocumentSetResponse"
PARTIAL = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
MAX_REQUESTS = 100


class Repository(Endpoint):
    action = ITI43

    def answer(self, content_type: str, body: bytes) -> Answer:
        gate = self.admitted(content_type, body)
        if isinstance(gate, Answer):
            return gate
        request = gate.envelope.find(
            f"{{http://www.w3.org/2003/05/soap-envelope}}Body/{{{XDSB}}}RetrieveDocumentSetRequest"
        )
        asked = request.findall(f"{{{XDSB}}}DocumentRequest") if request is not None else []
        if not asked:
            return fault("Sender", "Body must hold xdsb:RetrieveDocumentSetRequest with DocumentRequest", gate.relates)
        found: list[StoredDocument] = []
        errors: list[RegistryError] = []
        granted = vihf_policy.resource_id(gate.assertion)
        with self.lock:
            self._collect(asked[:MAX_REQUESTS], granted, found, errors)
        return self._reply(found, errors, gate.relates)

    def _collect(
        self, asked: list[etree._Element], granted: str, found: list[StoredDocument], errors: list[RegistryError]
    ) -> None:
        """The documents asked for, those of the granted patient only; the others as errors."""
        for req in asked:
            repo = (req.findtext(f"{{{XDSB}}}RepositoryUniqueId") or "").strip()
            uid = (req.findtext(f"{{{XDSB}}}DocumentUniqueId") or "").strip()
            if repo != REPOSITORY_ID:
                errors.append(RegistryError("XDSUnknownRepositoryId", f"repository {repo!r} is not this one", repo))
                continue
            owner = next((r for r in self.records.values() if uid in r.documents), None)
            if owner is None:
                errors.append(RegistryError("XDSDocumentUniqueIdError", f"no document {uid!r} here", uid))
            elif not vihf_policy.same_patient(granted, owner.ins_cx):
                why = f"document {uid!r} is not of the VIHF resource-id's patient {granted!r}"
                errors.append(RegistryError("XDSPatientIdDoesNotMatch", why, uid))
            else:
                found.append(owner.documents[uid])

    def _reply(self, docs: list[StoredDocument], errors: list[RegistryError], relates: str | None) -> Answer:
        env, body = response_envelope(ITI43_RESPONSE, relates)
        resp = etree.SubElement(body, f"{{{XDSB}}}RetrieveDocumentSetResponse", nsmap={"xdsb": XDSB, "rs": RS})
        status = SUCCESS if not errors else (PARTIAL if docs else FAILURE)
        rr = etree.SubElement(resp, f"{{{RS}}}RegistryResponse", status=status)
        add_errors(rr, errors)
        parts: dict[str, bytes] = {}
        for i, d in enumerate(docs):
            dr = etree.SubElement(resp, f"{{{XDSB}}}DocumentResponse")
            etree.SubElement(dr, f"{{{XDSB}}}RepositoryUniqueId").text = REPOSITORY_ID
            etree.SubElement(dr, f"{{{XDSB}}}DocumentUniqueId").text = d.unique_id
            etree.SubElement(dr, f"{{{XDSB}}}mimeType").text = d.mime_type
            cid = f"doc{i}@mock-dmp"
            etree.SubElement(etree.SubElement(dr, f"{{{XDSB}}}Document"), f"{{{XOP}}}Include", href=f"cid:{cid}")
            parts[cid] = d.data
        ctype, data = mtom_request(
            etree.tostring(env, xml_declaration=True, encoding="UTF-8"), parts, action=ITI43_RESPONSE
        )
        state = "Success" if not errors else ("PartialSuccess" if docs else "Failure")
        return Answer(200, data, state, errors, content_type=ctype)
