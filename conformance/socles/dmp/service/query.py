"""ITI-18 Registry Stored Query on the mock DMP (the DMP's TD3.1 "lister / rechercher"): how a DUI
finds what it fed, and the entryUUID a replacement (RPLC) must target.

Supported stored queries (IHE ITI TF-2 3.18.4.1.2.3.7): FindDocuments, GetDocuments,
GetRelatedDocuments, with returnType LeafClass or ObjectRef. Parameter values are ebRIM query
literals: 'x' or ('x','y'). Errors are the IHE codes: XDSStoredQueryParamNumber for a missing
required parameter, XDSUnknownStoredQuery, XDSUnknownPatientId; a closed DMP answers
XDSRegistryError (the DMP's own code is in SEL-MP-037, not public).
"""

from __future__ import annotations

import re

from lxml import etree

from conformance.formats.ebrim import DE_SCHEMES, FIND_DOCUMENTS, GET_DOCUMENTS, GET_RELATED, ITI18, QUERY

from ..checks.xpaths import RIM
from . import vihf_policy
from .gate import Answer, Endpoint, fault
from .records import PatientDmp
from .responses import FAILURE, RS, SUCCESS, RegistryError, add_errors, response_envelope
from .store import StoredAssociation, StoredDocument

ITI18_RESPONSE = "urn:ihe:iti:2007:RegistryStoredQueryResponse"
QUERIES = {FIND_DOCUMENTS: "FindDocuments", GET_DOCUMENTS: "GetDocuments", GET_RELATED: "GetRelatedDocuments"}
LITERAL = re.compile(r"'((?:[^']|'')*)'")
MAX_VALUES = 1000


def literals(values: list[str]) -> list[str]:
    """The strings of ebRIM query values: "('a','b')" and "'c'" give ["a", "b", "c"]; a bare number stays."""
    out: list[str] = []
    for v in values:
        found = LITERAL.findall(v)
        out.extend(s.replace("''", "'") for s in found) if found else out.append(v.strip("() "))
    return out[:MAX_VALUES]


def query_params(query: etree._Element) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for slot in query.iterchildren(f"{{{RIM}}}Slot"):
        raw = [(v.text or "").strip() for v in slot.iterfind(f"{{{RIM}}}ValueList/{{{RIM}}}Value")]
        params.setdefault(slot.get("name", ""), []).extend(literals(raw))
    return params


