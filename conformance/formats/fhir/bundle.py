"""One entry point for a FHIR Bundle: parse safely, check base R4 structure, resolve references,
then validate every resource against the profiles it declares that the loaded packages define.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.formats.fhir.base import check_structure
from conformance.formats.fhir.issues import Issue, error, info, warning
from conformance.formats.fhir.jsonload import DEFAULT_LIMITS, JsonLimits, load_json
from conformance.formats.fhir.package import FhirPackage
from conformance.formats.fhir.references import BundleIndex, Resolution, iter_references
from conformance.formats.fhir.validator import ProfileValidator
from conformance.formats.fhir.valuesets import strip_version
from conformance.formats.fhir.version import version_issues


@dataclass
class BundleReport:
    bundle: dict[str, Any] | None
    index: BundleIndex | None
    issues: list[Issue] = field(default_factory=list)
    resolutions: dict[str, Resolution] = field(default_factory=dict)  # Reference location -> resolution
    packages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def readable(self) -> bool:
        return self.bundle is not None and self.index is not None

    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]


_VALIDATORS: dict[tuple[int, ...], ProfileValidator] = {}


def validator_for(packages: Sequence[FhirPackage]) -> ProfileValidator:
    """One compiled validator per package set (profiles compile once per process)."""
    key = tuple(id(p) for p in packages)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = ProfileValidator(list(packages))
    return _VALIDATORS[key]


def _shell(bundle: dict[str, Any]) -> dict[str, Any]:
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return bundle
    return {
        **bundle,
        "entry": [{k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries],
    }


def _references(report: BundleReport, index: BundleIndex) -> None:
    for loc, fu in index.duplicates:
        report.issues.append(
            error(
                "reference",
                loc,
                f"fullUrl {fu} is used by more than one entry",
                f"le fullUrl {fu} est utilisé par plusieurs entrées",
            )
        )
    for entry in index.entries:
        for path, ref, holder, holder_loc in iter_references(entry.resource, entry.loc):
            target = str(ref["reference"])
            res = index.resolve(target, holder, holder_loc, entry)
            report.resolutions[path] = res
            where = f"{path}.reference"
            if res.kind in ("unresolved", "invalid"):
                report.issues.append(
                    error(
                        "reference",
                        where,
                        f"reference {target!r} points to nothing: {res.note}",
                        f"la référence {target!r} ne pointe vers rien : {res.note}",
                    )
                )
            elif res.kind == "misdirected":
                report.issues.append(
                    error(
                        "reference",
                        where,
                        f"reference {target!r} is invalid: {res.note}",
                        f"la référence {target!r} est invalide : {res.note}",
                        key="ref-1",
                    )
                )
            elif res.kind == "external":
                report.issues.append(
                    warning(
                        "reference",
                        where,
                        f"reference {target!r} is not in the Bundle ({res.note}): its target cannot be checked",
                        f"la référence {target!r} n'est pas dans le Bundle : sa cible ne peut pas être vérifiée",
                    )
                )


def _profiles(report: BundleReport, index: BundleIndex, bundle: dict[str, Any], validator: ProfileValidator) -> None:
    def resolve(path: str) -> Resolution | None:
        return report.resolutions.get(path)

    todo: list[tuple[dict[str, Any], str, dict[str, Any]]] = [(bundle, "Bundle", bundle)]
    for entry in index.entries:
        todo.append((entry.resource, entry.loc, entry.resource))
        for j, c in enumerate(entry.resource.get("contained") or []):
            if isinstance(c, dict):
                todo.append((c, f"{entry.loc}.contained[{j}].ofType({c.get('resourceType')})", entry.resource))
    noted: set[str] = set()
    for res, loc, root in todo:
        meta = res.get("meta")
        profiles = meta.get("profile") if isinstance(meta, dict) else None
        for p in profiles if isinstance(profiles, list) else []:
            if not isinstance(p, str):
                continue
            if not validator.knows(p):
                if strip_version(p) not in noted:
                    noted.add(strip_version(p))
                    report.issues.append(
                        info(
                            "profile-unavailable",
                            f"{loc}.meta.profile",
                            f"profile {p} is not in the loaded packages: not checked",
                            f"le profil {p} n'est pas dans les packages chargés : non vérifié",
                        )
                    )
                continue
            report.issues.extend(validator.validate(res, p, loc, resolve, root))


def validate_bundle(
    data: bytes | str | dict[str, Any],
    packages: Sequence[FhirPackage] = (),
    limits: JsonLimits = DEFAULT_LIMITS,
) -> BundleReport:
    """Everything the engine can say about a Bundle; never raises on bad input."""
    started = time.perf_counter()
    report = BundleReport(None, None, packages=[p.label for p in packages])
    if isinstance(data, dict):
        obj: Any = data
    else:
        obj, problems = load_json(data, limits)
        report.issues.extend(problems)
    if obj is None:
        report.seconds = time.perf_counter() - started
        return report
    rt = obj.get("resourceType") if isinstance(obj, dict) else None
    if rt != "Bundle":
        what = f"a {rt}" if isinstance(rt, str) else "not a FHIR resource (no resourceType)"
        report.issues.append(
            error(
                "structure",
                "Bundle",
                f"expected a FHIR Bundle, got {what}",
                f"un Bundle FHIR est attendu, reçu : {what}",
            )
        )
        report.seconds = time.perf_counter() - started
        return report
    report.bundle = obj
    report.index = index = BundleIndex(obj)
    shell_issues = check_structure(_shell(obj), "Bundle")
    report.issues.extend(shell_issues)
    for entry in index.entries:
        found = check_structure(entry.resource, entry.loc)
        report.issues.extend(found)
        report.issues.extend(version_issues(entry.resource, entry.loc, found))
    _references(report, index)
    if packages:
        _profiles(report, index, obj, validator_for(packages))
    report.seconds = time.perf_counter() - started
    return report
