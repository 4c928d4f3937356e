"""MSS-PAT-01..02: messages to the usager's own Mon espace santé address (Ref#2 §3.4.2, ECO.2.2.6/2.2.8).

The address is `<15-character INS>@patient.mssante.fr`, built from a qualified INS only; the
"block the patient's reply" option is the header `X-MSS-MES: FIN`, meaningful only when every
recipient is an usager.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.formats.ins import INS_OIDS, nir_problem, parse_cx
from conformance.model import Artifact, CheckContext, Finding, failed, not_applicable, passed
from conformance.registry import check
from conformance.socles.mssante.addresses import PATIENT_DOMAIN, is_patient_address

from .emailview import EmailView, email_view, refused
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


@check("email", "mssante")
def check_patient_address(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-PAT-01: an usager address is a valid INS, the documents' INS, with X-MSS-INS: O."""
    rid = "MSS-PAT-01"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    patients = [a for a in recipients(view) if is_patient_address(a)]
    if not patients:
        if ctx.to_patient:
            yield failed(
                rid,
                f"the message was meant for the usager but has no @{PATIENT_DOMAIN} recipient",
                f"le message destiné à l'usager n'a aucun destinataire @{PATIENT_DOMAIN}",
                "header To",
            )
        else:
            yield not_applicable(rid, "no usager recipient", "aucun destinataire usager", "header To")
        return
    ins = usager_ins(view)
    x_ins = [v.strip() for v in view.headers("X-MSS-INS")]
    for addr in patients:
        local = addr.rsplit("@", 1)[0]
        loc = f"header To/Cc {addr}"
        problems: list[tuple[str, str]] = []
        reason = nir_problem(local)
        if reason:
            problems.append(
                (
                    f"local part is not a valid INS: {reason}",
                    f"la partie locale n'est pas un INS valide : {reason}",
                )
            )
        if ins is not None and local != ins:
            problems.append(
                (
                    f"local part {local} differs from the documents' INS {ins}",
                    f"la partie locale {local} diffère de l'INS des documents {ins}",
                )
            )
        if ctx.patient and ctx.patient.get("ins") and local != ctx.patient["ins"]:
            problems.append(
                (
                    f"local part {local} differs from the usager's INS {ctx.patient['ins']}",
                    f"la partie locale {local} diffère de l'INS de l'usager {ctx.patient['ins']}",
                )
            )
        if view.cdas() and x_ins != ["O"]:
            problems.append(
                (
                    f"X-MSS-INS is {x_ins or 'absent'}: an usager address requires a qualified INS (O)",
                    f"X-MSS-INS vaut {x_ins or 'absent'} : une adresse usager exige un INS qualifié (O)",
                )
            )
        if ctx.patient and ctx.patient.get("qualified") is False:
            problems.append(
                (
                    "the usager's INS is not qualified: sending to the usager must be blocked",
                    "l'INS de l'usager n'est pas qualifié : l'envoi à l'usager doit être bloqué",
                )
            )
        for en, fr in problems:
            yield failed(rid, en, fr, loc)
        if not problems:
            yield passed(
                rid,
                f"usager address {addr} built from a valid qualified INS",
                f"adresse usager {addr} construite sur un INS qualifié valide",
                loc,
            )


@check("email", "mssante")
def check_block_reply(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-PAT-02: X-MSS-MES: FIN, only on messages to usagers, present iff the reply is blocked."""
    rid = "MSS-PAT-02"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    loc = "header X-MSS-MES"
    values = [unfold(v) for v in view.headers("X-MSS-MES")]
    rcpts = recipients(view)
    if not values:
        if ctx.block_reply:
            yield failed(
                rid,
                "the usager's reply is to be blocked but X-MSS-MES: FIN is missing",
                "la réponse de l'usager doit être bloquée mais X-MSS-MES: FIN est absent",
                loc,
            )
        elif ctx.block_reply is False:
            yield passed(rid, "X-MSS-MES absent as required", "X-MSS-MES absent comme requis", loc)
        else:
            yield not_applicable(rid, "no X-MSS-MES header", "pas d'en-tête X-MSS-MES", loc)
        return
    problems: list[tuple[str, str]] = []
    if values != ["FIN"]:
        problems.append(
            (
                f"X-MSS-MES is {values}, the only value is FIN (once, upper case)",
                f"X-MSS-MES vaut {values}, seule la valeur FIN est admise (une fois, en majuscules)",
            )
        )
    others = [a for a in rcpts if not is_patient_address(a)]
    if others or not rcpts:
        problems.append(
            (
                f"X-MSS-MES is set on a message to non-usager recipients {others}",
                f"X-MSS-MES est positionné sur un message à des destinataires non usagers {others}",
            )
        )
    if ctx.block_reply is False:
        problems.append(
            (
                "X-MSS-MES is set although the reply was not to be blocked",
                "X-MSS-MES est positionné alors que la réponse ne devait pas être bloquée",
            )
        )
    for en, fr in problems:
        yield failed(rid, en, fr, loc)
    if not problems:
        yield passed(
            rid,
            "X-MSS-MES: FIN on a message to the usager only",
            "X-MSS-MES: FIN sur un message à l'usager seul",
            loc,
        )
