"""The captured ITI-41 request (kind "soap"): MTOM/XOP framing and SOAP 1.2 (DMP-T01), WS-Addressing
(DMP-T02), and the VIHF in its wsse:Security header (DMP-V01..V09).

Input: the HTTP body with `meta["content_type"]` (the HTTP Content-Type header), as the mock DMP
records it, read once by `readers.read_soap`. Without a Content-Type (a bare envelope in artifact
mode) the MTOM framing rule is not applicable and the envelope is judged alone. The VIHF is judged
by the rules of checks.vihf, with the INS of the lot (SubmissionSet and DocumentEntry patientId)
as what resource-id must be.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from conformance.formats.ebrim import ITI41, SOAP12, WSA, WSSE
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .readers import SoapRequest
from .vihf import SAML, VIHF_RULES, judge_assertion
from .xds_model import DE_IDS, SS_IDS, read_metadata

UUID_URN = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
N = {"s": SOAP12, "wsa": WSA, "wsse": WSSE, "saml": SAML}
T01 = "DMP-T01"


@check("soap", "dmp", T01)
def check_framing(request: SoapRequest, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    if request.framing == "bare":
        out.not_applicable(T01, M.text("soap.bare-mtom"), "HTTP Content-Type")
    elif request.framing == "envelope":
        out.not_applicable(T01, M.text("soap.no-content-type"), "HTTP Content-Type")
    else:
        kind, start = request.params.get("type"), request.params.get("start-info")
        if (kind or "").lower() != "application/xop+xml":
            out.fail(T01, M.text("soap.type-parameter", type=kind), "HTTP Content-Type")
        if (start or "").lower() != "application/soap+xml":
            out.fail(T01, M.text("soap.start-info", value=start), "HTTP Content-Type")
    env = request.envelope
    if env.tag != f"{{{SOAP12}}}Envelope":
        out.fail(T01, M.text("soap.root", root=env.tag), "MIME root part")
    out.cover(T01, M.text("soap.ok"), "HTTP body")
    return out.finish()


@check("soap", "dmp", "DMP-T02")
def check_addressing(request: SoapRequest, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    header = request.envelope.find("s:Header", N)
    loc = "/s:Envelope/s:Header"
    action = header.findtext("wsa:Action", namespaces=N) if header is not None else None
    if (action or "").strip() != ITI41:
        out.fail("DMP-T02", M.text("soap.action", action=action, expected=ITI41), loc)
    mid = header.findtext("wsa:MessageID", namespaces=N) if header is not None else None
    if not UUID_URN.match((mid or "").strip()):
        out.fail("DMP-T02", M.text("wsa.message-id", mid=mid), loc)
    for name in ("To", "ReplyTo"):
        if header is None or header.find(f"wsa:{name}", N) is None:
            out.fail("DMP-T02", M.text("soap.header-missing", name=name), loc)
    out.cover("DMP-T02", M.text("soap.addressing-ok"), loc)
    return out.finish()


@check("soap", "dmp", *VIHF_RULES)
def check_request_vihf(request: SoapRequest, ctx: CheckContext) -> Iterable[Finding]:
    """The VIHF of the request, whose resource-id must be the INS of the lot it carries."""
    out = Collector()
    assertions = request.envelope.findall("s:Header/wsse:Security/saml:Assertion", N)
    if len(assertions) != 1:
        out.fail("DMP-V01", M.text("soap.assertions", count=len(assertions)), "/s:Envelope/s:Header")
        return out.finish()
    md, _ = read_metadata(request.envelope, request.documents)
    ids: list[str] = []
    if md is not None:
        found = [s.ext(SS_IDS["patientId"]) for s in md.submission_sets]
        found += [e.ext(DE_IDS["patientId"]) for e in md.entries]
        ids = [i for i in found if i]
    sub = replace(ctx, extra={**ctx.extra, "patient_ids": ids})
    judge_assertion(assertions[0], sub, out)
    return out.finish()