class StoredQuery(Endpoint):
    action = ITI18

    def answer(self, content_type: str, body: bytes) -> Answer:
        gate = self.admitted(content_type, body)
        if isinstance(gate, Answer):
            return gate
        request = gate.envelope.find(f"{{http://www.w3.org/2003/05/soap-envelope}}Body/{{{QUERY}}}AdhocQueryRequest")
        query = request.find(f"{{{RIM}}}AdhocQuery") if request is not None else None
        if request is None or query is None:
            return fault("Sender", "Body must hold query:AdhocQueryRequest/rim:AdhocQuery", gate.relates)
        option = request.find(f"{{{QUERY}}}ResponseOption")
        leaf = option is None or option.get("returnType", "ObjectRef") == "LeafClass"
        qid = query.get("id", "")
        if qid not in QUERIES:
            return self._reply(
                [RegistryError("XDSUnknownStoredQuery", f"stored query {qid!r} not supported")],
                [],
                [],
                leaf,
                gate.relates,
            )
        params = query_params(query)
        try:
            with self.lock:
                docs, assocs = self._run(qid, params, vihf_policy.resource_id(gate.assertion))
        except _QueryError as exc:
            return self._reply([exc.error], [], [], leaf, gate.relates)
        return self._reply([], docs, assocs, leaf, gate.relates)

    # -- the three queries ---------------------------------------------------------------------------

    def _record(self, patient: str) -> PatientDmp:
        record = self.records.get(patient) or next(
            (r for r in self.records.values() if r.ins_cx.split("&ISO")[0] == patient.split("&ISO")[0]), None
        )
        if record is None:
            raise _QueryError("XDSUnknownPatientId", f"no DMP for patient {patient}", patient)
        if record.status != "active":
            raise _QueryError("XDSRegistryError", f"DMP ferme (closed DMP) for {patient}", patient)
        return record

    def _run(
        self, qid: str, p: dict[str, list[str]], granted: str
    ) -> tuple[list[StoredDocument], list[StoredAssociation]]:
        """Run a stored query for the patient the VIHF grants access to (`granted`, its resource-id)."""
        if qid == FIND_DOCUMENTS:
            patient = _one(p, "$XDSDocumentEntryPatientId")
            if not vihf_policy.same_patient(granted, patient):
                raise _QueryError(
                    "XDSPatientIdDoesNotMatch",
                    f"$XDSDocumentEntryPatientId {patient!r} is not the VIHF resource-id {granted!r}",
                    patient,
                )
            statuses = _required(p, "$XDSDocumentEntryStatus")
            record = self._record(patient)
            docs = [d for d in record.documents.values() if d.status in statuses]
            for name, scheme in (
                ("$XDSDocumentEntryTypeCode", "typeCode"),
                ("$XDSDocumentEntryClassCode", "classCode"),
            ):
                if p.get(name):
                    wanted = {v.split("^^")[0] for v in p[name]}
                    docs = [d for d in docs if _code(d, scheme) in wanted]
            return docs, []
        ids = set(p.get("$XDSDocumentEntryEntryUUID", [])) | set(p.get("$XDSDocumentEntryUniqueId", []))
        if not ids:
            raise _QueryError(
                "XDSStoredQueryParamNumber",
                "$XDSDocumentEntryEntryUUID or $XDSDocumentEntryUniqueId is required",
                QUERIES[qid],
            )
        # the documents of the granted patient only: another patient's are as if they did not exist
        mine = [r for r in self.records.values() if vihf_policy.same_patient(granted, r.ins_cx)]
        everything = [d for r in mine for d in r.documents.values()]
        found = [d for d in everything if d.entry_uuid in ids or d.unique_id in ids]
        if qid == GET_DOCUMENTS:
            return found, []
        types = set(_required(p, "$AssociationTypes"))
        assocs = [
            a
            for r in mine
            for a in r.associations
            if a.type in types and any(a.source == d.entry_uuid or a.target == d.entry_uuid for d in found)
        ]
        related = {a.source for a in assocs} | {a.target for a in assocs}
        return ([d for d in everything if d.entry_uuid in related] if assocs else []), assocs

    # -- answer -------------------------------------------------------------------------------------

    def _reply(
        self,
        errors: list[RegistryError],
        docs: list[StoredDocument],
        assocs: list[StoredAssociation],
        leaf: bool,
        relates: str | None,
    ) -> Answer:
        env, body = response_envelope(ITI18_RESPONSE, relates)
        resp = etree.SubElement(
            body,
            f"{{{QUERY}}}AdhocQueryResponse",
            nsmap={"query": QUERY, "rim": RIM, "rs": RS},
            status=FAILURE if errors else SUCCESS,
        )
        objects = etree.SubElement(resp, f"{{{RIM}}}RegistryObjectList")
        for d in docs:
            objects.append(d.registry_object() if leaf else etree.Element(f"{{{RIM}}}ObjectRef", id=d.entry_uuid))
        for a in assocs:
            if leaf:
                etree.SubElement(
                    objects,
                    f"{{{RIM}}}Association",
                    id=a.id,
                    associationType=a.type,
                    sourceObject=a.source,
                    targetObject=a.target,
                    objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association",
                    status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",
                )
            else:
                etree.SubElement(objects, f"{{{RIM}}}ObjectRef", id=a.id)
        add_errors(resp, errors)
        data = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
        return Answer(200, data, "Failure" if errors else "Success", errors)


class _QueryError(Exception):
    def __init__(self, code: str, context: str, location: str = "") -> None:
        super().__init__(context)
        self.error = RegistryError(code, context, location)


def _required(p: dict[str, list[str]], name: str) -> list[str]:
    if not p.get(name):
        raise _QueryError("XDSStoredQueryParamNumber", f"required parameter {name} missing", name)
    return p[name]


def _one(p: dict[str, list[str]], name: str) -> str:
    values = _required(p, name)
    if len(values) != 1:
        raise _QueryError("XDSStoredQueryParamNumber", f"{name} takes exactly one value", name)
    return values[0]


def _code(doc: StoredDocument, scheme: str) -> str:
    el = etree.fromstring(doc.extrinsic)
    for cl in el.iterchildren(f"{{{RIM}}}Classification"):
        if cl.get("classificationScheme") == DE_SCHEMES[scheme]:
            return cl.get("nodeRepresentation", "")
    return ""
