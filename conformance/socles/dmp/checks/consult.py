"""DMP-H04 on one search or retrieval the DUI sent (kind "dmp-consult"): ITI-18 and ITI-43 requests.

Input: the HTTP body, `meta["content_type"]` and `meta["transaction"]` ("ITI-18" or "ITI-43"); the
patient the DUI acted for in `ctx.patient`. What is judged (IHE ITI TF-2 3.18 and 3.43, VIHF per
specs/dmp.md §1.3): a SOAP 1.2 envelope; WS-Addressing Action for the transaction, MessageID as a
urn:uuid, To, ReplyTo anonymous; one VIHF whose signature chains to the test IGC-Santé and whose
resource-id is the patient; for ITI-18 a known stored query with its required parameters as
quoted literals; for ITI-43 a DocumentRequest with repository and document ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from conformance.formats.ebrim import (
    FIND_DOCUMENTS,
    GET_ALL,
    GET_DOCUMENTS,
    GET_RELATED,
    GET_SUBMISSION_SET_AND_CONTENTS,
    QUERY,
    RIM,
    SAML,
    SOAP12,
    WSA,
    WSSE,
    XDSB,
)
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .readers import CONSULT_ACTIONS, ConsultRequest
from .vihf import attributes, text_of, verify_signature

RID = "DMP-H04"
N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML, "query": QUERY, "rim": RIM, "xdsb": XDSB}
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"
UUID_URN = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
LITERAL = re.compile(r"^\(?\s*'(?:[^']|'')*'(\s*,\s*'(?:[^']|'')*')*\s*\)?$")
# stored query id -> (name, required parameter groups: one of each tuple must be present)
QUERIES = {
    FIND_DOCUMENTS: ("FindDocuments", (("$XDSDocumentEntryPatientId",), ("$XDSDocumentEntryStatus",))),
    GET_DOCUMENTS: ("GetDocuments", (("$XDSDocumentEntryEntryUUID", "$XDSDocumentEntryUniqueId"),)),
    GET_RELATED: (
        "GetRelatedDocuments",
        (("$XDSDocumentEntryEntryUUID", "$XDSDocumentEntryUniqueId"), ("$AssociationTypes",)),
    ),
    GET_SUBMISSION_SET_AND_CONTENTS: (
        "GetSubmissionSetAndContents",
        (("$XDSSubmissionSetEntryUUID", "$XDSSubmissionSetUniqueId"),),
    ),
    GET_ALL: ("GetAll", (("$patientId",), ("$XDSDocumentEntryStatus",))),
}


def _addressing(env: etree._Element, transaction: str, out: Collector) -> None:
    want = CONSULT_ACTIONS[transaction]
    action = (env.findtext("s:Header/wsa:Action", namespaces=N) or "").strip()
    if action != want:
        out.fail(
            RID,
            M.text("consult.action", transaction=transaction, action=action, expected=want),
            "/soap:Envelope/soap:Header/wsa:Action",
        )
    mid = (env.findtext("s:Header/wsa:MessageID", namespaces=N) or "").strip()
    if not UUID_URN.match(mid):
        out.fail(RID, M.text("wsa.message-id", mid=mid), "/soap:Envelope/soap:Header/wsa:MessageID")
    if not (env.findtext("s:Header/wsa:To", namespaces=N) or "").strip():
        out.fail(RID, M.text("consult.no-to"), "/soap:Envelope/soap:Header")
    reply = (env.findtext("s:Header/wsa:ReplyTo/wsa:Address", namespaces=N) or "").strip()
    if reply != ANONYMOUS:
        out.fail(RID, M.text("consult.reply-to", reply=reply), "/soap:Envelope/soap:Header/wsa:ReplyTo")


def _vihf(env: etree._Element, ctx: CheckContext, out: Collector) -> None:
    loc = "/soap:Envelope/soap:Header/wsse:Security/saml:Assertion"
    found = env.findall("s:Header/wsse:Security/saml:Assertion", N)
    if len(found) != 1:
        out.fail(RID, M.text("consult.assertions", count=len(found)), loc)
        return
    probe = Collector()
    if verify_signature(found[0], ctx, probe) is None or probe.has_failure("DMP-V02"):
        failures = probe.failures()
        why = Text("; ".join(f.message_en for f in failures), "; ".join(f.message_fr for f in failures))
        out.fail(RID, M.text("consult.vihf-signature") + why, loc)
    rid = text_of(attributes(found[0]).get("urn:oasis:names:tc:xacml:2.0:resource:resource-id", []))
    ins = str((ctx.patient or {}).get("ins") or "")
    if ins and rid.split("^")[0] != ins:
        out.fail(RID, M.text("consult.resource-id", rid=rid, ins=ins), loc)


def _stored_query(body: etree._Element, out: Collector) -> None:
    req = body.find("query:AdhocQueryRequest", N)
    loc = "/soap:Envelope/soap:Body/query:AdhocQueryRequest"
    if req is None:
        out.fail(RID, M.text("consult.no-query"), loc)
        return
    option = req.find("query:ResponseOption", N)
    if option is None or option.get("returnType") not in ("LeafClass", "ObjectRef"):
        out.fail(RID, M.text("consult.return-type"), f"{loc}/query:ResponseOption")
    query = req.find("rim:AdhocQuery", N)
    qid = query.get("id", "") if query is not None else ""
    if query is None or qid not in QUERIES:
        out.fail(RID, M.text("consult.unknown-query", id=qid), f"{loc}/rim:AdhocQuery")
        return
    name, groups = QUERIES[qid]
    params: dict[str, list[str]] = {}
    for slot in query.iterfind("rim:Slot", N):
        params.setdefault(slot.get("name", ""), []).extend(
            (v.text or "").strip() for v in slot.iterfind("rim:ValueList/rim:Value", N)
        )
    for group in groups:
        if not any(params.get(p) for p in group):
            text = (
                M.text("consult.parameter-missing", query=name, name=group[0])
                if len(group) == 1
                else M.text("consult.parameter-missing-either", query=name, first=group[0], second=group[1])
            )
            out.fail(RID, text, f"{loc}/rim:AdhocQuery")
    for pname, values in params.items():
        bad = [v for v in values if pname.endswith(("Id", "UUID", "Status", "Types", "Code")) and not LITERAL.match(v)]
        if bad:
            out.fail(
                RID,
                M.text("consult.not-literal", query=name, name=pname, value=bad[0]),
                f"{loc}/rim:AdhocQuery/rim:Slot[@name='{pname}']",
            )


def _retrieve(body: etree._Element, out: Collector) -> None:
    loc = "/soap:Envelope/soap:Body/xdsb:RetrieveDocumentSetRequest"
    req = body.find("xdsb:RetrieveDocumentSetRequest", N)
    asked = req.findall("xdsb:DocumentRequest", N) if req is not None else []
    if not asked:
        out.fail(RID, M.text("consult.no-document-request"), loc)
    for i, dr in enumerate(asked, 1):
        for part in ("RepositoryUniqueId", "DocumentUniqueId"):
            if not (dr.findtext(f"xdsb:{part}", namespaces=N) or "").strip():
                out.fail(
                    RID, M.text("consult.document-request-part", index=i, part=part), f"{loc}/xdsb:DocumentRequest[{i}]"
                )


@check("dmp-consult", "dmp", RID)
def check_consult(request: ConsultRequest, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    env, transaction = request.envelope, request.transaction
    _addressing(env, transaction, out)
    _vihf(env, ctx, out)
    body = env.find("s:Body", N)
    if body is None:
        out.fail(RID, M.text("consult.no-body"), "/soap:Envelope")
    elif transaction == "ITI-18":
        _stored_query(body, out)
    else:
        _retrieve(body, out)
    out.cover(RID, M.text("consult.ok", transaction=transaction), "request")
    return out.finish()
