"""The registered XDS metadata check of the DMP socle (artifact kind "xds-metadata").

Input: a SubmitObjectsRequest, a ProvideAndRegisterDocumentSetRequest or a SOAP Envelope with
one of them. Parsed once; the structural, coded and coherence rule groups share the model.
Hostile or unrecognised XML fails DMP-X01 (the SubmissionSet rule) with the parser's reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from . import coherence, xds_codes, xds_lot, xds_metadata
from .collector import Collector
from .xds_model import read_metadata


def resolved_documents(artifact: Artifact, ctx: CheckContext) -> dict[str, bytes]:
    """MTOM parts the service already decoded: {Document/@id: bytes}."""
    docs = artifact.meta.get("documents") or ctx.extra.get("documents") or {}
    return {str(k): bytes(v) for k, v in docs.items() if isinstance(v, bytes | bytearray)}


@check("xds-metadata", "dmp")
def check_xds_metadata(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    md, problem = read_metadata(artifact.data, resolved_documents(artifact, ctx))
    if md is None:
        out.fail("DMP-X01", f"not readable XDS metadata: {problem}", f"métadonnées XDS illisibles : {problem}", "/")
        return out.finish()
    xds_metadata.rules(md, out)
    xds_lot.rules(md, out)
    xds_codes.rules(md, out)
    coherence.rules(md, out, ctx)
    return out.finish()
