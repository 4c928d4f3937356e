"""The people and the structure of an ordonnance: prescriber (EP-03, EP-04), patient (EP-05,
ID-01, ID-02) and structure identifiers (ID-03), with FR Core's identifier systems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.formats.ins import nir_problem
from conformance.model import CheckContext, Finding, failed, not_applicable, passed, warned
from conformance.registry import check
from conformance.socles.eprescription.checks.view import View, extensions, profiles_of, remembered, select

_IDNPS_RPPS = re.compile(r"^8[0-9]{11}$")
_FINESS = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$")
# idNatSt prefixes (spec §A8): 0 ADELI rang, 1 FINESS, 2 SIREN, 3 SIRET, 4 RPPS rang.
_IDNST = {"1": _FINESS, "2": re.compile(r"^[0-9]{9}$"), "3": re.compile(r"^[0-9]{14}$")}


def _idnst_ok(value: str) -> bool:
    if not value or value[0] not in "01234":
        return False
    pattern = _IDNST.get(value[0])
    return pattern is None or pattern.match(value[1:]) is not None


def _follow_target(
    view: View, ref_loc: str, expected: str, rid: str, what_en: str, what_fr: str, cite: str
) -> Iterator[Finding]:
    kind = view.resolution_kind(ref_loc)
    target = view.follow(ref_loc)
    if target is not None:
        rt = target.resource.get("resourceType")
        if rt == expected:
            yield passed(
                rid,
                f"{what_en} resolves to {target.loc} ({cite})",
                f"{what_fr} pointe vers {target.loc} ({cite})",
                ref_loc,
            )
        else:
            yield failed(
                rid,
                f"{what_en} points to a {rt}, {cite} allows only a {expected}",
                f"{what_fr} pointe vers un(e) {rt}, {cite} n'admet que {expected}",
                ref_loc,
            )
    elif kind == "external":
        yield warned(
            rid,
            f"{what_en} points outside the Bundle: its conformance to {cite} cannot be checked",
            f"{what_fr} pointe hors du Bundle : sa conformité à {cite} ne peut pas être vérifiée",
            ref_loc,
        )


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
            if isinstance(req.get("identifier"), dict) and rtype == "Practitioner":
                yield passed(
                    "EP-03",
                    "requester is a logical reference to a Practitioner (identifier)",
                    "requester est une référence logique à un Practitioner (identifiant)",
                    where,
                )
            else:
                yield failed(
                    "EP-03",
                    f"requester identifies no Practitioner ({cite})",
                    f"requester n'identifie aucun Practitioner ({cite})",
                    where,
                )
            continue
        yield from _follow_target(view, where, "Practitioner", "EP-03", "requester", "requester", cite)


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
                yield warned(
                    "EP-04",
                    f"the prescriber is outside the Bundle and requester carries no identifier: its "
                    f"IDNPS ({idnps}) cannot be checked ({cite})",
                    f"le prescripteur est hors du Bundle et "
                    f"requester ne porte pas d'identifiant : son IDNPS ({idnps}) ne peut pas être vérifié "
                    f"({cite})",
                    where,
                )
                continue
            others = ", ".join(sorted({str(i.get("system")) for i, _ in ids if isinstance(i, dict)})) or "none"
            hint = f" (an {rpps} identifier does not replace it)" if rpps in others else ""
            yield failed(
                "EP-04",
                f"no IDNPS identifier (system {idnps}) for the prescriber; systems seen: {others}{hint} ({cite})",
                f"aucun identifiant IDNPS (système {idnps}) pour le prescripteur ; systèmes vus : {others} ({cite})",
                where,
            )
            continue
        for ident, loc in national:
            value = str(ident.get("value", ""))
            if not _IDNPS_RPPS.match(value):
                yield failed(
                    "EP-04",
                    f"IDNPS {value!r} is not '8' + RPPS (12 digits) ({cite})",
                    f"l'IDNPS {value!r} n'est pas « 8 » + RPPS (12 chiffres) ({cite})",
                    f"{loc}.value",
                )
            elif expected and value != f"8{expected}":
                yield failed(
                    "EP-04",
                    f"IDNPS {value} is not the prescriber of the scenario (8{expected})",
                    f"l'IDNPS {value} n'est pas le prescripteur du scénario (8{expected})",
                    f"{loc}.value",
                )
            else:
                yield passed(
                    "EP-04",
                    f"prescriber identified by IDNPS {value} ({cite})",
                    f"prescripteur identifié par l'IDNPS {value} ({cite})",
                    f"{loc}.value",
                )


@check("fhir", "eprescription", "EP-05")
@remembered
def subject(view: View, ctx: CheckContext) -> Iterator[Finding]:
    cite = view.rules.cite("core_patient")
    for line in view.lines():
        if isinstance(line.resource.get("subject"), dict):
            where = f"{line.loc}.subject"
            yield from _follow_target(view, where, "Patient", "EP-05", "subject", "subject", cite)
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
        yield passed(
            "EP-05",
            f"the Patient carries the scenario's INS {want[1]}",
            f"le Patient porte l'INS du scénario {want[1]}",
            target.loc,
        )
    else:
        yield failed(
            "EP-05",
            f"the Patient does not carry the scenario's INS {want[1]} ({want[0]}); found {got or 'none'}",
            f"le Patient ne porte pas l'INS du scénario {want[1]} ({want[0]}) ; trouvé {got or 'aucun'}",
            target.loc,
        )


def _patients(view: View) -> Iterator[tuple[dict[str, Any], str]]:
    for e in view.index.entries:
        if e.type == "Patient":
            yield e.resource, e.loc
        for j, c in enumerate(e.resource.get("contained") or []):
            if isinstance(c, dict) and c.get("resourceType") == "Patient":
                yield c, f"{e.loc}.contained[{j}].ofType(Patient)"


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
    for patient, loc in _patients(view):
        results = fr_core_invariants(patient, is_qualified(view, patient), rules.systems)
        for key, ok in results.items():
            inv = invs[key]
            cite = rules.cite(inv.profile)
            if ok:
                yield passed(
                    "EP-05", f"invariant {key} holds ({cite})", f"l'invariant {key} est respecté ({cite})", loc
                )
            else:
                yield failed(
                    "EP-05",
                    f"invariant {key} fails: {inv.human_en} ({inv.expression}); {cite} [{inv.source}]",
                    f"l'invariant {key} n'est pas respecté : {inv.human_fr} ; {cite} [{inv.source}]",
                    f"{loc}.identifier",
                )


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
    for patient, loc in _patients(view):
        for ident, where in _ins_identifiers(view, patient, loc):
            seen = True
            value, system = str(ident.get("value", "")), str(ident.get("system"))
            problem = nir_problem(value)
            if problem:
                yield failed("ID-01", f"{problem} ({cite})", f"INS invalide : {problem} ({cite})", f"{where}.value")
                continue
            wanted = {s["ins_nir"]: "INS-NIR", s["ins_nia"]: "INS-NIA"}.get(system)
            if wanted and wanted not in _type_codes(ident, s["identifier_type"]):
                yield failed(
                    "ID-01",
                    f"identifier {system} is not typed {s['identifier_type']}#{wanted} ({cite})",
                    f"l'identifiant {system} n'est pas typé {s['identifier_type']}#{wanted} ({cite})",
                    f"{where}.type",
                )
            elif test_identity and system in (s["ins_nir"], s["ins_nia"]):
                yield failed(
                    "ID-01",
                    f"a test identity is sent with the production INS OID {system} (use .10/.11)",
                    f"une identité de test est envoyée avec l'OID INS de production {system} (utiliser .10/.11)",
                    f"{where}.system",
                )
            else:
                yield passed(
                    "ID-01",
                    f"INS {value} has a valid key ({system})",
                    f"l'INS {value} a une clé valide ({system})",
                    f"{where}.value",
                )
    if not seen:
        yield not_applicable(
            "ID-01", "no INS identifier in the Bundle", "aucun identifiant INS dans le Bundle", "Bundle"
        )


@check("fhir", "eprescription", "ID-02")
@remembered
def ins_patient(view: View, ctx: CheckContext) -> Iterator[Finding]:
    rules = view.rules
    ext, cite = rules.extensions, rules.cite("core_patient_ins")
    seen = False
    for patient, loc in _patients(view):
        if not _ins_identifiers(view, patient, loc) and rules.profile("core_patient_ins") not in profiles_of(patient):
            continue
        seen = True
        checks: list[tuple[bool, str, str, str]] = []
        status = [
            c
            for r in extensions(patient, ext["identity_reliability"])
            for c, _ in select(r, "extension", "")
            if isinstance(c, dict) and c.get("url") == "identityStatus"
        ]
        codes = {str((c.get("valueCoding") or {}).get("code")) for c in status}
        checks.append(
            (
                "VALI" in codes,
                "identityReliability identityStatus VALI",
                "identityReliability identityStatus VALI",
                f"{loc}.extension",
            )
        )
        places = extensions(patient, ext["birth_place"])
        insee = [p for p in places if extensions(p.get("valueAddress"), ext["insee_code"])]
        checks.append(
            (
                bool(insee),
                "birthPlace with an INSEE code",
                "lieu de naissance avec code INSEE",
                f"{loc}.extension",
            )
        )
        names = [n for n in patient.get("name") or [] if isinstance(n, dict) and n.get("use") == "official"]
        good = [n for n in names if n.get("given") and extensions(n, ext["birth_list_given_name"])]
        checks.append(
            (
                bool(good),
                "official name with given and birth-list-given-name",
                "nom officiel avec prénom et liste des prénoms de naissance",
                f"{loc}.name",
            )
        )
        checks.append(
            (
                patient.get("gender") in ("male", "female", "unknown"),
                "gender male/female/unknown",
                "sexe male/female/unknown",
                f"{loc}.gender",
            )
        )
        checks.append((isinstance(patient.get("birthDate"), str), "birthDate", "date de naissance", f"{loc}.birthDate"))
        for ok, en, fr, where in checks:
            if ok:
                yield passed(
                    "ID-02",
                    f"INS Patient: {en} present ({cite})",
                    f"Patient INS : {fr} présent ({cite})",
                    where,
                )
            else:
                yield failed(
                    "ID-02",
                    f"INS Patient lacks {en} ({cite})",
                    f"le Patient INS n'a pas : {fr} ({cite})",
                    where,
                )
    if not seen:
        yield not_applicable("ID-02", "no Patient with an INS in the Bundle", "aucun Patient porteur d'INS", "Bundle")


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
                yield failed(
                    "ID-03",
                    f"FINESS uses the old system {system}; FR Core uses {s['finess']} ({cite})",
                    f"le FINESS utilise l'ancien système {system} ; FR Core utilise {s['finess']} ({cite})",
                    f"{where}.system",
                )
                continue
            else:
                continue
            if ok:
                yield passed(
                    "ID-03",
                    f"structure identifier {value} ({system})",
                    f"identifiant de structure {value} ({system})",
                    f"{where}.value",
                )
            else:
                idnst = system == s["idnst"]
                want_en = "1 + FINESS (10 characters)" if idnst else "a FINESS (9 characters)"
                want_fr = "1 + FINESS (10 caractères)" if idnst else "un FINESS (9 caractères)"
                yield failed(
                    "ID-03",
                    f"structure identifier {value!r} is not {want_en} ({cite})",
                    f"l'identifiant de structure {value!r} n'est pas {want_fr} ({cite})",
                    f"{where}.value",
                )
    expected = view.ctx.extra.get("finess")
    if expected:
        seen = True
        if expected in finess_found:
            yield passed(
                "ID-03",
                f"the structure FINESS {expected} is present",
                f"le FINESS {expected} est présent",
                "Bundle",
            )
        else:
            yield failed(
                "ID-03",
                f"no Organization identifies the structure FINESS {expected}",
                f"aucune Organization n'identifie la structure FINESS {expected}",
                "Bundle",
            )
    if not seen:
        yield not_applicable(
            "ID-03", "no structure identifier in the Bundle", "aucun identifiant de structure", "Bundle"
        )
