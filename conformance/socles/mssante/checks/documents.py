"""MSS-DOC-01..06 and the embedded archive: an e-mail that transmits health documents (Ref#2 §3.1, §3.8).

What the envelope says (subject, X-MSS-CODECDA, X-MSS-INS, PDF names) is compared with what the
IHE_XDM archive holds (CDA headers, METADATA.XML), so a message is judged as one whole.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance import messages
from conformance.formats.ins import parse_cx
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.mssante.messages import M

from .cdaview import CdaView
from .emailview import XDM_SUBJECT_PREFIX, ZIP_TYPES, Attachment, EmailView
from .message import unfold
from .pdf import name_mismatch, name_shape_problem
from .xdm import ALL_RULES, cannot_verify
from .xdmview import DE_PATIENT_ID, SS_PATIENT_ID, DocEntry


@check("email", "mssante", *ALL_RULES)
def check_embedded_xdm(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-XDM-01..06 when the message carries no readable archive; each archive it carries is an
    artifact of its own (parts.email_parts), judged by the XDM rules with the message's X-MSS-INS."""
    if not view.zips:
        for rid in ALL_RULES:
            if view.documents_expected(ctx):
                yield M.fail(rid, "documents.no-zip", "message")
            else:
                yield M.not_applicable(rid, "documents.no-archive", "message")
        return
    done = {id(att) for att, _ in view.xdms}
    for att in view.zips:
        if id(att) not in done:
            yield M.fail("MSS-XDM-01", "documents.zip-undecodable", att.part.label, problem=att.problem)
            yield from cannot_verify(M.text("documents.zip-undecodable-others"), att.part.label)


