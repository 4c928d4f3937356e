"""The document registry/repository logic of the mock DMP for ITI-41: what it accepts and refuses.

It enforces what the real DMP would before storing: MTOM/SOAP 1.2 framing, the ITI-41 action, a
VIHF whose signature chains to the test IGC-Santé, readable metadata, one patient across the lot,
a DMP that exists, is active and has no opposition, documents whose hash and size match. It does
not grade conformance: the checks do that on the recorded request.
"""

from __future__ import annotations

import hashlib
import uuid

from conformance.formats.ebrim import DEPRECATED, ITI41

from ..checks.xds_model import DE_IDS, RPLC, SS_IDS, Association, XdsMetadata, read_metadata
from ..mtom import MtomError, MtomMessage, parse_mtom
from .gate import Answer, Endpoint, admit, fault
from .records import PatientDmp
from .responses import RegistryError, registry_response
from .store import StoredAssociation, stored_document


class Registry(Endpoint):
    action = ITI41

    def provide_and_register(self, content_type: str, body: bytes) -> Answer:
        try:
            msg = parse_mtom(content_type, body)
        except MtomError as exc:
            return fault("Sender", f"not an MTOM/XOP SOAP 1.2 request: {exc.en} ({exc.location})")
        answer = self._judge(msg)
        answer.envelope, answer.documents = msg.envelope_bytes, msg.documents  # recorded even when refused
        return answer

    def _judge(self, msg: MtomMessage) -> Answer:
        gate = admit(msg.envelope, self.action, self.ca_bundle, self.crl)
        if isinstance(gate, Answer):
            return gate
        relates = gate.relates
        md, problem = read_metadata(gate.envelope, msg.documents)
        if md is None or len(md.submission_sets) != 1:
            why = problem or "exactly one SubmissionSet expected"
            return self._answer([RegistryError("XDSRegistryMetadataError", why)], relates, msg)
        ss = md.submission_sets[0]
        ins = ss.ext(SS_IDS["patientId"]) or ""
        errors: list[RegistryError] = []
        for e in md.entries:
            if e.ext(DE_IDS["patientId"]) != ins:
                errors.append(
                    RegistryError(
                        "XDSPatientIdDoesNotMatch",
                        f"DocumentEntry {e.id} patientId differs from the SubmissionSet's",
                        e.id,
                    )
                )
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
        known = {d.entry_uuid for d in (record.documents.values() if record else [])}
        replaced = [a for a in md.associations if a.type == RPLC]
        for a in replaced:
            if a.target not in known:
                errors.append(
                    RegistryError(
                        "UnresolvedReferenceException",
                        f"RPLC target {a.target} is not a document of this DMP",
                        a.target,
                    )
                )
        if not errors and record is not None:
            self._store(record, md, replaced)
        return self._answer(errors, relates, msg)

    @staticmethod
    def _store(record: PatientDmp, md: XdsMetadata, replaced: list[Association]) -> None:
        """Register the lot: new entries Approved, replaced ones Deprecated, RPLC kept for ITI-18."""
        assigned: dict[str, str] = {}
        for e in md.entries:
            part = md.documents[e.id]
            entry_uuid = e.id if e.id.startswith("urn:uuid:") else f"urn:uuid:{uuid.uuid4()}"
            assigned[e.id] = entry_uuid
            doc = stored_document(e, entry_uuid, part.data or b"")
            record.documents[doc.unique_id] = doc
        for a in replaced:
            old = record.by_entry_uuid(a.target)
            if old is not None:
                old.status = DEPRECATED
            record.associations.append(
                StoredAssociation(f"urn:uuid:{uuid.uuid4()}", RPLC, assigned.get(a.source, a.source), a.target)
            )

    def _answer(self, errors: list[RegistryError], relates: str | None, msg: MtomMessage) -> Answer:
        status = "Failure" if errors else "Success"
        return Answer(200, registry_response(errors, relates), status, errors, msg.documents, msg.envelope_bytes)
