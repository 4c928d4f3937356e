"""INS rules on the CDA recordTarget (DMP-I01..I05).

Sources: TestContenuCDA CDA-FO.xsl INS roots and the StrucMin "traits INS" assert; the NIR key
rule; RNIV EXI SI 08 (only a qualified identity feeds the DMP) (specs/dmp.md §3.2, §5).

Which INS roots are acceptable depends on where the document goes: `ctx.extra["ins_environment"]`
is "production" (.8/.9 only) or "test" (.10/.11 only); in artifact mode (unset) both are
accepted, but never together in one document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from conformance.formats.ins import OID_INS_NIA, OID_INS_NIR, PRODUCTION_OIDS, TEST_OIDS, nir_problem
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import INS_C_OID, CdaDoc
from .collector import Collector
from .xpaths import first, text_of, where

I01, I02, I03, I04, I05 = "DMP-I01", "DMP-I02", "DMP-I03", "DMP-I04", "DMP-I05"
NIR_ROOTS = (OID_INS_NIR, "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")
_COG = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
PATIENT = "cda:recordTarget/cda:patientRole/cda:patient"
# the name traits of the INS: path under patient, message when it is missing
NAME_TRAITS = (
    ("cda:name/cda:family[@qualifier='BR']", "ins.trait-birth-name"),
    ("cda:name/cda:given[@qualifier='BR']", "ins.trait-first-given"),
    ("cda:name/cda:given[not(@qualifier)]", "ins.trait-given-names"),
)


def environment(ctx: CheckContext) -> str | None:
    env = ctx.extra.get("ins_environment")
    return env if env in ("production", "test") else None


@check("cda", "dmp", I01, I02, I03, I04, I05)
def check_ins(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    ins = _root_and_count(doc, out, ctx)
    if ins is not None:
        root, ext, loc = ins
        _key(root, ext, loc, out)
        _traits(doc, out)
        qualified(ext, loc, out, ctx)
        _insi_style(doc, out)
    return out.finish()


def _root_and_count(doc: CdaDoc, out: Collector, ctx: CheckContext) -> tuple[str, str, str] | None:
    ids = doc.patient_ids()
    target = doc.at("cda:recordTarget/cda:patientRole")
    base = where(target) if target is not None else where(doc.root, "cda:recordTarget/cda:patientRole")
    out.cover(I01, M.text("ins.ok"), base)
    for pid in ids:
        if pid.get("root") == INS_C_OID:
            out.fail(I01, M.text("ins.ins-c"), where(pid))
    ins_ids = doc.ins_ids()
    if not ins_ids:
        out.fail(I01, M.text("ins.none"), base + "/cda:id")
        return None
    roots = {i.get("root", "") for i in ins_ids}
    if roots & set(PRODUCTION_OIDS) and roots & set(TEST_OIDS):
        out.fail(I01, M.text("ins.mixed", roots=", ".join(sorted(roots))), where(ins_ids[1]))
    elif len(ins_ids) > 1:
        out.fail(I01, M.text("ins.several", count=len(ins_ids)), where(ins_ids[1]))
    first_ins = ins_ids[0]
    root, ext, loc = first_ins.get("root", ""), first_ins.get("extension", ""), where(first_ins)
    env = environment(ctx)
    if env == "production" and root not in PRODUCTION_OIDS:
        out.fail(I01, M.text("ins.test-in-production", root=root), loc)
    elif env == "test" and root not in TEST_OIDS:
        out.fail(I01, M.text("ins.production-in-test", root=root), loc)
    if len(ext) != 15:
        out.fail(I01, M.text("ins.length", ins=ext), loc)
    return root, ext, loc


def _key(root: str, ext: str, loc: str, out: Collector) -> None:
    if root == OID_INS_NIA:
        out.not_applicable(I02, M.text("ins.nia-key"), loc)
        return
    if root not in NIR_ROOTS:
        return
    problem = nir_problem(ext)
    if problem:
        out.fail(I02, M.text("ins.nir-invalid", problem=problem), loc)
    else:
        out.cover(I02, M.text("ins.nir-valid", ins=ext), loc)


def _traits(doc: CdaDoc, out: Collector) -> None:
    patient = doc.patient()
    base = where(patient) if patient is not None else where(doc.root, PATIENT)
    out.cover(I03, M.text("ins.traits-ok"), base)
    for path, key in NAME_TRAITS:
        if patient is None or not text_of(first(patient, path)):
            out.fail(I03, M.text(key), base + "/" + path)
    birth = first(patient, "cda:birthTime") if patient is not None else None
    if birth is None or not birth.get("value"):
        out.fail(I03, M.text("ins.trait-birth-time"), base + "/cda:birthTime")
    county = first(patient, "cda:birthplace/cda:place/cda:addr/cda:county") if patient is not None else None
    cog = text_of(county)
    if not _COG.match(cog):
        out.fail(
            I03,
            M.text("ins.trait-county", found=cog),
            where(county) if county is not None else base + "/cda:birthplace/cda:place/cda:addr/cda:county",
        )
    gender = first(patient, "cda:administrativeGenderCode") if patient is not None else None
    if gender is None or gender.get("code") not in ("F", "M", "UN"):
        out.fail(
            I03,
            M.text("ins.trait-gender"),
            where(gender) if gender is not None else base + "/cda:administrativeGenderCode",
        )


def qualified(ext: str, loc: str, out: Collector, ctx: CheckContext) -> None:
    """DMP-I04 for the INS `ext`: fails when the scenario's identity is not qualified."""
    patient = ctx.patient
    if not patient or "qualified" not in patient:
        out.not_applicable(I04, M.text("ins.status-unknown"), loc)
        return
    if patient.get("ins") and patient["ins"] != ext:
        return
    if patient["qualified"]:
        out.cover(I04, M.text("ins.qualified"), loc)
    else:
        out.fail(I04, M.text("ins.not-qualified", ins=ext), loc)


def _plain_upper(value: str) -> bool:
    decomposed = unicodedata.normalize("NFD", value)
    return value == value.upper() and not any(unicodedata.combining(c) for c in decomposed)


def _insi_style(doc: CdaDoc, out: Collector) -> None:
    patient = doc.patient()
    if patient is None:
        return
    given_br = first(patient, "cda:name/cda:given[@qualifier='BR']")
    given_all = first(patient, "cda:name/cda:given[not(@qualifier)]")
    family_br = first(patient, "cda:name/cda:family[@qualifier='BR']")
    if given_br is None or given_all is None or family_br is None:
        return
    out.cover(I05, M.text("ins.insi-ok"), where(patient))
    tokens = text_of(given_all).split(" ")
    if text_of(given_br) != tokens[0]:
        out.fail(I05, M.text("ins.first-given", given=text_of(given_br), first=tokens[0]), where(given_br))
    if not _plain_upper(text_of(family_br)):
        out.fail(I05, M.text("ins.family-form", family=text_of(family_br)), where(family_br))