@check("email", "mssante", "MSS-DOC-03")
def check_pdf_copies(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-03: every PDF copy is named after the CDA it copies (its PDF/A-1 declaration is judged
    on the PDF, an artifact of its own)."""
    rid = "MSS-DOC-03"
    if not view.pdfs:
        if view.cdas() or view.documents_expected(ctx):
            yield M.fail(rid, "documents.no-pdf", "message")
        else:
            yield M.not_applicable(rid, "documents.no-pdf-carried", "message")
        return
    parsed = {id(att): pv for att, pv in view.pdf_views}
    cdas = [(e, c) for _, _, e, c in view.cdas()]
    unmatched = list(range(len(cdas)))
    for att in view.pdfs:
        pv = parsed.get(id(att))
        if pv is None:
            yield M.fail(rid, "documents.pdf-undecodable", att.part.label, problem=att.problem)
            continue
        # its PDF/A declaration is judged on the PDF itself (parts.email_parts); its name against the CDA here
        yield from _pdf_name(att.name, att.part.label, cdas, unmatched)


def _act_date(entry: DocEntry, cda: CdaView) -> str | None:
    value = cda.service_start or entry.slot("serviceStartTime")
    return value[:8] if value and value[:8].isdigit() else None


def _pdf_name(name: str, label: str, cdas: list[tuple[DocEntry, CdaView]], unmatched: list[int]) -> Iterator[Finding]:
    rid = "MSS-DOC-03"
    loc = f"{label} (file name)"
    if not name:
        yield M.fail(rid, "documents.pdf-unnamed", loc)
        return
    if not cdas:
        shape = name_shape_problem(name)
        if shape:
            yield M.fail(rid, "pdf.name-bad", loc, problem=shape)
        else:
            yield M.passed(rid, "documents.pdf-name-shape-ok", loc, name=name)
        return
    reasons: list[Text] = []
    already: str | None = None
    # documents still without a copy first, so that each PDF finds its own CDA
    for i in sorted(range(len(cdas)), key=lambda k: k not in unmatched):
        entry, cda = cdas[i]
        if not (cda.display_name and cda.birth_name and cda.first_given):
            reasons.append(M.text("documents.cda-lacks-names"))
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
        yield M.passed(rid, "documents.pdf-name-ok", loc, name=name, doc=doc)
        return
    if already:
        yield M.fail(rid, "documents.pdf-second-copy", loc, name=name, doc=already)
        return
    why = reasons[0] if len(cdas) == 1 else M.text("documents.pdf-matches-none")
    yield M.fail(rid, "documents.pdf-name-bad", loc, name=name, why=why)


def _zip_problems(att: Attachment) -> Iterator[Text]:
    """One zip attachment as MSS-DOC-02 wants it: IHE_XDM.zip, application/zip, base64, decodable."""
    cte = str(att.part.msg.get("Content-Transfer-Encoding", "")).strip().lower()
    if att.name.lower() != "ihe_xdm.zip":
        yield M.text("attachments.zip-name", name=att.name) if att.name else M.text("attachments.zip-unnamed")
    if att.part.content_type not in ZIP_TYPES + ("application/octet-stream",):
        yield M.text("attachments.zip-type", type=att.part.content_type)
    if cte != "base64":
        yield M.text("attachments.zip-encoding", cte=cte) if cte else M.text("attachments.zip-no-encoding")
    if att.problem:
        yield M.text("attachments.zip-undecodable", problem=att.problem)


@check("email", "mssante", "MSS-DOC-02")
def check_attachments(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-02: one IHE_XDM.zip (base64) and one PDF per CDA document."""
    rid = "MSS-DOC-02"
    if not view.documents_expected(ctx):
        yield M.not_applicable(rid, "documents.none-transmitted", "message")
        return
    problems: list[tuple[Text, str]] = []
    if len(view.zips) != 1:
        problems.append((M.text("attachments.zip-count", count=len(view.zips)), "message"))
    for att in view.zips:
        problems += [(text, att.part.label) for text in _zip_problems(att)]
    n_cda = len(view.cdas())
    if len(view.pdfs) != n_cda:
        problems.append((M.text("attachments.pdf-count", pdfs=len(view.pdfs), cdas=n_cda), "message"))
    yield from messages.fails_or_pass(rid, problems, M.text("attachments.ok", cdas=n_cda), "message")


def _usagers_in_cdas(view: EmailView) -> tuple[dict[tuple[str, str], str], list[Finding]]:
    """Each usager identity the CDA recordTargets name, with the first place it is named."""
    found: dict[tuple[str, str], str] = {}
    missing: list[Finding] = []
    for xv, _, entry, cda in view.cdas():
        where = xv.loc(entry.file_name or entry.case_only_name or "", "/ClinicalDocument/recordTarget/patientRole/id")
        if cda.usager_id is None:
            missing.append(M.fail("MSS-DOC-01", "usager.cda-no-id", where))
        else:
            found.setdefault(cda.usager_id, where)
    return found, missing


def _usagers_in_metadata(view: EmailView) -> dict[tuple[str, str], str]:
    """Each (OID, id) the METADATA patientIds name, with the first place it is named."""
    found: dict[tuple[str, str], str] = {}
    for _, xv in view.xdms:
        for sub in xv.subsets:
            ext = [v for e in sub.entries for v in e.ext_ids.get(DE_PATIENT_ID, [])]
            ext += [v for s in sub.sets for v in s.ext_ids.get(SS_PATIENT_ID, [])]
            for value, el in ext:
                cx = parse_cx(value)
                if cx is not None:
                    found.setdefault((cx.oid, cx.id), xv.loc(sub.metadata_name, el))
    return found


@check("email", "mssante", "MSS-DOC-01")
def check_one_usager(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-01: all CDA recordTargets name one usager, and all METADATA patientIds one usager.

    Whether a patientId matches its own CDA is MSS-XDM-04; this rule looks across documents, so a
    wrong identifier in the metadata alone is reported once, under XDM-04.
    """
    rid = "MSS-DOC-01"
    from_cda, missing = _usagers_in_cdas(view)
    yield from missing
    from_meta = _usagers_in_metadata(view)
    if not from_cda and not from_meta:
        if view.documents_expected(ctx):
            yield M.fail(rid, "usager.none", "message")
        else:
            yield M.not_applicable(rid, "documents.none-transmitted", "message")
        return
    bad = False
    for seen, what in ((from_cda, M.text("usager.in-cdas")), (from_meta, M.text("usager.in-metadata"))):
        ids = sorted(seen)
        if len(ids) > 1:
            bad = True
            listed = "; ".join(f"{i[1]} ({i[0]}) at {seen[i]}" for i in ids)
            yield M.fail(rid, "usager.several", seen[ids[1]], what=what, count=len(ids), listed=listed)
    if bad:
        return
    seen = from_cda or from_meta
    oid, ins = next(iter(seen))
    where = seen[(oid, ins)]
    patient = ctx.patient or {}
    expected = patient.get("ins")
    if expected and (patient.get("ins_oid", oid), expected) != (oid, ins):
        yield M.fail(rid, "usager.not-the-scenario", where, ins=ins, oid=oid, expected=expected)
    else:
        yield M.passed(rid, "usager.one", where, ins=ins, oid=oid)


@check("email", "mssante", "MSS-DOC-04")
def check_subject(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-04: Subject XDM/1.0/DDM+<libellé> <NOM> <prénom>[ <JJ/MM/AAAA>]."""
    rid = "MSS-DOC-04"
    loc = "header Subject"
    subject = unfold(view.header("Subject") or "")
    if not view.documents_expected(ctx):
        yield M.not_applicable(rid, "documents.none-transmitted", loc)
        return
    cdas = [c for _, _, _, c in view.cdas()]
    if not cdas:
        prefixed = subject.startswith(XDM_SUBJECT_PREFIX)
        yield M.judge(
            rid,
            prefixed,
            "subject.prefix-ok",
            "subject.prefix-missing",
            loc,
            subject=subject,
            prefix=XDM_SUBJECT_PREFIX,
        )
        return
    first = cdas[0]
    if not (first.birth_name and first.first_given and (len(cdas) > 1 or first.display_name)):
        yield M.fail(rid, "subject.cda-lacks-names", loc)
        return
    display = first.display_name or ""
    labels = [f"{len(cdas)} documents"] if len(cdas) > 1 else list(dict.fromkeys((display[:40], display[:40].rstrip())))
    nom, prenom, birth = first.birth_name.upper(), first.first_given, first.birth_date_fr()
    for label in labels:
        prefix = f"{XDM_SUBJECT_PREFIX}{label} {nom} "
        rest = subject[len(prefix) :].casefold() if subject.startswith(prefix) else None
        if rest is not None and (rest == prenom.casefold() or (birth and rest == f"{prenom} {birth}".casefold())):
            yield M.passed(rid, "subject.ok", loc, subject=subject)
            return
    expected = f"{XDM_SUBJECT_PREFIX}{labels[0]} {nom} {prenom}" + (f" [{birth}]" if birth else "")
    yield M.fail(rid, "subject.differs", loc, subject=subject, expected=expected)


def _unreadable_zip(view: EmailView) -> bool:
    return len(view.xdms) != len(view.zips) or any(x.refused for _, x in view.xdms)


@check("email", "mssante", "MSS-DOC-05")
def check_codecda(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-05: X-MSS-CODECDA present iff the archive holds CDA documents, listing their codes."""
    rid = "MSS-DOC-05"
    loc = "header X-MSS-CODECDA"
    values = view.headers("X-MSS-CODECDA")
    if _unreadable_zip(view):
        yield M.fail(rid, "documents.archive-unreadable", loc)
        return
    codes = {c.code for _, _, _, c in view.cdas() if c.code}
    given = {v.strip() for value in values for v in value.split(",") if v.strip()}
    if not view.cdas():
        yield M.judge(rid, not values, "codecda.absent-ok", "codecda.must-be-absent", loc)
    elif not values:
        yield M.fail(rid, "codecda.missing", loc, codes=",".join(sorted(codes)))
    elif given != codes:
        yield M.fail(rid, "codecda.differs", loc, given=sorted(given), codes=sorted(codes))
    elif len(values) > 1:
        yield M.warn(rid, "codecda.repeated", loc)
    else:
        yield M.passed(rid, "codecda.ok", loc, value=values[0].strip())


@check("email", "mssante", "MSS-DOC-06")
def check_x_mss_ins(view: EmailView, ctx: CheckContext) -> Iterator[Finding]:
    """MSS-DOC-06: X-MSS-INS present iff CDA documents; O iff a qualified INS is present, else N."""
    rid = "MSS-DOC-06"
    loc = "header X-MSS-INS"
    values = [v.strip() for v in view.headers("X-MSS-INS")]
    if _unreadable_zip(view):
        yield M.fail(rid, "documents.archive-unreadable", loc)
        return
    cdas = view.cdas()
    if not cdas:
        yield M.judge(rid, not values, "x-mss-ins.absent-ok", "x-mss-ins.must-be-absent", loc)
        return
    qualified = any(c.qualified_ins for _, _, _, c in cdas)
    expected = "O" if qualified else "N"
    if values == [expected]:
        yield M.passed(rid, "x-mss-ins.ok", loc, expected=expected)
    else:
        why = M.text("x-mss-ins.qualified") if qualified else M.text("x-mss-ins.not-qualified")
        yield M.fail(rid, "x-mss-ins.wrong", loc, values=values or "absent", expected=expected, why=why)
