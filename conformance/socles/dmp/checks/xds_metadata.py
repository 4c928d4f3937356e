"""The SubmissionSet of a DMP feed (DMP-X01, X02) and the XCN/XON of its authors and validators
(DMP-X10). The DocumentEntries are in xds_entries, the lot's associations and signature entry in
xds_lot, the coded values in xds_codes.

Sources: IHE XDS.b, PDSM4DMP logical models, ANS mapping.md (specs/dmp.md §2.1-§2.4).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.ins import INS_OIDS, parse_cx
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .datatypes import dtm_problem, is_oid, xcn_problem, xon_problem
from .xds_codes import content_type_rules
from .xds_model import DE_SCHEMES, SS_IDS, SS_SCHEMES, XdsMetadata
from .xpaths import where


def ins_cx_problem(value: str | None) -> str | None:
    if not value:
        return "patientId is missing"
    cx = parse_cx(value)
    if cx is None:
        return f"patientId {value!r} is not a CX <id>^^^&<OID>&ISO^NH"
    if cx.oid not in INS_OIDS or cx.type_code != "NH":
        kind = cx.type_code or "(empty)"
        return f"patientId {value!r} is not an INS (assigning authority {cx.oid}, type {kind})"
    if len(cx.id) != 15:
        return f"patientId {value!r}: the INS is not 15 characters"
    return None


@check("xds-metadata", "dmp", "DMP-X01", "DMP-X02")
def check_submission_set(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    _submission_set(md, out)
    for ss in md.submission_sets:
        content_type_rules(ss, out)
    return out.finish()


def _submission_set(md: XdsMetadata, out: Collector) -> None:
    loc = where(md.request)
    out.cover("DMP-X01", M.text("xds.submission-set-ok"), loc)
    if len(md.submission_sets) != 1:
        out.fail("DMP-X01", M.text("xds.submission-set-count", count=len(md.submission_sets)), loc)
        if not md.submission_sets:
            return
    ss = md.submission_sets[0]
    problem = ins_cx_problem(ss.ext(SS_IDS["patientId"]))
    if problem:
        out.fail("DMP-X01", M.text("xds.submission-set-patient", problem=problem), ss.location)
    for key in ("sourceId", "uniqueId"):
        value = ss.ext(SS_IDS[key]) or ""
        if not is_oid(value):
            out.fail("DMP-X01", M.text("xds.submission-set-not-oid", name=key, value=value), ss.location)
    times = ss.slot("submissionTime")
    problem = dtm_problem(times[0]) if len(times) == 1 else f"{len(times)} values"
    if problem:
        out.fail(
            "DMP-X01",
            M.text("xds.submission-time", problem=problem),
            ss.location + "/rim:Slot[@name='submissionTime']",
        )
    authors = ss.coded(SS_SCHEMES["author"])
    out.cover("DMP-X02", M.text("xds.submission-set-author-ok"), ss.location)
    if not authors or not any(a.slots.get("authorPerson") for a in authors):
        out.fail("DMP-X02", M.text("xds.submission-set-no-author"), ss.location)
    if len(ss.coded(SS_SCHEMES["contentTypeCode"])) != 1:
        out.fail("DMP-X02", M.text("xds.submission-set-content-type"), ss.location)


@check("xds-metadata", "dmp", "DMP-X10")
def check_people(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    """authorPerson and legalAuthenticator are DMP XCN, authorInstitution a DMP XON."""
    out = Collector()
    pairs = [(ss, SS_SCHEMES["author"]) for ss in md.submission_sets]
    pairs += [(entry, DE_SCHEMES["author"]) for entry in md.entries]
    for obj, scheme in pairs:
        for author in obj.coded(scheme):
            out.cover("DMP-X10", M.text("xds.people-ok"), author.location)
            for slot, problem_of in (("authorPerson", xcn_problem), ("authorInstitution", xon_problem)):
                for value in author.slots.get(slot, []):
                    problem = problem_of(value)
                    if problem:
                        out.fail("DMP-X10", M.text("field.problem", what=slot, problem=problem), author.location)
    for entry in md.entries:
        for value in entry.slot("legalAuthenticator"):
            problem = xcn_problem(value)
            if problem:
                out.fail(
                    "DMP-X10",
                    M.text("field.problem", what="legalAuthenticator", problem=problem),
                    entry.location + "/rim:Slot[@name='legalAuthenticator']",
                )
    return out.finish()
