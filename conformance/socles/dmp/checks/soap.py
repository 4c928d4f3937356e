"""The captured ITI-41 request (kind "soap"): MTOM/XOP framing, SOAP 1.2, WS-Addressing, VIHF.

Input: the HTTP body with `meta["content_type"]` (the HTTP Content-Type header), as the mock DMP
records it. Without a Content-Type (a bare envelope in artifact mode) the MTOM framing rule is
not applicable and the envelope is judged alone. The VIHF is judged by the rules of checks.vihf,
with the INS of the lot (SubmissionSet and DocumentEntry patientId) as what resource-id must be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from conformance.formats.ebrim import ITI41, SOAP12, WSA, WSSE
from conformance.formats.xmlsafe import XmlRefused, parse_xml
from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from ..mtom import MtomError, parse_mtom
from .collector import Collector
from .vihf import SAML, judge_assertion
from .xds_model import DE_IDS, SS_IDS, read_metadata

UUID_URN = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML}


def _bare_mime(data: bytes) -> str:
    """A Content-Type for a saved MTOM body without its HTTP headers: the boundary of its first line."""
    first = data.lstrip(b"\r\n").split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    if not first.startswith(b"--") or len(first) > 200:
        return ""
    return 'multipart/related; boundary="' + first[2:].decode("latin-1").strip() + '"'


def _framing(artifact: Artifact, out: Collector) -> tuple[etree._Element | None, dict[str, bytes]]:
    ctype = str(artifact.meta.get("content_type") or "")
    bare = _bare_mime(artifact.data) if not ctype else ""
    if bare:
        out.not_applicable(
            "DMP-T01",
            "MTOM body without its HTTP headers: type and start-info not known",
            "corps MTOM sans ses en-têtes HTTP : type et start-info inconnus",
            "HTTP Content-Type",
        )
        try:
            msg = parse_mtom(bare, artifact.data)
        except MtomError as exc:
            out.fail("DMP-T01", exc.en, exc.fr, exc.location)
            return None, {}
        return msg.envelope, msg.documents
    if not ctype:
        out.not_applicable(
            "DMP-T01",
            "no HTTP Content-Type: envelope judged alone",
            "pas de Content-Type HTTP : enveloppe jugée seule",
            "HTTP Content-Type",
        )
        try:
            return parse_xml(artifact.data), {}
        except XmlRefused as exc:
            out.fail("DMP-T01", f"not a SOAP envelope: {exc}", f"pas une enveloppe SOAP : {exc}", "/")
            return None, {}
    try:
        msg = parse_mtom(ctype, artifact.data)
    except MtomError as exc:
        out.fail("DMP-T01", exc.en, exc.fr, exc.location)
        return None, {}
    if msg.params.get("type", "").lower() != "application/xop+xml":
        out.fail(
            "DMP-T01",
            f"type parameter {msg.params.get('type')!r}, expected application/xop+xml",
            "paramètre type différent de application/xop+xml",
            "HTTP Content-Type",
        )
    if msg.params.get("start-info", "").lower() != "application/soap+xml":
        out.fail(
            "DMP-T01",
            f"start-info {msg.params.get('start-info')!r}, expected application/soap+xml",
            "paramètre start-info différent de application/soap+xml",
            "HTTP Content-Type",
        )
    return msg.envelope, msg.documents


def _envelope(env: etree._Element, out: Collector) -> None:
    if env.tag != f"{{{SOAP12}}}Envelope":
        out.fail(
            "DMP-T01",
            f"root part is {env.tag}, not a SOAP 1.2 Envelope",
            f"partie racine {env.tag} au lieu d'une enveloppe SOAP 1.2",
            "MIME root part",
        )
    out.cover(
        "DMP-T01",
        "multipart/related MTOM/XOP with a SOAP 1.2 Envelope",
        "multipart/related MTOM/XOP portant une enveloppe SOAP 1.2",
        "HTTP body",
    )
    header = env.find("s:Header", N)
    loc = "/s:Envelope/s:Header"
    action = header.findtext("wsa:Action", namespaces=N) if header is not None else None
    if (action or "").strip() != ITI41:
        out.fail("DMP-T02", f"wsa:Action {action!r}, expected {ITI41}", f"wsa:Action {action!r}", loc)
    mid = header.findtext("wsa:MessageID", namespaces=N) if header is not None else None
    if not UUID_URN.match((mid or "").strip()):
        out.fail(
            "DMP-T02", f"wsa:MessageID {mid!r} is not a urn:uuid", f"wsa:MessageID {mid!r} n'est pas un urn:uuid", loc
        )
    for name in ("To", "ReplyTo"):
        if header is None or header.find(f"wsa:{name}", N) is None:
            out.fail("DMP-T02", f"wsa:{name} missing", f"wsa:{name} absent", loc)
    out.cover("DMP-T02", "WS-Addressing headers of ITI-41 present", "en-têtes WS-Addressing ITI-41 présents", loc)


@check("soap", "dmp")
def check_soap(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    env, documents = _framing(artifact, out)
    if env is None:
        return out.finish()
    _envelope(env, out)
    assertions = env.findall("s:Header/wsse:Security/saml:Assertion", N)
    if len(assertions) != 1:
        out.fail(
            "DMP-V01",
            f"{len(assertions)} saml:Assertion in wsse:Security, expected exactly one",
            f"{len(assertions)} saml:Assertion dans wsse:Security au lieu d'une",
            "/s:Envelope/s:Header",
        )
        return out.finish()
    md, _ = read_metadata(etree.tostring(env), documents)
    ids: list[str] = []
    if md is not None:
        found = [s.ext(SS_IDS["patientId"]) for s in md.submission_sets]
        found += [e.ext(DE_IDS["patientId"]) for e in md.entries]
        ids = [i for i in found if i]
    sub = CheckContext(patient=ctx.patient, extra={**ctx.extra, "patient_ids": ids})
    judge_assertion(assertions[0], sub, out)
    return out.finish()
