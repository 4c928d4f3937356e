"""MSS-PAT-01..02: messages to the usager's own Mon espace santé address (Ref#2 §3.4.2, ECO.2.2.6/2.2.8).

The address is `<15-character INS>@patient.mssante.fr`, built from a qualified INS only; the
"block the patient's reply" option is the header `X-MSS-MES: FIN`, meaningful only when every
recipient is an usager.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance import messages
from conformance.formats.ins import INS_OIDS, nir_problem, parse_cx
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.mssante.addresses import PATIENT_DOMAIN, is_patient_address
from conformance.socles.mssante.messages import M

from .emailview import EmailView
from .message import unfold
from .xdmview import DE_PATIENT_ID


def recipients(view: EmailView) -> list[str]:
    found: list[str] = []
    for name in ("To", "Cc"):
        addrs, _ = view.addresses(name)
        found += [a for _, a in addrs if a]
    return found


def usager_ins(view: EmailView) -> str | None:
    """The INS the documents carry: CDA recordTarget first, METADATA patientId otherwise."""
    for _, _, _, cda in view.cdas():
        if cda.ins:
            return cda.ins[1]
    for _, xv in view.xdms:
        for sub in xv.subsets:
            for e in sub.entries:
                for value, _ in e.ext_ids.get(DE_PATIENT_ID, []):
                    cx = parse_cx(value)
                    if cx and cx.oid in INS_OIDS:
                        return cx.id
    return None


def _address_problems(addr: str, view: EmailView, ctx: CheckContext, ins: str | None) -> list[Text]:
    """Why `addr`, an usager address, is not the one a qualified INS gives (none when it is)."""
    local = addr.rsplit("@", 1)[0]
    x_ins = [v.strip() for v in view.headers("X-MSS-INS")]
    problems: list[Text] = []
    reason = nir_problem(local)
    if reason:
        problems.append(M.text("patient.local-not-ins", reason=reason))
    if ins is not None and local != ins:
        problems.append(M.text("patient.local-not-documents-ins", local=local, ins=ins))
    if ctx.patient and ctx.patient.get("ins") and local != ctx.patient["ins"]:
        problems.append(M.text("patient.local-not-usager-ins", local=local, ins=ctx.patient["ins"]))
    if view.cdas() and x_ins != ["O"]:
        problems.append(M.text("patient.x-mss-ins-not-o", values=x_ins or "absent"))
    if ctx.patient and ctx.patient.get("qualified") is False:
        problems.append(M.text("patient.ins-not-qualified"))
    return problems


@check("email", "mssante", "MSS-PAT-01")
def check_patient_address(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-PAT-01: an usager address is a valid INS, the documents' INS, with X-MSS-INS: O."""
    rid = "MSS-PAT-01"
    patients = [a for a in recipients(view) if is_patient_address(a)]
    if not patients:
        if ctx.to_patient:
            yield M.fail(rid, "patient.no-usager-recipient", "header To", domain=PATIENT_DOMAIN)
        else:
            yield M.not_applicable(rid, "patient.no-usager", "header To")
        return
    ins = usager_ins(view)
    for addr in patients:
        loc = f"header To/Cc {addr}"
        problems = [(text, loc) for text in _address_problems(addr, view, ctx, ins)]
        yield from messages.fails_or_pass(rid, problems, M.text("patient.address-ok", address=addr), loc)


@check("email", "mssante", "MSS-PAT-02")
def check_block_reply(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-PAT-02: X-MSS-MES: FIN, only on messages to usagers, present iff the reply is blocked."""
    rid = "MSS-PAT-02"
    loc = "header X-MSS-MES"
    values = [unfold(v) for v in view.headers("X-MSS-MES")]
    rcpts = recipients(view)
    if not values:
        if ctx.block_reply:
            yield M.fail(rid, "mes.missing", loc)
        elif ctx.block_reply is False:
            yield M.passed(rid, "mes.absent-ok", loc)
        else:
            yield M.not_applicable(rid, "mes.absent", loc)
        return
    problems: list[tuple[Text, str]] = []
    if values != ["FIN"]:
        problems.append((M.text("mes.value", values=values), loc))
    others = [a for a in rcpts if not is_patient_address(a)]
    if others or not rcpts:
        problems.append((M.text("mes.non-usager", others=others), loc))
    if ctx.block_reply is False:
        problems.append((M.text("mes.not-asked"), loc))
    yield from messages.fails_or_pass(rid, problems, M.text("mes.ok"), loc)
