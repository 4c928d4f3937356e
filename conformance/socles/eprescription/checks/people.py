"""The people and the structure of an ordonnance: prescriber (EP-03, EP-04), patient (EP-05,
ID-01, ID-02) and structure identifiers (ID-03), with FR Core's identifier systems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.formats.ins import nir_problem
from conformance.model import CheckContext, Finding
from conformance.registry import check
from conformance.socles.eprescription.checks.datarules import invariant_finding
from conformance.socles.eprescription.checks.view import View, extensions, profiles_of, remembered, select
from conformance.socles.eprescription.messages import M, either

# IDNPS forms (CI-SIS: "8"+RPPS, "0"+ADELI, "3"+FINESS"/"+internal id; FR Core: "préfixé selon source de
# provenance", never built nor interpreted beyond that): a bare RPPS or any other shape is not an IDNPS.
_IDNPS = {"8": re.compile(r"^8[0-9]{11}$"), "0": re.compile(r"^0[0-9A-Z]{9}$"), "3": re.compile(r"^3[0-9AB]{9}/.+$")}
_FINESS = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$")
# idNatSt prefixes (spec §A8): 0 ADELI rang, 1 FINESS, 2 SIREN, 3 SIRET, 4 RPPS rang.
_IDNST = {"1": _FINESS, "2": re.compile(r"^[0-9]{9}$"), "3": re.compile(r"^[0-9]{14}$")}


def _idnst_ok(value: str) -> bool:
    if not value or value[0] not in "01234":
        return False
    pattern = _IDNST.get(value[0])
    return pattern is None or pattern.match(value[1:]) is not None


def _follow_target(view: View, ref_loc: str, expected: str, rid: str, what: str, cite: str) -> Iterator[Finding]:
    """The Reference `what` at `ref_loc` leads to a resource of type `expected` in the Bundle."""
    target = view.follow(ref_loc)
    if target is not None:
        rt = target.resource.get("resourceType")
        if rt == expected:
            yield M.passed(rid, "target.resolves", ref_loc, what=what, target=target.loc, cite=cite)
        else:
            yield M.fail(rid, "target.wrong-type", ref_loc, what=what, type=rt, cite=cite, expected=expected)
    elif view.resolution_kind(ref_loc) == "external":
        yield M.warn(rid, "target.external", ref_loc, what=what, cite=cite)


@check("fhir", "eprescription", "EP-03")
@remembered
def requester(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    cite = rules.cite("core_practitioner")
    for line in view.lines():
        req = line.resource.get("requester")
        if not isinstance(req, dict):
            continue
        where = f"{line.loc}.requester"
        if "reference" not in req:
            rtype = req.get("type", "Practitioner")
            logical = isinstance(req.get("identifier"), dict) and rtype == "Practitioner"
            yield M.judge("EP-03", logical, "requester.logical", "requester.none", where, cite=cite)
            continue
        yield from _follow_target(view, where, "Practitioner", "EP-03", "requester", cite)


@check("fhir", "eprescription", "EP-04")
@remembered
def prescriber_idnps(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    idnps, rpps = rules.systems["idnps"], rules.systems["rpps"]
    cite = f"{rules.cite('core_practitioner')} identifier:idNatPs"
    expected = view.ctx.extra.get("prescriber_rpps")
    for line in view.lines():
        req = line.resource.get("requester")
        if not isinstance(req, dict):
            continue
        where = f"{line.loc}.requester"
        ids: list[tuple[dict[str, Any], str]] = []
        if isinstance(req.get("identifier"), dict):
            ids.append((req["identifier"], f"{where}.identifier"))
        target = view.follow(where) if "reference" in req else None
        if target is not None and target.resource.get("resourceType") == "Practitioner":
            ids.extend(select(target.resource, "identifier", target.loc))
        national = [(i, loc) for i, loc in ids if isinstance(i, dict) and i.get("system") == idnps]
        if not national:
            if target is None and not ids and view.resolution_kind(where) == "external":
                yield M.warn("EP-04", "idnps.external", where, system=idnps, cite=cite)
                continue
            systems = sorted({str(i.get("system")) for i, _ in ids if isinstance(i, dict)})
            if rpps in systems:  # FR Core's other national slice: identifier[rpps] (0..*)
                yield M.passed("EP-04", "idnps.rpps-slice", where, rpps=rpps, cite=cite)
                continue
            # FR Core 2.1.0: "identifier contains idNatPs 0..1 and rpps 0..*": no national id is not a
            # failure of the profile (a hospital prescription translated from PN13 carries a local id)
            yield M.warn("EP-04", "idnps.missing", where, system=idnps, others=", ".join(systems) or "none", cite=cite)
            continue
        for ident, loc in national:
            value = str(ident.get("value", ""))
            form = _IDNPS.get(value[:1])
            if form is None or not form.match(value):
                yield M.fail("EP-04", "idnps.not-rpps", f"{loc}.value", value=value, cite=cite)
            elif expected and value != f"8{expected}":
                yield M.fail("EP-04", "idnps.not-scenario", f"{loc}.value", value=value, expected=expected)
            else:
                yield M.passed("EP-04", "idnps.ok", f"{loc}.value", value=value, cite=cite)


@check("fhir", "eprescription", "EP-05")
@remembered
def subject(view: View, ctx: CheckContext) -> Iterator[Finding]:
    cite = view.rules.cite("core_patient")
    for line in view.lines():
        if isinstance(line.resource.get("subject"), dict):
            where = f"{line.loc}.subject"
            yield from _follow_target(view, where, "Patient", "EP-05", "subject", cite)
            yield from _scenario_patient(view, where)


def _ins_identifiers(view: View, patient: dict[str, Any], loc: str) -> list[tuple[dict[str, Any], str]]:
    s = view.rules.systems
    systems = {s["ins_nir"], s["ins_nia"], s["ins_nir_test"], s["ins_nia_test"]}
    return [(i, w) for i, w in select(patient, "identifier", loc) if isinstance(i, dict) and i.get("system") in systems]


def _scenario_patient(view: View, where: str) -> Iterator[Finding]:
    expected = view.ctx.patient
    target = view.follow(where)
    if not expected or target is None:
        return
    want = (f"urn:oid:{expected.get('ins_oid')}", str(expected.get("ins")))
    got = [(i.get("system"), i.get("value")) for i, _ in _ins_identifiers(view, target.resource, target.loc)]
    if want in got:
        yield M.passed("EP-05", "patient.scenario-ins", target.loc, ins=want[1])
    else:
        found = either(str(got) if got else "", "none")
        yield M.fail("EP-05", "patient.other-ins", target.loc, ins=want[1], system=want[0], found=found)


def is_qualified(view: View, patient: dict[str, Any]) -> bool:
    """identityReliability.identityStatus = VALI (the antecedent of FR Core fr-core-1/fr-core-2)."""
    for r in extensions(patient, view.rules.extensions["identity_reliability"]):
        for sub in r.get("extension") or []:
            value = sub.get("valueCoding") if isinstance(sub, dict) and sub.get("url") == "identityStatus" else None
            if isinstance(value, dict) and value.get("code") == "VALI":
                return True
    return False


def fr_core_invariants(patient: dict[str, Any], qualified: bool, systems: dict[str, str]) -> dict[str, bool]:
    """FR Core 2.1.0 fr-core-1 and fr-core-2 (FRCorePatientINSProfile.fsh), as their FHIRPath reads;
    the expressions are kept in rules.toml and the tests compare both on good and bad Patients."""
    if not qualified:
        return {"fr-core-1": True, "fr-core-2": True}
    ids = [i for i in patient.get("identifier") or [] if isinstance(i, dict)]
    has = {(i.get("system"), i.get("use")) for i in ids}
    nia_temp = (systems["ins_nia"], "temp") in has
    core1 = (
        (systems["ins_nir"], "official") in has
        or nia_temp
        or (systems["ins_nir_test"], "official") in has
        or (systems["ins_nia_test"], "official") in has
    )
    core2 = sum(1 for i in ids if i.get("use") == "official") == 1 or nia_temp
    return {"fr-core-1": core1, "fr-core-2": core2}


@check("fhir", "eprescription", "EP-05")
@remembered
def qualified_ins(view: View, ctx: CheckContext) -> Iterator[Finding]:
    """EP-05: fr-core-1 / fr-core-2 on every Patient (native form of the cited FHIRPath)."""
    rules = view.rules
    invs = {i.key: i for i in rules.invariants if i.key in ("fr-core-1", "fr-core-2")}
    for patient, loc in view.resources("Patient"):
        results = fr_core_invariants(patient, is_qualified(view, patient), rules.systems)
        for key, ok in results.items():
            inv = invs[key]
            yield invariant_finding(inv, rules.cite(inv.profile), ok, loc if ok else f"{loc}.identifier")


def _type_codes(ident: dict[str, Any], system: str) -> set[str]:
    return {
        str(c.get("code"))
        for c, _ in select(ident, "type.coding", "")
        if isinstance(c, dict) and c.get("system") == system
    }


@check("fhir", "eprescription", "ID-01")
@remembered
def ins_values(view: View, ctx: CheckContext) -> Iterator[Finding]:
    s = view.rules.systems
    cite = f"{view.rules.cite('core_patient_ins')} identifier:INS-NIR"
    test_identity = bool(view.ctx.patient)
    seen = False
    for patient, loc in view.resources("Patient"):
        for ident, where in _ins_identifiers(view, patient, loc):
            seen = True
            value, system = str(ident.get("value", "")), str(ident.get("system"))
            problem = nir_problem(value)
            if problem:
                yield M.fail("ID-01", "ins.invalid", f"{where}.value", problem=problem, cite=cite)
                continue
            wanted = {s["ins_nir"]: "INS-NIR", s["ins_nia"]: "INS-NIA"}.get(system)
            type_system = s["identifier_type"]
            if wanted and wanted not in _type_codes(ident, type_system):
                yield M.fail(
                    "ID-01",
                    "ins.untyped",
                    f"{where}.type",
                    system=system,
                    type_system=type_system,
                    wanted=wanted,
                    cite=cite,
                )
            elif test_identity and system in (s["ins_nir"], s["ins_nia"]):
                yield M.fail("ID-01", "ins.production-oid", f"{where}.system", system=system)
            else:
                yield M.passed("ID-01", "ins.valid", f"{where}.value", value=value, system=system)
    if not seen:
        yield M.not_applicable("ID-01", "ins.none", "Bundle")


@check("fhir", "eprescription", "ID-02")
@remembered
def ins_patient(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    ext, cite = rules.extensions, rules.cite("core_patient_ins")
    seen = False
    for patient, loc in view.resources("Patient"):
        if not _ins_identifiers(view, patient, loc) and rules.profile("core_patient_ins") not in profiles_of(patient):
            continue
        seen = True
        status = [
            c
            for r in extensions(patient, ext["identity_reliability"])
            for c, _ in select(r, "extension", "")
            if isinstance(c, dict) and c.get("url") == "identityStatus"
        ]
        codes = {str((c.get("valueCoding") or {}).get("code")) for c in status}
        places = extensions(patient, ext["birth_place"])
        insee = [p for p in places if extensions(p.get("valueAddress"), ext["insee_code"])]
        names = [n for n in patient.get("name") or [] if isinstance(n, dict) and n.get("use") == "official"]
        good = [n for n in names if n.get("given") and extensions(n, ext["birth_list_given_name"])]
        traits = (
            ("VALI" in codes, M.text("ins-trait.status"), f"{loc}.extension"),
            (bool(insee), M.text("ins-trait.birth-place"), f"{loc}.extension"),
            (bool(good), M.text("ins-trait.name"), f"{loc}.name"),
            (patient.get("gender") in ("male", "female", "unknown"), M.text("ins-trait.gender"), f"{loc}.gender"),
            (isinstance(patient.get("birthDate"), str), M.text("ins-trait.birth-date"), f"{loc}.birthDate"),
        )
        for ok, trait, where in traits:
            yield M.judge("ID-02", ok, "ins-patient.present", "ins-patient.lacks", where, trait=trait, cite=cite)
    if not seen:
        yield M.not_applicable("ID-02", "ins-patient.none", "Bundle")


@check("fhir", "eprescription", "ID-03")
@remembered
def structures(view: View, ctx: CheckContext) -> Iterator[Finding]:
    s = view.rules.systems
    cite = "FR Core fr-core-organization identifier:idNatSt/finess " + view.rules.fr_core_version
    seen, finess_found = False, set()
    for e in view.index.entries:
        if e.type != "Organization":
            continue
        for ident, where in select(e.resource, "identifier", e.loc):
            if not isinstance(ident, dict):
                continue
            system, value = ident.get("system"), str(ident.get("value", ""))
            if system == s["idnst"]:
                seen = True
                ok = _idnst_ok(value)
                if ok and value.startswith("1"):
                    finess_found.add(value[1:])
            elif system == s["finess"]:
                seen = True
                ok = _FINESS.match(value) is not None
                if ok:
                    finess_found.add(value)
            elif system == s["finess_legacy"]:
                seen = True
                yield M.fail(
                    "ID-03", "structure.legacy-finess", f"{where}.system", system=system, finess=s["finess"], cite=cite
                )
                continue
            else:
                continue
            if ok:
                yield M.passed("ID-03", "structure.ok", f"{where}.value", value=value, system=system)
            else:
                idnst = system == s["idnst"]
                key = "structure.not-idnst" if idnst else "structure.not-finess"
                yield M.fail("ID-03", key, f"{where}.value", value=value, cite=cite)
    expected = view.ctx.extra.get("finess")
    if expected:
        seen = True
        present = expected in finess_found
        yield M.judge(
            "ID-03", present, "structure.finess-present", "structure.finess-absent", "Bundle", finess=expected
        )
    if not seen:
        yield M.not_applicable("ID-03", "structure.none", "Bundle")
