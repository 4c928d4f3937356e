"""DMP-H04 on one search or retrieval the DUI sent (kind "dmp-consult"): ITI-18 and ITI-43 requests.

Input: the HTTP body, `meta["content_type"]` and `meta["transaction"]` ("ITI-18" or "ITI-43"); the
patient the DUI acted for in `ctx.patient`. What is judged (IHE ITI TF-2 3.18 and 3.43, VIHF per
specs/dmp.md §1.3): a SOAP 1.2 envelope; WS-Addressing Action for the transaction, MessageID as a
urn:uuid, To, ReplyTo anonymous; one VIHF whose signature chains to the test IGC-Santé and whose
resource-id is the patient; for ITI-18 a known stored query with its required parameters as
quoted literals; for ITI-43 a DocumentRequest with repository and document ids.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from lxml import etree

from conformance.formats.ebrim import (
    FIND_DOCUMENTS,
    GET_ALL,
    GET_DOCUMENTS,
    GET_RELATED,
    GET_SUBMISSION_SET_AND_CONTENTS,
    ITI18,
    ITI43,
    QUERY,
    RIM,
    SAML,
    SOAP12,
    WSA,
    WSSE,
    XDSB,
)
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from ..mtom import MtomError, parse_mtom
from .collector import Collector
from .vihf import attributes, text_of, verify_signature

RID = "DMP-H04"
N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML, "query": QUERY, "rim": RIM, "xdsb": XDSB}
ACTIONS = {"ITI-18": ITI18, "ITI-43": ITI43}
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


def _envelope(artifact: Artifact, out: Collector) -> etree._Element | None:
    ctype = str(artifact.meta.get("content_type") or "")
    try:
        if ctype.lower().startswith("multipart/"):
            return parse_mtom(ctype, artifact.data).envelope
        return parse_xml(artifact.data)
    except MtomError as exc:
        out.fail(RID, f"unreadable MTOM request: {exc.en}", f"requête MTOM illisible : {exc.fr}", exc.location)
    except XmlRefused as exc:
        out.fail(RID, f"not a SOAP envelope: {exc}", f"pas une enveloppe SOAP : {exc}", "HTTP body")
    return None


def _addressing(env: etree._Element, transaction: str, out: Collector) -> None:
    want = ACTIONS[transaction]
    action = (env.findtext("s:Header/wsa:Action", namespaces=N) or "").strip()
    if action != want:
        out.fail(
            RID,
            f"{transaction}: wsa:Action {action!r}, expected {want}",
            f"{transaction} : wsa:Action {action!r}, attendu {want}",
            "/soap:Envelope/soap:Header/wsa:Action",
        )
    mid = (env.findtext("s:Header/wsa:MessageID", namespaces=N) or "").strip()
    if not UUID_URN.match(mid):
        out.fail(
            RID,
            f"wsa:MessageID {mid!r} is not a urn:uuid",
            f"wsa:MessageID {mid!r} n'est pas un urn:uuid",
            "/soap:Envelope/soap:Header/wsa:MessageID",
        )
    if not (env.findtext("s:Header/wsa:To", namespaces=N) or "").strip():
        out.fail(RID, "no wsa:To", "pas de wsa:To", "/soap:Envelope/soap:Header")
    reply = (env.findtext("s:Header/wsa:ReplyTo/wsa:Address", namespaces=N) or "").strip()
    if reply != ANONYMOUS:
        out.fail(
            RID,
            f"wsa:ReplyTo/Address {reply!r}, expected the anonymous address",
            f"wsa:ReplyTo/Address {reply!r}, adresse anonyme attendue",
            "/soap:Envelope/soap:Header/wsa:ReplyTo",
        )


def _vihf(env: etree._Element, ctx: CheckContext, out: Collector) -> None:
    loc = "/soap:Envelope/soap:Header/wsse:Security/saml:Assertion"
    found = env.findall("s:Header/wsse:Security/saml:Assertion", N)
    if len(found) != 1:
        out.fail(
            RID,
            f"{len(found)} VIHF assertion(s) in wsse:Security, expected 1",
            f"{len(found)} assertion(s) VIHF dans wsse:Security, 1 attendue",
            loc,
        )
        return
    probe = Collector()
    if verify_signature(
        found[0], str(ctx.extra.get("ca_bundle") or "") or None, dt.datetime.now(dt.UTC), probe
    ) is None or probe.failed("DMP-V02"):
        why = "; ".join(f.message_en for f in probe.findings if f.verdict.value == "fail")
        fr = "; ".join(f.message_fr for f in probe.findings if f.verdict.value == "fail")
        out.fail(RID, f"VIHF signature: {why}", f"signature du VIHF : {fr}", loc)
    rid = text_of(attributes(found[0]).get("urn:oasis:names:tc:xacml:2.0:resource:resource-id", []))
    ins = str((ctx.patient or {}).get("ins") or "")
    if ins and rid.split("^")[0] != ins:
        out.fail(
            RID,
            f"VIHF resource-id {rid!r} is not the patient's INS {ins}",
            f"resource-id du VIHF {rid!r} n'est pas l'INS du patient {ins}",
            loc,
        )


def _stored_query(body: etree._Element, out: Collector) -> None:
    req = body.find("query:AdhocQueryRequest", N)
    loc = "/soap:Envelope/soap:Body/query:AdhocQueryRequest"
    if req is None:
        out.fail(RID, "ITI-18 without query:AdhocQueryRequest", "ITI-18 sans query:AdhocQueryRequest", loc)
        return
    option = req.find("query:ResponseOption", N)
    if option is None or option.get("returnType") not in ("LeafClass", "ObjectRef"):
        out.fail(
            RID,
            "ResponseOption/@returnType must be LeafClass or ObjectRef",
            "ResponseOption/@returnType doit valoir LeafClass ou ObjectRef",
            f"{loc}/query:ResponseOption",
        )
    query = req.find("rim:AdhocQuery", N)
    qid = query.get("id", "") if query is not None else ""
    if query is None or qid not in QUERIES:
        out.fail(
            RID,
            f"AdhocQuery id {qid!r} is not an XDS stored query the DMP offers",
            f"AdhocQuery id {qid!r} n'est pas une requête stockée XDS du DMP",
            f"{loc}/rim:AdhocQuery",
        )
        return
    name, groups = QUERIES[qid]
    params: dict[str, list[str]] = {}
    for slot in query.iterfind("rim:Slot", N):
        params.setdefault(slot.get("name", ""), []).extend(
            (v.text or "").strip() for v in slot.iterfind("rim:ValueList/rim:Value", N)
        )
    for group in groups:
        if not any(params.get(p) for p in group):
            out.fail(
                RID,
                f"{name}: required parameter {' or '.join(group)} missing",
                f"{name} : paramètre obligatoire {' ou '.join(group)} absent",
                f"{loc}/rim:AdhocQuery",
            )
    for pname, values in params.items():
        bad = [v for v in values if pname.endswith(("Id", "UUID", "Status", "Types", "Code")) and not LITERAL.match(v)]
        if bad:
            out.fail(
                RID,
                f"{name}: {pname} value {bad[0]!r} is not a quoted literal ('x' or ('x','y'))",
                f"{name} : valeur {bad[0]!r} de {pname} non citée ('x' ou ('x','y'))",
                f"{loc}/rim:AdhocQuery/rim:Slot[@name='{pname}']",
            )


def _retrieve(body: etree._Element, out: Collector) -> None:
    loc = "/soap:Envelope/soap:Body/xdsb:RetrieveDocumentSetRequest"
    req = body.find("xdsb:RetrieveDocumentSetRequest", N)
    asked = req.findall("xdsb:DocumentRequest", N) if req is not None else []
    if not asked:
        out.fail(
            RID,
            "ITI-43 without RetrieveDocumentSetRequest/DocumentRequest",
            "ITI-43 sans RetrieveDocumentSetRequest/DocumentRequest",
            loc,
        )
    for i, dr in enumerate(asked, 1):
        for part in ("RepositoryUniqueId", "DocumentUniqueId"):
            if not (dr.findtext(f"xdsb:{part}", namespaces=N) or "").strip():
                out.fail(
                    RID,
                    f"DocumentRequest {i} without {part}",
                    f"DocumentRequest {i} sans {part}",
                    f"{loc}/xdsb:DocumentRequest[{i}]",
                )


@check("dmp-consult", "dmp")
def check_consult(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    env = _envelope(artifact, out)
    if env is None:
        return out.finish()
    # a saved request (conformance validate) says which transaction it is by its body
    retrieval = env.find("s:Body/xdsb:RetrieveDocumentSetRequest", N) is not None
    transaction = str(artifact.meta.get("transaction") or ("ITI-43" if retrieval else "ITI-18"))
    if transaction not in ACTIONS:
        out.fail(RID, f"unknown transaction {transaction!r}", f"transaction inconnue {transaction!r}", "meta")
        return out.finish()
    if env.tag != f"{{{SOAP12}}}Envelope":
        out.fail(
            RID,
            f"root element {etree.QName(env).text} is not a SOAP 1.2 Envelope",
            f"l'élément racine {etree.QName(env).text} n'est pas une enveloppe SOAP 1.2",
            "/",
        )
        return out.finish()
    _addressing(env, transaction, out)
    _vihf(env, ctx, out)
    body = env.find("s:Body", N)
    if body is None:
        out.fail(RID, "SOAP envelope without Body", "enveloppe SOAP sans Body", "/soap:Envelope")
    elif transaction == "ITI-18":
        _stored_query(body, out)
    else:
        _retrieve(body, out)
    out.cover(
        RID,
        f"{transaction} request well-formed (SOAP 1.2, WS-Addressing, signed VIHF, parameters)",
        f"requête {transaction} conforme (SOAP 1.2, WS-Addressing, VIHF signé, paramètres)",
        "request",
    )
    return out.finish()
