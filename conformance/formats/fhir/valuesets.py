"""Value-set membership for bindings, from the ValueSets and CodeSystems a package ships.

Supported `compose.include` forms: a whole CodeSystem (`system` only), explicit `concept` lists,
and `valueSet` imports. A whole external CodeSystem the package does not ship (ANSM, EDQM, UCUM)
can only be checked at the system level: membership then answers "the system is right, the code
is not verifiable", which is what an honest offline validator can say. Filters (SNOMED CT `<`
expressions) are not evaluated: the answer is None (unknown), never a false failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.formats.fhir.package import FhirPackage


def strip_version(canonical: str) -> str:
    return canonical.split("|", 1)[0]


@dataclass
class Expansion:
    url: str
    version: str
    codes: dict[str, set[str] | None] = field(default_factory=dict)  # system -> codes (None: whole system)
    unknown: bool = False  # some include could not be evaluated (filter, missing import)

    def contains(self, system: str | None, code: str | None) -> bool | None:
        """True / False, or None when the value set has parts we cannot evaluate."""
        if system and system in self.codes:
            allowed = self.codes[system]
            if allowed is None or (code is not None and code in allowed):
                return True
        return None if self.unknown else False

    @property
    def systems(self) -> list[str]:
        return sorted(self.codes)


def _cs_codes(cs: dict[str, Any]) -> set[str] | None:
    """All codes of a complete CodeSystem (nested concepts included); None if not complete."""
    if cs.get("content") not in (None, "complete"):
        return None
    out: set[str] = set()
    stack = list(cs.get("concept", []) or [])
    while stack:
        c = stack.pop()
        if isinstance(c, dict):
            if isinstance(c.get("code"), str):
                out.add(c["code"])
            stack.extend(c.get("concept", []) or [])
    return out


class Terminology:
    """Expansions cached per canonical over a list of packages (first package wins)."""

    def __init__(self, packages: list[FhirPackage]) -> None:
        self.packages = packages
        self._cache: dict[str, Expansion | None] = {}

    def _vs(self, url: str) -> dict[str, Any] | None:
        for p in self.packages:
            if url in p.value_sets:
                return p.value_sets[url]
        return None

    def _cs(self, url: str) -> dict[str, Any] | None:
        for p in self.packages:
            if url in p.code_systems:
                return p.code_systems[url]
        return None

    def expansion(self, canonical: str, _depth: int = 0) -> Expansion | None:
        url = strip_version(canonical)
        if url in self._cache:
            return self._cache[url]
        vs = self._vs(url)
        if vs is None or _depth > 8:
            self._cache[url] = None
            return None
        exp = Expansion(url, str(vs.get("version", "")))
        compose = vs.get("compose") or {}
        for inc in compose.get("include", []) or []:
            self._include(exp, inc, _depth)
        for exc in compose.get("exclude", []) or []:
            system = exc.get("system")
            concepts = {c.get("code") for c in exc.get("concept", []) or [] if isinstance(c, dict)}
            if system in exp.codes and concepts:
                allowed = exp.codes[system]
                if allowed is None:
                    exp.unknown = True  # "all but these" of an unshipped system: not representable
                else:
                    allowed.difference_update(concepts)
        self._cache[url] = exp
        return exp

    def _include(self, exp: Expansion, inc: dict[str, Any], depth: int) -> None:
        system = inc.get("system")
        if inc.get("filter"):
            exp.unknown = True
            return
        for imported in inc.get("valueSet", []) or []:
            sub = self.expansion(str(imported), depth + 1)
            if sub is None:
                exp.unknown = True
                continue
            exp.unknown |= sub.unknown
            for s, codes in sub.codes.items():
                self._merge(exp, s, None if codes is None else set(codes))
        if not isinstance(system, str):
            return
        concepts = inc.get("concept")
        if concepts:
            self._merge(exp, system, {c["code"] for c in concepts if isinstance(c, dict) and "code" in c})
            return
        cs = self._cs(system)
        self._merge(exp, system, _cs_codes(cs) if cs is not None else None)

    @staticmethod
    def _merge(exp: Expansion, system: str, codes: set[str] | None) -> None:
        if system in exp.codes:
            have = exp.codes[system]
            exp.codes[system] = None if have is None or codes is None else have | codes
        else:
            exp.codes[system] = codes
