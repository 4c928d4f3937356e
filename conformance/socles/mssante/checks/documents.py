"""MSS-DOC-01..06 and the embedded archive: an e-mail that transmits health documents (Ref#2 §3.1, §3.8).

What the envelope says (subject, X-MSS-CODECDA, X-MSS-INS, PDF names) is compared with what the
IHE_XDM archive holds (CDA headers, METADATA.XML), so a message is judged as one whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.formats.ins import parse_cx
from conformance.model import Artifact, CheckContext, Finding, failed, fails_or_pass, not_applicable, passed, warned
from conformance.registry import check

from .cdaview import CdaView
from .emailview import XDM_SUBJECT_PREFIX, ZIP_TYPES, EmailView, email_view, refused
from .message import unfold
from .pdf import name_mismatch, name_shape_problem, pdfa_finding
from .xdm import ALL_RULES, xdm_findings
from .xdmview import DE_PATIENT_ID, SS_PATIENT_ID, DocEntry


def _x_mss_ins(view: EmailView) -> str | None:
    values = view.headers("X-MSS-INS")
    return values[0].strip() if len(values) == 1 else None


@check("email", "mssante")
def check_embedded_xdm(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-XDM-01..05 on every IHE_XDM archive attached to the message."""
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, ALL_RULES)
        return
    if not view.zips:
        for rid in ALL_RULES:
            if view.documents_expected(ctx):
                yield failed(
                    rid,
                    "no IHE_XDM.zip attachment to check",
                    "aucune pièce jointe IHE_XDM.zip à vérifier",
                    "message",
                )
            else:
                yield not_applicable(
                    rid,
                    "the message carries no IHE_XDM archive",
                    "le message ne porte pas d'archive IHE_XDM",
                    "message",
                )
        return
    done = {id(att) for att, _ in view.xdms}
    for att in view.zips:
        if id(att) not in done:
            yield failed(
                "MSS-XDM-01",
                f"the zip attachment cannot be decoded: {att.problem}",
                f"la pièce jointe zip est indécodable : {att.problem}",
                att.part.label,
            )
            for rid in ALL_RULES[1:]:
                yield failed(
                    rid,
                    "cannot be verified: the zip attachment cannot be decoded (see MSS-XDM-01)",
                    "invérifiable : pièce jointe zip indécodable (voir MSS-XDM-01)",
                    att.part.label,
                )
    for _, xv in view.xdms:
        yield from xdm_findings(xv, x_mss_ins=_x_mss_ins(view), in_email=True)


