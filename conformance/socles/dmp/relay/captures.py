"""What the DMP socle judges in imported captures: the DUI's ITI-41, ITI-18 and ITI-43 requests.

A feed (ITI-41) is judged as a scenario judges the request the mock DMP received: the SOAP/MTOM
request, its XDS metadata with the documents it carries, and each CDA document; a search or a retrieval
as a "dmp-consult" request. Signatures (VIHF, XAdES) are verified against the folder's `trust.pem`
when it has one. What needs the DUI's own answer or the DMP's state (DMP-R01, DMP-R02, the replacement
chain) is not judged from a capture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.engine.capture.captures import CapturedExchange
from conformance.engine.capture.imports import Judged
from conformance.formats.ebrim import ITI41
from conformance.model import Artifact, CheckContext

CONSULTS = {
    b"AdhocQueryRequest": "ITI-18",
    b"RetrieveDocumentSetRequest": "ITI-43",
}


def transaction(ex: CapturedExchange) -> str:
    head = ex.request[:65536]
    if b"ProvideAndRegisterDocumentSetRequest" in head or ITI41 in ex.content_type:
        return "ITI-41"
    return next((t for marker, t in CONSULTS.items() if marker in head), "")


def read(ex: CapturedExchange, trust: Path | None) -> Sequence[Judged] | None:
    if ex.kind != "http" or ex.method != "POST":
        return None
    which = transaction(ex)
    if not which:
        return None
    ctx = CheckContext(extra={"ca_bundle": trust} if trust else {})  # a Path: recorded for re-judgement
    meta = {"content_type": ex.content_type, "transaction": which}
    if which != "ITI-41":
        return [Judged(Artifact("dmp-consult", ex.name, ex.request, meta), ctx)]
    # the socle's expander (checks/parts.py) yields the request's XDS metadata and documents, as in a scenario
    return [Judged(Artifact("soap", ex.name, ex.request, meta), ctx)]
