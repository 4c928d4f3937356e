"""Validation of one resource against a profile's snapshot: cardinality, types, fixed and pattern
values, slicing, required/extensible bindings, invariants and reference target profiles.

This is a deliberately small subset of the HL7 Java validator, enough for the profiles of the
French IGs (ePrescription, FR Core, TDDUI): their slicing uses `value`/`pattern` on a url or system,
`type` on choice elements, and required bindings on codes. Whatever it cannot decide it says (as a
warning or note), it never guesses a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import conformance.formats.fhir.fhirpath as fhirpath
from conformance.formats.fhir.issues import Issue, Severity, error, info, warning
from conformance.formats.fhir.package import FhirPackage
from conformance.formats.fhir.references import Resolution
from conformance.formats.fhir.structure import ElementDef, StructureDef, compile_structure
from conformance.formats.fhir.valuesets import Terminology, strip_version

NATIVE_INVARIANTS = frozenset({"ele-1", "ext-1"})  # checked by the base layer, for speed
BASE_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
MAX_PROFILE_NESTING = 24

Resolver = Callable[[str], Resolution | None]  # location of a Reference -> its resolution


@dataclass
class _Run:
    resource: dict[str, Any]
    root: dict[str, Any]
    resolve: Resolver
    issues: list[Issue] = field(default_factory=list)
    noted: set[str] = field(default_factory=set)
    stack: list[tuple[int, str]] = field(default_factory=list)
    targets_checked: dict[tuple[int, str], bool] = field(default_factory=dict)

    def once(self, key: str, issue: Issue) -> None:
        if key not in self.noted:
            self.noted.add(key)
            self.issues.append(issue)


def _matches(value: Any, pattern: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and _matches(value[k], p) for k, p in pattern.items())
    if isinstance(pattern, list):
        return isinstance(value, list) and all(any(_matches(v, p) for v in value) for p in pattern)
    return bool(value == pattern)


def _codings(value: Any) -> list[tuple[str | None, str | None]]:
    if isinstance(value, str):
        return [(None, value)]
    if isinstance(value, dict):
        if isinstance(value.get("coding"), list):
            return [(c.get("system"), c.get("code")) for c in value["coding"] if isinstance(c, dict)]
        if "code" in value or "system" in value:
            return [(value.get("system"), value.get("code"))]
    return []


def _type_key(stem: str, code: str) -> str:
    return stem + code[:1].upper() + code[1:]


class ProfileValidator:
    """Validates resources against the StructureDefinitions of the loaded packages."""

    def __init__(self, packages: list[FhirPackage]) -> None:
        self.packages = packages
        self.terminology = Terminology(packages)
        self._structures: dict[str, StructureDef | None] = {}

    def structure(self, canonical: str) -> StructureDef | None:
        url = strip_version(canonical)
        if url not in self._structures:
            raw = next((p.structure_definitions[url] for p in self.packages if url in p.structure_definitions), None)
            self._structures[url] = compile_structure(raw) if raw is not None else None
        return self._structures[url]

    def knows(self, canonical: str) -> bool:
        return self.structure(canonical) is not None

    def validate(
        self,
        resource: dict[str, Any],
        profile: str,
        loc: str,
        resolve: Resolver,
        root: dict[str, Any] | None = None,
    ) -> list[Issue]:
        sd = self.structure(profile)
        if sd is None:
            return [
                info(
                    "profile-unavailable",
                    loc,
                    f"profile {profile} is not in the loaded packages: not checked",
                    f"le profil {profile} n'est pas dans les packages chargés : non vérifié",
                )
            ]
        run = _Run(resource, root if root is not None else resource, resolve)
        rt = resource.get("resourceType")
        if sd.type != rt:
            return [
                error(
                    "type",
                    loc,
                    f"profile {sd.label} is for {sd.type}, the resource is a {rt}",
                    f"le profil {sd.label} s'applique à {sd.type}, la ressource est un(e) {rt}",
                    profile=sd.label,
                )
            ]
        self._against(run, resource, sd, loc)
        return run.issues

    # -- walking ---------------------------------------------------------------------------------

    def _against(self, run: _Run, value: Any, sd: StructureDef, path: str) -> None:
        key = (id(value), sd.url)
        if key in run.stack or len(run.stack) > MAX_PROFILE_NESTING:
            return
        run.stack.append(key)
        try:
            self._value(run, value, sd.root, sd, path, sd.type)
        finally:
            run.stack.pop()

    def _children(self, run: _Run, obj: dict[str, Any], el: ElementDef, sd: StructureDef, path: str) -> None:
        exact = {c.name for c in el.children if not c.is_choice}
        for c in el.children:
            if c.is_choice:
                keys = [k for k in obj if k.startswith(c.stem) and k[len(c.stem) :][:1].isupper() and k not in exact]
            else:
                keys = [c.name] if c.name in obj else []
            values: list[tuple[Any, str, str | None]] = []
            for k in keys:
                typ = k[len(c.stem) :] if c.is_choice else (c.types[0].code if len(c.types) == 1 else None)
                v = obj[k]
                if isinstance(v, list):
                    values.extend((item, f"{path}.{k}[{i}]", typ) for i, item in enumerate(v))
                else:
                    values.append((v, f"{path}.{k}", typ))
            count = len(values)
            if not c.is_choice and count == 0 and f"_{c.name}" in obj:
                count = 1  # a primitive present through its extensions only
            here = f"{path}.{c.name if not c.is_choice else c.stem}"
            if count < c.min:
                run.issues.append(
                    error(
                        "cardinality",
                        here,
                        f"{c.id} is required ({c.min}..{c.max if c.max is not None else '*'}), "
                        f"found {count}; profile {sd.label}",
                        f"{c.id} est obligatoire ({c.min}..{c.max if c.max is not None else '*'}), "
                        f"trouvé {count} ; profil {sd.label}",
                        profile=sd.label,
                        element=c.id,
                    )
                )
            if c.max is not None and count > c.max:
                what = "is not allowed (max 0)" if c.max == 0 else f"allows at most {c.max}, found {count}"
                quoi = "est interdit (max 0)" if c.max == 0 else f"admet au plus {c.max}, trouvé {count}"
                run.issues.append(
                    error(
                        "cardinality",
                        here,
                        f"{c.id} {what}; profile {sd.label}",
                        f"{c.id} {quoi} ; profil {sd.label}",
                        profile=sd.label,
                        element=c.id,
                    )
                )
            allowed = {t.code.lower() for t in c.types}
            for v, vpath, typ in values:
                if c.is_choice and typ is not None and typ.lower() not in allowed:
                    run.issues.append(
                        error(
                            "type",
                            vpath,
                            f"type {typ} is not allowed for {c.id} "
                            f"(allowed: {', '.join(t.code for t in c.types)}); profile {sd.label}",
                            f"le type {typ} n'est pas permis pour {c.id} "
                            f"(permis : {', '.join(t.code for t in c.types)}) ; profil {sd.label}",
                            profile=sd.label,
                            element=c.id,
                        )
                    )
                    continue
                self._value(run, v, c, sd, vpath, typ)
            if c.slicing is not None and c.slices:
                self._slices(run, values, c, sd, here)

    def _value(self, run: _Run, v: Any, el: ElementDef, sd: StructureDef, path: str, typ: str | None) -> None:
        kw = {"profile": sd.label, "element": el.id}
        if el.fixed is not None and v != el.fixed:
            run.issues.append(
                error(
                    "fixed",
                    path,
                    f"{el.id} must be exactly {el.fixed!r}; profile {sd.label}",
                    f"{el.id} doit valoir exactement {el.fixed!r} ; profil {sd.label}",
                    **kw,
                )
            )
        if el.pattern is not None and not _matches(v, el.pattern):
            run.issues.append(
                error(
                    "pattern",
                    path,
                    f"{el.id} must match {el.pattern!r}; profile {sd.label}",
                    f"{el.id} doit contenir {el.pattern!r} ; profil {sd.label}",
                    **kw,
                )
            )
        if el.binding_strength in ("required", "extensible") and el.binding_vs and typ != "Reference":
            self._binding(run, v, el, sd, path)
        for c in el.constraints:
            if c.key in NATIVE_INVARIANTS or not c.expression:
                continue
            self._invariant(run, v, el, sd, path, typ, c.key, c.severity, c.human, c.expression)
        if not isinstance(v, dict):
            return
        tref = next((t for t in el.types if typ is None or t.code.lower() == typ.lower()), None)
        if el.children:
            self._children(run, v, el, sd, path)
        elif tref is not None:
            for prof in tref.profiles:
                self._type_profile(run, v, prof, path)
            if tref.code == "Extension" and not tref.profiles and isinstance(v.get("url"), str):
                ext_sd = self.structure(v["url"])
                if ext_sd is not None:
                    self._against(run, v, ext_sd, path)
        if tref is not None and tref.code == "Reference" and tref.target_profiles:
            self._target(run, v, tref.target_profiles, sd, el, path)

    def _type_profile(self, run: _Run, v: dict[str, Any], prof: str, path: str) -> None:
        if strip_version(prof).startswith(BASE_PREFIX):
            return  # base FHIR types: covered by the base layer
        sub = self.structure(prof)
        if sub is None:
            run.once(
                f"unavailable:{strip_version(prof)}",
                info(
                    "profile-unavailable",
                    path,
                    f"profile {prof} is not in the loaded packages: not checked",
                    f"le profil {prof} n'est pas dans les packages chargés : non vérifié",
                ),
            )
            return
        self._against(run, v, sub, path)

    def _invariant(
        self,
        run: _Run,
        v: Any,
        el: ElementDef,
        sd: StructureDef,
        path: str,
        typ: str | None,
        key: str,
        severity: str,
        human: str,
        expression: str,
    ) -> None:
        type_path = None
        if el is not sd.root or sd.kind != "resource":
            type_path = typ if typ and typ[:1].isupper() and typ not in ("BackboneElement", "Element") else el.path
        guard = fhirpath.guard_element(expression)
        if guard is not None and fhirpath.absent(v, guard):
            return
        out = fhirpath.evaluate(expression, v, type_path, run.resource, run.root)
        kw = {"profile": sd.label, "element": el.id, "key": key}
        if out.holds is None:
            run.once(
                f"unevaluable:{sd.url}:{key}",
                warning(
                    "invariant-unevaluable",
                    path,
                    f"invariant {key} of {sd.label} could not be evaluated ({out.error}): not checked",
                    f"l'invariant {key} de {sd.label} n'a pas pu être évalué ({out.error}) : non vérifié",
                    **kw,
                ),
            )
        elif out.holds is False:
            sev = Severity.ERROR if severity == "error" else Severity.WARNING
            run.issues.append(
                Issue(
                    sev,
                    "invariant",
                    path,
                    f"invariant {key} fails: {human} ({expression}); profile {sd.label}",
                    f"l'invariant {key} n'est pas respecté : {human} ({expression}) ; profil {sd.label}",
                    **kw,
                )
            )

    def _binding(self, run: _Run, v: Any, el: ElementDef, sd: StructureDef, path: str) -> None:
        exp = self.terminology.expansion(str(el.binding_vs))
        if exp is None:
            return  # value set not shipped (base FHIR ones are checked by the base layer)
        codings = _codings(v)
        verdicts = [exp.contains(s, c) if s is not None else self._code_only(exp, c) for s, c in codings]
        if any(x is True for x in verdicts) or (verdicts and None in verdicts):
            return
        systems = ", ".join(exp.systems) or "none"
        en = (
            f"no code from value set {el.binding_vs} ({el.binding_strength} binding on {el.id}; "
            f"allowed systems: {systems}); profile {sd.label}"
        )
        fr = (
            f"aucun code du jeu de valeurs {el.binding_vs} (liaison {el.binding_strength} sur {el.id} ; "
            f"systèmes permis : {systems}) ; profil {sd.label}"
        )
        make = error if el.binding_strength == "required" else warning
        run.issues.append(make("binding", path, en, fr, profile=sd.label, element=el.id))

    @staticmethod
    def _code_only(exp: Any, code: str | None) -> bool | None:
        if code is None:
            return False
        for allowed in exp.codes.values():
            if allowed is None or code in allowed:
                return True
        return None if exp.unknown else False

    def _slices(
        self,
        run: _Run,
        values: list[tuple[Any, str, str | None]],
        el: ElementDef,
        sd: StructureDef,
        here: str,
    ) -> None:
        assert el.slicing is not None
        counts = {s.id: 0 for s in el.slices}
        for v, vpath, typ in values:
            hit = next((s for s in el.slices if self._in_slice(run, v, typ, s, el, sd, here)), None)
            if hit is None:
                # A choice element sliced by type: the slices refine some of its types, the element's
                # own type list still governs which types are allowed (publishers mark these "closed").
                by_type = el.is_choice and all(d == "type" for d, _ in el.slicing.discriminators)
                if el.slicing.rules == "closed" and not by_type:
                    run.issues.append(
                        error(
                            "slicing",
                            vpath,
                            f"value matches no slice of {el.id} (closed slicing); profile {sd.label}",
                            f"la valeur ne correspond à aucune tranche de "
                            f"{el.id} (découpage fermé) ; profil {sd.label}",
                            profile=sd.label,
                            element=el.id,
                        )
                    )
                continue
            counts[hit.id] += 1
            self._value(run, v, hit, sd, vpath, typ)
        for s in el.slices:
            n = counts[s.id]
            if n < s.min or (s.max is not None and n > s.max):
                card = f"{s.min}..{s.max if s.max is not None else '*'}"
                run.issues.append(
                    error(
                        "cardinality",
                        here,
                        f"slice {s.slice_name} ({s.id}) requires {card}, found {n}; profile {sd.label}",
                        f"la tranche {s.slice_name} ({s.id}) exige {card}, trouvé {n} ; profil {sd.label}",
                        profile=sd.label,
                        element=s.id,
                    )
                )

    def _in_slice(
        self, run: _Run, v: Any, typ: str | None, s: ElementDef, el: ElementDef, sd: StructureDef, here: str
    ) -> bool:
        assert el.slicing is not None
        for dtype, dpath in el.slicing.discriminators:
            if dtype == "type":
                if typ is None or typ.lower() not in {t.code.lower() for t in s.types}:
                    return False
                continue
            if dtype not in ("value", "pattern"):
                return False
            expected = self._expected(s, dpath, el)
            if expected is None and dpath.startswith(el.name + "."):
                expected = self._expected(s, dpath[len(el.name) + 1 :], el)
                run.once(
                    f"discriminator:{el.id}",
                    info(
                        "slicing",
                        here,
                        f"{el.id}: discriminator path {dpath!r} is not relative to the "
                        f"sliced element; read as {dpath[len(el.name) + 1 :]!r}; profile {sd.label}",
                        f"{el.id} : le chemin discriminant {dpath!r} n'est pas relatif à l'élément découpé ; "
                        "lu comme "
                        f"{dpath[len(el.name) + 1 :]!r} ; profil {sd.label}",
                        profile=sd.label,
                        element=el.id,
                    ),
                )
                dpath = dpath[len(el.name) + 1 :]
            if expected is None:
                return False
            kind, want = expected
            actual = [v] if dpath == "$this" or kind == "binding" else self._at(v, dpath)
            if kind == "fixed" and not any(a == want for a in actual):
                return False
            if kind == "pattern" and not any(_matches(a, want) for a in actual):
                return False
            if kind == "binding":
                exp = self.terminology.expansion(str(want))
                if exp is None or not any(exp.contains(sy, co) is True for a in actual for sy, co in _codings(a)):
                    return False
        return True

    @staticmethod
    def _at(v: Any, dpath: str) -> list[Any]:
        nodes = [v]
        for seg in dpath.split("."):
            nxt: list[Any] = []
            for n in nodes:
                if isinstance(n, dict) and seg in n:
                    got = n[seg]
                    nxt.extend(got if isinstance(got, list) else [got])
            nodes = nxt
        return nodes

    @staticmethod
    def _expected(s: ElementDef, dpath: str, el: ElementDef) -> tuple[str, Any] | None:
        """What slice `s` requires at `dpath`: ("fixed"|"pattern", value) or ("binding", value set)."""
        if dpath == "$this":
            node: ElementDef | None = s
        else:
            node = s
            for seg in dpath.split("."):
                node = next((c for c in node.children if c.name == seg), None) if node is not None else None
            if node is None and dpath == "url" and s.types and s.types[0].profiles:
                return ("fixed", strip_version(s.types[0].profiles[0]))  # extension slice by its profile
        if node is None:
            if s.binding_strength == "required" and s.binding_vs:
                return ("binding", s.binding_vs)
            return None
        if node.fixed is not None:
            return ("fixed", node.fixed)
        if node.pattern is not None:
            return ("pattern", node.pattern)
        if node.binding_strength == "required" and node.binding_vs:
            return ("binding", node.binding_vs)
        if s.binding_strength == "required" and s.binding_vs:
            return ("binding", s.binding_vs)
        return None

    def _target(
        self,
        run: _Run,
        ref: dict[str, Any],
        targets: tuple[str, ...],
        sd: StructureDef,
        el: ElementDef,
        path: str,
    ) -> None:
        res = run.resolve(path)
        if res is None or res.target is None:
            return  # unresolved references are reported once, by the Bundle layer
        wanted = [t for t in targets if not strip_version(t).startswith(BASE_PREFIX)]
        base_types = {strip_version(t)[len(BASE_PREFIX) :] for t in targets if strip_version(t).startswith(BASE_PREFIX)}
        rtype = res.target.get("resourceType")
        if base_types and ("Resource" in base_types or rtype in base_types):
            return
        known = [t for t in wanted if self.knows(t)]
        if not known:
            for t in wanted:
                run.once(
                    f"unavailable:{strip_version(t)}",
                    info(
                        "profile-unavailable",
                        path,
                        f"target profile {t} is not in the loaded packages: not checked",
                        f"le profil cible {t} n'est pas dans les packages chargés : non vérifié",
                    ),
                )
            return
        failures: list[str] = []
        for t in known:
            sub = self.structure(t)
            assert sub is not None
            if sub.type != rtype:
                failures.append(f"{sub.label}: is a {rtype}, not a {sub.type}")
                continue
            inner = _Run(res.target, res.target, run.resolve, stack=list(run.stack))
            self._against(inner, res.target, sub, res.target_loc)
            errs = [i for i in inner.issues if i.is_error]
            if not errs:
                return
            failures.append(f"{sub.label}: {errs[0].path}: {errs[0].message_en}")
        run.issues.append(
            error(
                "reference",
                path,
                f"the target {res.target_loc} conforms to none of "
                f"{', '.join(known)} ({'; '.join(failures)}); profile {sd.label}",
                f"la cible {res.target_loc} n'est conforme à aucun de {', '.join(known)} "
                f"({'; '.join(failures)}) ; profil {sd.label}",
                profile=sd.label,
                element=el.id,
            )
        )