@check("email", "mssante")
def check_pdf_copies(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-03: every PDF copy is PDF/A-1 and named after the CDA it copies."""
    rid = "MSS-DOC-03"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    if not view.pdfs:
        if view.cdas() or view.documents_expected(ctx):
            yield failed(rid, "no PDF copy attached", "aucune copie PDF jointe", "message")
        else:
            yield not_applicable(rid, "the message carries no PDF", "le message ne porte pas de PDF", "message")
        return
    parsed = {id(att): pv for att, pv in view.pdf_views}
    cdas = [(e, c) for _, _, e, c in view.cdas()]
    unmatched = list(range(len(cdas)))
    for att in view.pdfs:
        pv = parsed.get(id(att))
        if pv is None:
            yield failed(
                rid,
                f"PDF attachment cannot be decoded: {att.problem}",
                f"pièce jointe PDF indécodable : {att.problem}",
                att.part.label,
            )
            continue
        yield pdfa_finding(pv, att.part.label)
        yield from _pdf_name(att.name, att.part.label, cdas, unmatched)


def _act_date(entry: DocEntry, cda: CdaView) -> str | None:
    value = cda.service_start or entry.slot("serviceStartTime")
    return value[:8] if value and value[:8].isdigit() else None


def _pdf_name(name: str, label: str, cdas: list[tuple[DocEntry, CdaView]], unmatched: list[int]) -> Iterator[Finding]:
    rid = "MSS-DOC-03"
    loc = f"{label} (file name)"
    if not name:
        yield failed(rid, "the PDF attachment has no file name", "la pièce jointe PDF n'a pas de nom", loc)
        return
    if not cdas:
        shape = name_shape_problem(name)
        if shape:
            yield failed(rid, f"PDF name: {shape[0]}", f"nom du PDF : {shape[1]}", loc)
        else:
            yield passed(
                rid,
                f"PDF name {name!r} has the expected shape (no CDA to compare)",
                f"le nom {name!r} a la forme attendue (pas de CDA à comparer)",
                loc,
            )
        return
    reasons: list[tuple[str, str]] = []
    already: str | None = None
    # documents still without a copy first, so that each PDF finds its own CDA
    for i in sorted(range(len(cdas)), key=lambda k: k not in unmatched):
        entry, cda = cdas[i]
        if not (cda.display_name and cda.birth_name and cda.first_given):
            reasons.append(
                (
                    "the CDA lacks code/@displayName, birth name or first given name",
                    "le CDA n'a pas de code/@displayName, de nom de naissance ou de premier prénom",
                )
            )
            continue
        reason = name_mismatch(name, _act_date(entry, cda), cda.display_name, cda.birth_name, cda.first_given)
        if reason is not None:
            reasons.append(reason)
            continue
        doc = entry.file_name or entry.id
        if i not in unmatched:
            already = already or doc
            continue
        unmatched.remove(i)
        yield passed(
            rid,
            f"PDF name {name!r} follows the rule for {doc}",
            f"le nom {name!r} suit la règle pour {doc}",
            loc,
        )
        return
    if already:
        yield failed(
            rid,
            f"PDF {name!r} is a second copy of {already}",
            f"le PDF {name!r} est une seconde copie de {already}",
            loc,
        )
        return
    en = reasons[0][0] if len(cdas) == 1 else "matches none of the CDA documents"
    fr = reasons[0][1] if len(cdas) == 1 else "ne correspond à aucun des documents CDA"
    yield failed(rid, f"PDF name {name!r}: {en}", f"nom du PDF {name!r} : {fr}", loc)


@check("email", "mssante")
def check_attachments(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-02: one IHE_XDM.zip (base64) and one PDF per CDA document."""
    rid = "MSS-DOC-02"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    if not view.documents_expected(ctx):
        yield not_applicable(
            rid, "the message transmits no document", "le message ne transmet aucun document", "message"
        )
        return
    problems: list[tuple[str, str, str]] = []
    if len(view.zips) != 1:
        problems.append(
            (
                f"{len(view.zips)} zip attachments, expected exactly one IHE_XDM.zip",
                f"{len(view.zips)} pièces jointes zip, une seule IHE_XDM.zip attendue",
                "message",
            )
        )
    for att in view.zips:
        cte = str(att.part.msg.get("Content-Transfer-Encoding", "")).strip().lower()
        if att.name.lower() != "ihe_xdm.zip":
            problems.append(
                (
                    f"zip attachment named {att.name or 'without name'!r}, expected IHE_XDM.zip",
                    f"pièce jointe zip nommée {att.name or 'sans nom'!r}, IHE_XDM.zip attendu",
                    att.part.label,
                )
            )
        if att.part.content_type not in ZIP_TYPES + ("application/octet-stream",):
            problems.append(
                (
                    f"zip attachment typed {att.part.content_type}, expected application/zip",
                    f"pièce jointe zip de type {att.part.content_type}, application/zip attendu",
                    att.part.label,
                )
            )
        if cte != "base64":
            problems.append(
                (
                    f"zip attachment transfer encoding {cte or 'none'}, expected base64",
                    f"encodage de transfert {cte or 'absent'}, base64 attendu",
                    att.part.label,
                )
            )
        if att.problem:
            problems.append(
                (
                    f"zip attachment cannot be decoded: {att.problem}",
                    f"pièce jointe zip indécodable : {att.problem}",
                    att.part.label,
                )
            )
    n_cda = len(view.cdas())
    if len(view.pdfs) != n_cda:
        problems.append(
            (
                f"{len(view.pdfs)} PDF attachment(s) for {n_cda} CDA document(s) in the archive",
                f"{len(view.pdfs)} pièce(s) jointe(s) PDF pour {n_cda} document(s) CDA dans l'archive",
                "message",
            )
        )
    yield from fails_or_pass(
        rid,
        problems,
        f"one IHE_XDM.zip and {n_cda} PDF copy(ies)",
        f"une IHE_XDM.zip et {n_cda} copie(s) PDF",
        "message",
    )


@check("email", "mssante")
def check_one_usager(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-01: all CDA recordTargets name one usager, and all METADATA patientIds one usager.

    Whether a patientId matches its own CDA is MSS-XDM-04; this rule looks across documents, so a
    wrong identifier in the metadata alone is reported once, under XDM-04.
    """
    rid = "MSS-DOC-01"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    from_cda: dict[tuple[str, str], str] = {}
    for xv, _, entry, cda in view.cdas():
        where = xv.loc(entry.file_name or entry.case_only_name or "", "/ClinicalDocument/recordTarget/patientRole/id")
        if cda.usager_id is None:
            yield failed(rid, "the CDA recordTarget has no id", "le recordTarget du CDA n'a pas d'identifiant", where)
            continue
        from_cda.setdefault(cda.usager_id, where)
    from_meta: dict[tuple[str, str], str] = {}
    for _, xv in view.xdms:
        for sub in xv.subsets:
            ext = [v for e in sub.entries for v in e.ext_ids.get(DE_PATIENT_ID, [])]
            ext += [v for s in sub.sets for v in s.ext_ids.get(SS_PATIENT_ID, [])]
            for value, el in ext:
                cx = parse_cx(value)
                if cx is not None:
                    from_meta.setdefault((cx.oid, cx.id), xv.loc(sub.metadata_name, el))
    if not from_cda and not from_meta:
        if view.documents_expected(ctx):
            yield failed(
                rid,
                "no usager identity found in the documents (no CDA nor patientId)",
                "aucune identité d'usager dans les documents (ni CDA ni patientId)",
                "message",
            )
        else:
            yield not_applicable(
                rid, "the message transmits no document", "le message ne transmet aucun document", "message"
            )
        return
    bad = False
    for seen, what_en, what_fr in (
        (from_cda, "CDA documents", "documents CDA"),
        (from_meta, "METADATA patientIds", "patientId de METADATA"),
    ):
        ids = sorted(seen)
        if len(ids) > 1:
            bad = True
            listed = "; ".join(f"{i[1]} ({i[0]}) at {seen[i]}" for i in ids)
            yield failed(
                rid,
                f"the {what_en} concern {len(ids)} different usagers: {listed}",
                f"les {what_fr} concernent {len(ids)} usagers différents : {listed}",
                seen[ids[1]],
            )
    if bad:
        return
    seen = from_cda or from_meta
    oid, ins = next(iter(seen))
    where = seen[(oid, ins)]
    patient = ctx.patient or {}
    expected = patient.get("ins")
    if expected and (patient.get("ins_oid", oid), expected) != (oid, ins):
        yield failed(
            rid,
            f"the documents concern {ins} ({oid}), not the scenario's usager {expected}",
            f"les documents concernent {ins} ({oid}) et non l'usager du scénario {expected}",
            where,
        )
        return
    yield passed(rid, f"one usager: {ins} ({oid})", f"un seul usager : {ins} ({oid})", where)


@check("email", "mssante")
def check_subject(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-04: Subject XDM/1.0/DDM+<libellé> <NOM> <prénom>[ <JJ/MM/AAAA>]."""
    rid = "MSS-DOC-04"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    loc = "header Subject"
    subject = unfold(view.header("Subject") or "")
    if not view.documents_expected(ctx):
        yield not_applicable(rid, "the message transmits no document", "le message ne transmet aucun document", loc)
        return
    cdas = [c for _, _, _, c in view.cdas()]
    if not cdas:
        yield (passed if subject.startswith(XDM_SUBJECT_PREFIX) else failed)(
            rid,
            f"subject {subject!r} "
            + ("starts" if subject.startswith(XDM_SUBJECT_PREFIX) else "does not start")
            + f" with {XDM_SUBJECT_PREFIX} (no CDA to compare)",
            f"l'objet {subject!r} "
            + ("commence" if subject.startswith(XDM_SUBJECT_PREFIX) else "ne commence pas")
            + f" par {XDM_SUBJECT_PREFIX} (pas de CDA à comparer)",
            loc,
        )
        return
    first = cdas[0]
    if not (first.birth_name and first.first_given and (len(cdas) > 1 or first.display_name)):
        yield failed(
            rid,
            "the CDA lacks the display name, birth name or first given name the subject is built from",
            "le CDA n'a pas le libellé, le nom de naissance ou le premier prénom dont l'objet est formé",
            loc,
        )
        return
    display = first.display_name or ""
    labels = [f"{len(cdas)} documents"] if len(cdas) > 1 else list(dict.fromkeys((display[:40], display[:40].rstrip())))
    nom, prenom, birth = first.birth_name.upper(), first.first_given, first.birth_date_fr()
    for label in labels:
        prefix = f"{XDM_SUBJECT_PREFIX}{label} {nom} "
        rest = subject[len(prefix) :].casefold() if subject.startswith(prefix) else None
        if rest is not None and (rest == prenom.casefold() or (birth and rest == f"{prenom} {birth}".casefold())):
            yield passed(rid, f"subject {subject!r}", f"objet {subject!r}", loc)
            return
    expected = f"{XDM_SUBJECT_PREFIX}{labels[0]} {nom} {prenom}" + (f" [{birth}]" if birth else "")
    yield failed(
        rid,
        f"subject {subject!r} differs from {expected!r}",
        f"l'objet {subject!r} diffère de {expected!r}",
        loc,
    )


def _unreadable_zip(view: EmailView) -> bool:
    return len(view.xdms) != len(view.zips) or any(x.refused for _, x in view.xdms)


@check("email", "mssante")
def check_codecda(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-05: X-MSS-CODECDA present iff the archive holds CDA documents, listing their codes."""
    rid = "MSS-DOC-05"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    loc = "header X-MSS-CODECDA"
    values = view.headers("X-MSS-CODECDA")
    if _unreadable_zip(view):
        yield failed(
            rid,
            "cannot be verified: an attached archive is unreadable",
            "invérifiable : une archive jointe est illisible",
            loc,
        )
        return
    codes = {c.code for _, _, _, c in view.cdas() if c.code}
    if not view.cdas():
        yield (failed if values else passed)(
            rid,
            "no CDA in the message: X-MSS-CODECDA " + ("must be absent" if values else "absent as required"),
            "aucun CDA dans le message : X-MSS-CODECDA " + ("doit être absent" if values else "absent comme requis"),
            loc,
        )
        return
    if not values:
        yield failed(
            rid,
            f"X-MSS-CODECDA is missing (expected {','.join(sorted(codes))})",
            f"X-MSS-CODECDA est absent ({','.join(sorted(codes))} attendu)",
            loc,
        )
        return
    given = {v.strip() for value in values for v in value.split(",") if v.strip()}
    if given != codes:
        yield failed(
            rid,
            f"X-MSS-CODECDA lists {sorted(given)}, the CDA codes are {sorted(codes)}",
            f"X-MSS-CODECDA liste {sorted(given)}, les codes des CDA sont {sorted(codes)}",
            loc,
        )
    elif len(values) > 1:
        yield warned(
            rid,
            "X-MSS-CODECDA is repeated instead of one comma-separated value (separator UNSURE)",
            "X-MSS-CODECDA est répété au lieu d'une valeur séparée par des virgules (séparateur incertain)",
            loc,
        )
    else:
        yield passed(rid, f"X-MSS-CODECDA: {values[0].strip()}", f"X-MSS-CODECDA : {values[0].strip()}", loc)


@check("email", "mssante")
def check_x_mss_ins(art: Artifact, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-06: X-MSS-INS present iff CDA documents; O iff a qualified INS is present, else N."""
    rid = "MSS-DOC-06"
    view = email_view(art)
    if view.parsed.msg is None:
        yield from refused(view, (rid,))
        return
    loc = "header X-MSS-INS"
    values = [v.strip() for v in view.headers("X-MSS-INS")]
    if _unreadable_zip(view):
        yield failed(
            rid,
            "cannot be verified: an attached archive is unreadable",
            "invérifiable : une archive jointe est illisible",
            loc,
        )
        return
    cdas = view.cdas()
    if not cdas:
        yield (failed if values else passed)(
            rid,
            "no CDA in the message: X-MSS-INS " + ("must be absent" if values else "absent as required"),
            "aucun CDA dans le message : X-MSS-INS " + ("doit être absent" if values else "absent comme requis"),
            loc,
        )
        return
    expected = "O" if any(c.qualified_ins for _, _, _, c in cdas) else "N"
    why_en = "a qualified INS is" if expected == "O" else "no qualified INS is"
    why_fr = "INS qualifié" if expected == "O" else "pas d'INS qualifié"
    if values != [expected]:
        yield failed(
            rid,
            f"X-MSS-INS is {values or 'absent'}, expected {expected!r} ({why_en} in the CDA)",
            f"X-MSS-INS vaut {values or 'absent'}, {expected!r} attendu ({why_fr} dans le CDA)",
            loc,
        )
    else:
        yield passed(rid, f"X-MSS-INS: {expected}", f"X-MSS-INS : {expected}", loc)
