"""MSS-XDM-04 on a CDA document given alone: the recordTarget INS has a valid NIR key.

The full CDA header rules belong to the DMP socle; MSSanté only needs the usager's INS to be
right, so that `conformance validate doc.xml` already says something useful. A document that is
not a readable CDA is refused by the CDA reader (readers.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.formats.ins import nir_problem
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .cdaview import RT_ID, CdaView
from .readers import Named


@check("cda", "mssante", "MSS-XDM-04")
def check_cda_ins(cda: Named[CdaView], ctx: CheckContext) -> Iterator[Finding]:
    rid = "MSS-XDM-04"
    if cda.view.ins is None:
        yield M.not_applicable(rid, "cda.no-ins", f"{cda.name} {RT_ID}")
        return
    oid, ins = cda.view.ins
    loc = f"{cda.name} {RT_ID}[@root='{oid}']"
    reason = nir_problem(ins)
    if reason:
        yield M.fail(rid, "ins.invalid", loc, reason=reason)
    else:
        yield M.passed(rid, "cda.ins-ok", loc, ins=ins, oid=oid)
