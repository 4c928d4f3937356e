"""What the e-prescription rules look at: the engine's report on a Bundle, with helpers to walk
elements (with their FHIRPath) and to follow references the way a reader would.

The reader (reader.py) builds one View per Bundle; every check of kind "fhir" receives it. A rule
is registered `@check("fhir", "eprescription", ...)` over `@remembered`: the view keeps what each rule
said, so the engine check (mapping.py) can leave out an engine issue that a cited rule already judged
at the same place, whatever order the checks run in.

References are followed leniently here (a `#id` pointing at a Bundle entry instead of a contained
resource still reaches that entry): the engine already fails the reference itself, and the other
rules should judge the medication or the prescriber the author obviously meant, not cascade.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.formats.fhir.locations import child
from conformance.formats.fhir.package import FhirPackage
from conformance.formats.fhir.references import BundleIndex, Entry
from conformance.formats.fhir.valuesets import strip_version
from conformance.model import CheckContext, Finding
from conformance.socles.eprescription.checks.ruleset import RuleSet

if TYPE_CHECKING:  # the bundle engine (pydantic, FHIRPath) is imported by the reader, when a Bundle is read
    from conformance.formats.fhir.bundle import BundleReport


def select(node: Any, path: str, loc: str) -> list[tuple[Any, str]]:
    """Values at a dotted path, walking every list (with its index in the location)."""
    current: list[tuple[Any, str]] = [(node, loc)]
    for seg in path.split("."):
        nxt: list[tuple[Any, str]] = []
        for value, where in current:
            if not isinstance(value, dict) or seg not in value:
                continue
            got = value[seg]
            if isinstance(got, list):
                nxt.extend((item, child(where, seg, i)) for i, item in enumerate(got))
            else:
                nxt.append((got, child(where, seg)))
        current = nxt
    return current


def profiles_of(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return [strip_version(p) for p in profiles if isinstance(p, str)] if isinstance(profiles, list) else []


def extensions(node: Any, url: str) -> list[dict[str, Any]]:
    exts = node.get("extension") if isinstance(node, dict) else None
    return [e for e in exts if isinstance(e, dict) and e.get("url") == url] if isinstance(exts, list) else []


@dataclass
class Target:
    resource: dict[str, Any]
    loc: str
    kind: str  # contained | entry | misdirected | self


@dataclass
class View:
    report: BundleReport
    index: BundleIndex
    rules: RuleSet
    ctx: CheckContext
    packages: list[FhirPackage] = field(default_factory=list)  # the FHIR packages the engine validated with
    said: dict[str, list[Finding]] = field(default_factory=dict, repr=False)  # rule name -> its findings

    def said_by(self, rule: RuleFn, ctx: CheckContext) -> list[Finding]:
        """The findings of `rule` on this Bundle, computed once."""
        name = _name(rule)
        if name not in self.said:
            self.said[name] = list(rule(self, ctx))
        return self.said[name]

    def of_type(self, resource_type: str) -> list[Entry]:
        cache = self.__dict__.setdefault("_by_type", {})
        if resource_type not in cache:
            cache[resource_type] = [e for e in self.index.entries if e.type == resource_type]
        return list(cache[resource_type])

    def lines(self) -> list[Entry]:
        return self.of_type("MedicationRequest")

    def follow(self, reference_loc: str) -> Target | None:
        """The resource a Reference (located at `reference_loc`) points to inside the Bundle, if any."""
        res = self.report.resolutions.get(reference_loc)
        if res is None or res.target is None:
            return None
        return Target(res.target, res.target_loc, res.kind)

    def resolution_kind(self, reference_loc: str) -> str | None:
        res = self.report.resolutions.get(reference_loc)
        return res.kind if res is not None else None

    def is_inpatient(self, line: Entry) -> bool:
        return self.rules.profile("inpatient_medicationrequest") in profiles_of(line.resource)

    def resources(self, resource_type: str) -> Iterator[tuple[dict[str, Any], str]]:
        """Every resource of a type, with its location: Bundle entries and the resources they contain."""
        for e in self.index.entries:
            if e.type == resource_type:
                yield e.resource, e.loc
            for j, c in enumerate(e.resource.get("contained") or []):
                if isinstance(c, dict) and c.get("resourceType") == resource_type:
                    yield c, f"{e.loc}.contained[{j}].ofType({resource_type})"

    def medications(self) -> Iterator[tuple[dict[str, Any], str]]:
        return self.resources("Medication")

    def is_compound(self, med: dict[str, Any]) -> bool:
        declared = profiles_of(med)
        if self.rules.profile("medication_compound") in declared:
            return True
        if self.rules.profile("medication_noncompound") in declared:
            return False
        ingredients = med.get("ingredient")
        return isinstance(ingredients, list) and any(isinstance(i, dict) and "itemReference" in i for i in ingredients)


RuleFn = Callable[[View, CheckContext], Iterable[Finding]]
RULES: dict[str, RuleFn] = {}  # the cited rules over the view, by qualified name


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def remembered(rule: RuleFn) -> Callable[[View, CheckContext], list[Finding]]:
    """Make `rule` one of the socle's cited rules: its findings are kept on the view (see the module docstring)."""
    RULES[_name(rule)] = rule

    @functools.wraps(rule)
    def run(view: View, ctx: CheckContext) -> list[Finding]:
        return view.said_by(rule, ctx)

    return run
