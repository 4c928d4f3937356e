"""Facts a document states twice must agree: the INS matricule with the patient's traits (DMP-I07),
the XDS times with the capture time (DMP-X13), the declared mimeType with the part it describes
(DMP-X14). Sources are cited in the catalog; these rules catch the realistic vendor mistakes no
per-field rule sees (a matricule copied from another patient, local time written as UTC, an HTML
export declared text/xml).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.ins import INS_OIDS, TraitConflict, parse_cx, traits_disagreement
from conformance.formats.sniff import content_words, mime_contradiction
from conformance.messages import Text
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc
from .clock import CLOCK_SKEW, reference_time
from .collector import Collector
from .datatypes import dtm_instant
from .ins_rules import PATIENT
from .xds_model import DE_IDS, XdsMetadata, is_signature
from .xpaths import where

I07, X13, X14 = "DMP-I07", "DMP-X13", "DMP-X14"


def _words(conflict: TraitConflict) -> Text:
    """A contradicted trait in French and English (traits.sex, traits.year, traits.month)."""
    c = conflict.trait
    key = "traits.sex" if c == "sex" else "traits.year" if c == "year" else "traits.month"  # literal keys: greppable
    return M.text(key, found=conflict.found, encoded=conflict.encoded)


@check("cda", "dmp", I07)
def check_matricule_traits(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    """The recordTarget's INS matricule against its birthTime and administrativeGenderCode."""
    out = Collector()
    birth = doc.at(f"{PATIENT}/cda:birthTime")
    gender = doc.at(f"{PATIENT}/cda:administrativeGenderCode")
    for el in doc.ins_ids():
        ins = el.get("extension", "")
        out.cover(I07, M.text("traits.agree", ins=ins), where(el))
        for why in traits_disagreement(
            ins, birth.get("value") if birth is not None else None, gender.get("code") if gender is not None else None
        ):
            out.fail(I07, M.text("traits.cda-differs", ins=ins, why=_words(why)), where(el))
    return out.finish()


@check("xds-metadata", "dmp", I07)
def check_matricule_pid(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    """Each DocumentEntry's INS patientId against the PID-7 and PID-8 of its sourcePatientInfo."""
    out = Collector()
    for entry in md.entries:
        cx = parse_cx(entry.ext(DE_IDS["patientId"]) or "")
        infos = {v.split("|", 1)[0]: v.split("|", 1)[1] for v in entry.slot("sourcePatientInfo") if "|" in v}
        if cx is None or cx.oid not in INS_OIDS or not ({"PID-7", "PID-8"} & set(infos)):
            continue
        loc = entry.location + "/rim:Slot[@name='sourcePatientInfo']"
        out.cover(I07, M.text("traits.agree", ins=cx.id), loc)
        for why in traits_disagreement(cx.id, infos.get("PID-7"), infos.get("PID-8")):
            out.fail(I07, M.text("traits.pid-differs", ins=cx.id, why=_words(why)), loc)
    return out.finish()


@check("xds-metadata", "dmp", X13)
def check_times_not_future(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    at, when = reference_time(ctx)
    slots = [(e, "creationTime") for e in md.entries] + [(s, "submissionTime") for s in md.submission_sets]
    for obj, name in slots:
        for value in obj.slot(name):
            instant = dtm_instant(value)
            if instant is None:
                continue  # a malformed time is X01's (submissionTime) or X03's (creationTime)
            out.cover(X13, M.text("times.not-future", when=when), obj.location)
            if instant > at + CLOCK_SKEW:
                loc = f"{obj.location}/rim:Slot[@name='{name}']"
                out.fail(X13, M.text("times.future", what=name, value=value, when=when), loc)
    return out.finish()


# the DMP holds CDA documents: text/xml is a CDA, application/xslt+xml a self-presentable CDA (specs/dmp.md §2.3)
DMP_ACCEPTS: dict[str, tuple[str, ...]] = {"text/xml": ("cda",), "application/xslt+xml": ("xsl-cda",)}


@check("xds-metadata", "dmp", X14)
def check_mime_type(md: XdsMetadata, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    for entry in md.entries:
        part = md.documents.get(entry.id)
        if is_signature(entry) or part is None or part.data is None:
            continue  # the signature part is judged by S01/S02; a missing part by X04
        declared = entry.el.get("mimeType", "").strip().lower()
        loc = f"{entry.location}/@mimeType"
        out.cover(X14, M.text("mime.agrees"), loc)
        found = mime_contradiction(declared, part.data, DMP_ACCEPTS)
        if found is not None:
            out.fail(X14, M.text("mime.differs", id=entry.id, declared=declared, found=content_words(found)), loc)
    return out.finish()
