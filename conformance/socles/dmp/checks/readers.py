"""How the DMP socle reads each artifact kind, once per artifact, and which rule refuses it.

Every check of a kind receives what its reader made of the bytes: a parsed CDA, the XDS metadata
model, the SOAP request with its MTOM parts, the VIHF assertion, a JSON observation. What cannot be
read fails the structural rule of the kind (DMP-C02, X01, T01, V01, H04, R01, R02, H03, H02) with
the reason, at the place it names, and no other rule of the DMP is judged on it (`fail_skipped`
off: the other rules are not judged, rather than failed with a reason that is not theirs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from lxml import etree

from conformance.formats.ebrim import ITI18, ITI43, SAML, SOAP12, XDSB
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext
from conformance.registry import reader

from ..messages import M, refusal, unreadable
from ..mtom import MtomError, parse_mtom
from .cda_doc import CdaDoc, open_cda
from .xds_model import XdsMetadata, read_metadata

DMP = "dmp"
CONSULT_ACTIONS = {"ITI-18": ITI18, "ITI-43": ITI43}  # the searches and retrievals, by their wsa:Action


@reader("cda", DMP, "DMP-C02", fail_skipped=False)
def read_cda(artifact: Artifact, ctx: CheckContext) -> CdaDoc:
    doc, problem = open_cda(artifact.data)
    if doc is None:
        raise refusal("read.cda", "/", problem=problem)
    return doc


def resolved_documents(artifact: Artifact, ctx: CheckContext) -> dict[str, bytes]:
    """MTOM parts the service already decoded: {Document/@id: bytes}."""
    docs = artifact.meta.get("documents") or ctx.extra.get("documents") or {}
    return {str(k): bytes(v) for k, v in docs.items() if isinstance(v, bytes | bytearray)}


@reader("xds-metadata", DMP, "DMP-X01", fail_skipped=False)
def read_xds(artifact: Artifact, ctx: CheckContext) -> XdsMetadata:
    """The metadata of a SubmitObjectsRequest; the tree the request's reader already parsed when the
    artifact comes from an ITI-41 request (`meta["tree"]`, see checks.parts), else its bytes."""
    tree = artifact.meta.get("tree")
    source = tree if isinstance(tree, etree._Element) else artifact.data
    md, problem = read_metadata(source, resolved_documents(artifact, ctx))
    if md is None:
        raise refusal("read.xds", "/", problem=problem)
    return md


@dataclass(frozen=True)
class SoapRequest:
    """A captured ITI-41 request: its envelope, the documents of its MTOM parts and how it came framed."""

    envelope: etree._Element
    documents: dict[str, bytes]
    framing: str  # "mtom" (with its HTTP Content-Type), "bare" (MTOM body without headers), "envelope"
    params: dict[str, str]  # parameters of the multipart Content-Type ("mtom" only)
    envelope_bytes: bytes = b""  # the SOAP part as it was sent (the XDS metadata artifact's bytes)


def _bare_mime(data: bytes) -> str:
    """A Content-Type for a saved MTOM body without its HTTP headers: the boundary of its first line."""
    head = data.lstrip(b"\r\n").split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    if not head.startswith(b"--") or len(head) > 200:
        return ""
    return 'multipart/related; boundary="' + head[2:].decode("latin-1").strip() + '"'


@reader("soap", DMP, "DMP-T01", fail_skipped=False)
def read_soap(artifact: Artifact, ctx: CheckContext) -> SoapRequest:
    """The HTTP body with `meta["content_type"]`; a saved body without it is judged as it can be."""
    ctype = str(artifact.meta.get("content_type") or "")
    bare = _bare_mime(artifact.data) if not ctype else ""
    try:
        if ctype or bare:
            msg = parse_mtom(ctype or bare, artifact.data)
            return SoapRequest(msg.envelope, msg.documents, "mtom" if ctype else "bare", msg.params, msg.envelope_bytes)
    except MtomError as exc:
        raise unreadable(exc.text, exc.location) from exc
    try:
        return SoapRequest(parse_xml(artifact.data), {}, "envelope", {}, artifact.data)
    except XmlRefused as exc:
        raise refusal("read.not-soap", "/", reason=str(exc)) from exc


@reader("vihf", DMP, "DMP-V01", fail_skipped=False)
def read_vihf(artifact: Artifact, ctx: CheckContext) -> etree._Element:
    """The saml:Assertion element (kind "vihf": a VIHF token on its own)."""
    try:
        root = parse_xml(artifact.data)
    except XmlRefused as exc:
        raise refusal("read.vihf", "/", reason=str(exc)) from exc
    if root.tag != f"{{{SAML}}}Assertion":
        raise refusal("read.vihf-root", "/", root=root.tag)
    return root


@dataclass(frozen=True)
class ConsultRequest:
    """A search (ITI-18) or retrieval (ITI-43) the DUI sent: its SOAP 1.2 envelope and which it is."""

    envelope: etree._Element
    transaction: str


@reader("dmp-consult", DMP, "DMP-H04", fail_skipped=False)
def read_consult(artifact: Artifact, ctx: CheckContext) -> ConsultRequest:
    """The HTTP body, `meta["content_type"]` and `meta["transaction"]`; a saved request says which
    transaction it is by its body."""
    ctype = str(artifact.meta.get("content_type") or "")
    try:
        if ctype.lower().startswith("multipart/"):
            env = parse_mtom(ctype, artifact.data).envelope
        else:
            env = parse_xml(artifact.data)
    except MtomError as exc:
        raise unreadable(M.text("read.consult-mtom") + exc.text, exc.location) from exc
    except XmlRefused as exc:
        raise refusal("read.not-soap", "HTTP body", reason=str(exc)) from exc
    retrieval = env.find(f"{{{SOAP12}}}Body/{{{XDSB}}}RetrieveDocumentSetRequest") is not None
    transaction = str(artifact.meta.get("transaction") or ("ITI-43" if retrieval else "ITI-18"))
    if transaction not in CONSULT_ACTIONS:
        raise refusal("read.consult-transaction", "meta", transaction=transaction)
    if env.tag != f"{{{SOAP12}}}Envelope":
        raise refusal("read.consult-root", "/", root=etree.QName(env).text)
    return ConsultRequest(env, transaction)


def _json_object(artifact: Artifact, location: str) -> dict[str, Any]:
    try:
        data = json.loads(artifact.data)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, an integer over 4,300 digits, depth
        raise refusal("read.observation", location, reason=str(exc)[:300]) from None
    if not isinstance(data, dict):
        raise refusal("read.observation-not-object", location)
    return data


@reader("dmp-step", DMP, "DMP-R02", fail_skipped=False)
def read_step(artifact: Artifact, ctx: CheckContext) -> dict[str, Any]:
    return _json_object(artifact, artifact.name)


@reader("dmp-chain", DMP, "DMP-H03", fail_skipped=False)
def read_chain(artifact: Artifact, ctx: CheckContext) -> dict[str, Any]:
    return _json_object(artifact, artifact.name)


@dataclass(frozen=True)
class FeedExchange:
    """One feed as observed: the DUI's answer to the driver and the mock DMP's registry answer."""

    outcome: dict[str, Any]
    registry: dict[str, Any]


@reader("dmp-exchange", DMP, "DMP-R01", fail_skipped=False)
def read_exchange(artifact: Artifact, ctx: CheckContext) -> FeedExchange:
    try:
        obs = json.loads(artifact.data)
        return FeedExchange(dict(obs["outcome"]), dict(obs["registry"]))
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise refusal("read.exchange", "/", reason=str(exc)[:300]) from None


@dataclass(frozen=True)
class ClientCertificate:
    """The certificate a DUI opened its TLS session with, and the structure its VIHF named."""

    cert: x509.Certificate
    vihf_structure: str


@reader("dmp-client-cert", DMP, "DMP-H02", fail_skipped=False)
def read_client_certificate(artifact: Artifact, ctx: CheckContext) -> ClientCertificate:
    where = "TLS handshake (client certificate)"
    if not artifact.data:
        raise refusal("read.no-client-cert", where)
    try:
        cert = x509.load_der_x509_certificate(artifact.data)
    except ValueError as exc:
        raise refusal("read.client-cert", where, reason=str(exc)) from exc
    return ClientCertificate(cert, str(artifact.meta.get("vihf_structure") or ""))
