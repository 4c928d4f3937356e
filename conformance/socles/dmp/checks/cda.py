"""The registered CDA check of the DMP socle: parse once, run every header and body rule group.

Hostile or non-CDA input fails the structural header rule (DMP-C02) with the parser's reason,
at the document root, and no other rule runs on it.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from . import cda_body, cda_header, cda_participants, dlu, ins_rules
from .cda_doc import open_cda
from .collector import Collector


@check("cda", "dmp")
def check_cda(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    doc, problem = open_cda(artifact.data)
    if doc is None:
        out.fail(
            "DMP-C02",
            f"not a readable CDA R2 document: {problem}",
            f"document CDA R2 illisible : {problem}",
            "/",
        )
        return out.finish()
    cda_header.rules(doc, out)
    cda_participants.rules(doc, out)
    cda_body.rules(doc, out)
    dlu.rules(doc, out)
    ins_rules.rules(doc, out, ctx)
    return out.finish()
