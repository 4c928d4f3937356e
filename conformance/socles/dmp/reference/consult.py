"""The reference DUI's reading side of the DMP: TD0.2 before feeding, ITI-18 to find what it fed (and
the entryUUID a replacement must target), ITI-43 to fetch a document back.

Every call carries a VIHF in wsse:Security like the feed; answers are read with the hardened XML
parser; a DMP that answers a fault or an error is reported with its codes, never as an empty list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from lxml import etree

from conformance.formats.ebrim import (
    APPROVED,
    DE_IDS,
    DE_SCHEMES,
    FIND_DOCUMENTS,
    GET_DOCUMENTS,
    ITI18,
    ITI43,
    QUERY,
    RIM,
    RS,
    SOAP12,
    XDSB,
)
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.socles.dmp.build.mtom import mtom_request
from conformance.socles.dmp.build.xds import envelope
from conformance.socles.dmp.mtom import MtomError, parse_mtom
from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, DmpUnreachable, exchange

UNIQUE_ID = DE_IDS["uniqueId"]
TYPE_CODE = DE_SCHEMES["typeCode"]


@dataclass
class QueryResult:
    ok: bool
    documents: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


def dmp_status(cfg: DmpConfig, ins: str, ins_oid: str, tls: DmpTls) -> str:
    """TD0.2: "active" when the DMP exists and is active, "none" when the DMP answers no active DMP."""
    if not cfg.td02_url:
        raise DmpUnreachable("le DUI ne connaît pas le point d'accès TD0.2 du DMP")
    target = f"{cfg.td02_url}?identifier={quote(f'urn:oid:{ins_oid}|{ins}', safe='')}"
    status, _, data = exchange(cfg, "GET", target, None, {"Accept": "application/fhir+json"}, tls)
    try:
        bundle = json.loads(data)
    except ValueError as exc:
        raise DmpUnreachable(f"réponse TD0.2 illisible (HTTP {status})") from exc
    if status != 200 or bundle.get("resourceType") != "Bundle":
        issue = (bundle.get("issue") or [{}])[0].get("diagnostics", "")
        raise DmpUnreachable(f"TD0.2 refusé (HTTP {status}) : {issue}")
    return "active" if bundle.get("total") else "none"


def _adhoc(query_id: str, params: dict[str, list[str]]) -> etree._Element:
    req = etree.Element(f"{{{QUERY}}}AdhocQueryRequest", nsmap={"query": QUERY, "rim": RIM})
    etree.SubElement(req, f"{{{QUERY}}}ResponseOption", returnType="LeafClass", returnComposedObjects="true")
    q = etree.SubElement(req, f"{{{RIM}}}AdhocQuery", id=query_id)
    for name, values in params.items():
        slot = etree.SubElement(q, f"{{{RIM}}}Slot", name=name)
        vl = etree.SubElement(slot, f"{{{RIM}}}ValueList")
        for v in values:
            etree.SubElement(vl, f"{{{RIM}}}Value").text = v
    return req


def _documents(resp: etree._Element) -> list[dict[str, str]]:
    out = []
    for eo in resp.iter(f"{{{RIM}}}ExtrinsicObject"):
        uid = next(
            (
                e.get("value", "")
                for e in eo.iterchildren(f"{{{RIM}}}ExternalIdentifier")
                if e.get("identificationScheme") == UNIQUE_ID
            ),
            "",
        )
        type_code = next(
            (
                c.get("nodeRepresentation", "")
                for c in eo.iterchildren(f"{{{RIM}}}Classification")
                if c.get("classificationScheme") == TYPE_CODE
            ),
            "",
        )
        repo = next(
            (
                "".join(s.itertext()).strip()
                for s in eo.iterchildren(f"{{{RIM}}}Slot")
                if s.get("name") == "repositoryUniqueId"
            ),
            "",
        )
        out.append(
            {
                "entry_uuid": eo.get("id", ""),
                "unique_id": uid,
                "status": eo.get("status", "").rsplit(":")[-1],
                "type_code": type_code,
                "repository_id": repo,
                "mime_type": eo.get("mimeType", ""),
            }
        )
    return out


def stored_query(
    cfg: DmpConfig, vihf: etree._Element, query_id: str, params: dict[str, list[str]], tls: DmpTls
) -> QueryResult:
    env = envelope(_adhoc(query_id, params), vihf, cfg.query_url, ITI18)
    status, _, data = exchange(
        cfg, "POST", cfg.query_url, env, {"Content-Type": f'application/soap+xml; charset=UTF-8; action="{ITI18}"'}, tls
    )
    try:
        root = parse_xml(data)
    except XmlRefused as exc:
        raise DmpUnreachable(f"réponse ITI-18 illisible (HTTP {status}) : {exc}") from exc
    resp = root.find(f"{{{SOAP12}}}Body/{{{QUERY}}}AdhocQueryResponse")
    if resp is None:
        reason = "".join(root.itertext()).strip()[:300]
        return QueryResult(False, errors=[{"errorCode": "Fault", "codeContext": reason}])
    errors = [
        {"errorCode": e.get("errorCode", ""), "codeContext": e.get("codeContext", "")}
        for e in resp.iter(f"{{{RS}}}RegistryError")
    ]
    return QueryResult(not errors and resp.get("status", "").endswith(":Success"), _documents(resp), errors)


def find_documents(
    cfg: DmpConfig, vihf: etree._Element, patient_cx: str, tls: DmpTls, statuses: tuple[str, ...] = (APPROVED,)
) -> QueryResult:
    pid = patient_cx.removesuffix("^NH")
    return stored_query(
        cfg,
        vihf,
        FIND_DOCUMENTS,
        {
            "$XDSDocumentEntryPatientId": [f"'{pid}'"],
            "$XDSDocumentEntryStatus": ["(" + ",".join(f"'{s}'" for s in statuses) + ")"],
        },
        tls,
    )


def get_document(cfg: DmpConfig, vihf: etree._Element, unique_id: str, tls: DmpTls) -> QueryResult:
    return stored_query(cfg, vihf, GET_DOCUMENTS, {"$XDSDocumentEntryUniqueId": [f"('{unique_id}')"]}, tls)


def retrieve(
    cfg: DmpConfig, vihf: etree._Element, repository_id: str, unique_id: str, tls: DmpTls
) -> tuple[bytes | None, list[dict[str, str]]]:
    """ITI-43, sent as MTOM (IHE ITI TF-2 3.43.4.1.2): (document bytes or None, RegistryErrors)."""
    req = etree.Element(f"{{{XDSB}}}RetrieveDocumentSetRequest", nsmap={"xdsb": XDSB})
    dr = etree.SubElement(req, f"{{{XDSB}}}DocumentRequest")
    etree.SubElement(dr, f"{{{XDSB}}}RepositoryUniqueId").text = repository_id
    etree.SubElement(dr, f"{{{XDSB}}}DocumentUniqueId").text = unique_id
    ctype, body = mtom_request(envelope(req, vihf, cfg.retrieve_url, ITI43), {}, action=ITI43)
    status, rtype, data = exchange(cfg, "POST", cfg.retrieve_url, body, {"Content-Type": ctype}, tls)
    try:
        msg = parse_mtom(rtype, data)
    except MtomError:
        try:
            root = parse_xml(data)
        except XmlRefused as exc:
            raise DmpUnreachable(f"réponse ITI-43 illisible (HTTP {status}) : {exc}") from exc
        return None, [{"errorCode": "Fault", "codeContext": "".join(root.itertext()).strip()[:300]}]
    errors = [
        {"errorCode": e.get("errorCode", ""), "codeContext": e.get("codeContext", "")}
        for e in msg.envelope.iter(f"{{{RS}}}RegistryError")
    ]
    for doc in msg.envelope.iter(f"{{{XDSB}}}DocumentResponse"):
        if (doc.findtext(f"{{{XDSB}}}DocumentUniqueId") or "").strip() == unique_id:
            inc = doc.find(f"{{{XDSB}}}Document/{{http://www.w3.org/2004/08/xop/include}}Include")
            cid = (inc.get("href", "") if inc is not None else "").removeprefix("cid:")
            return msg.parts.get(cid), errors
    return None, errors or [{"errorCode": "XDSDocumentUniqueIdError", "codeContext": "document absent"}]


def as_json(result: QueryResult) -> dict[str, Any]:
    return {"ok": result.ok, "documents": result.documents, "errors": result.errors}
