"""MSS-XDM-04 on a CDA document given alone: the recordTarget INS has a valid NIR key.

The full CDA header rules belong to the DMP socle; MSSanté only needs the usager's INS to be
right, so that `conformance validate doc.xml` already says something useful.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from conformance.formats.ins import nir_problem
from conformance.model import Artifact, CheckContext, Finding, failed, not_applicable, passed
from conformance.registry import check

from .cache import cached
from .cdaview import RT_ID, CdaView, parse_cda


def cda_view(data: bytes, digest: str | None = None) -> CdaView:
    return cached("cda", digest or hashlib.sha256(data).hexdigest(), lambda: parse_cda(data))


@check("cda", "mssante")
def check_cda_ins(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    rid = "MSS-XDM-04"
    view = cda_view(art.data, art.sha256)
    if not view.is_cda:
        yield failed(
            rid,
            f"the CDA document cannot be read: {view.refused}",
            f"le document CDA est illisible : {view.refused}",
            art.name,
        )
        return
    if view.ins is None:
        yield not_applicable(
            rid,
            "the recordTarget carries no INS",
            "le recordTarget ne porte pas d'INS",
            f"{art.name} {RT_ID}",
        )
        return
    oid, ins = view.ins
    loc = f"{art.name} {RT_ID}[@root='{oid}']"
    reason = nir_problem(ins)
    if reason:
        yield failed(rid, reason, f"INS invalide : {reason}", loc)
    else:
        yield passed(
            rid,
            f"recordTarget INS {ins} ({oid}) has a valid key",
            f"l'INS {ins} ({oid}) du recordTarget a une clé valide",
            loc,
        )
