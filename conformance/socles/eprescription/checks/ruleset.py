"""The harness's cited rule set (profiles/eprescription/rules.toml) as typed data.

Facts (systems, canonicals, cardinalities, invariants, formats) live in the TOML with their source;
the check modules only hold the logic that applies them, so a new IG version is a data change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from conformance.paths import profiles_dir


@dataclass(frozen=True)
class Cardinality:
    rule: str
    requirement: str
    resource: str
    path: str
    min: int
    max: int | None
    source: str
    applies: str | None
    profile: str


@dataclass(frozen=True)
class Invariant:
    key: str
    requirement: str
    resource: str
    type: str | None
    paths: tuple[str, ...]
    expression: str
    human_en: str
    human_fr: str
    source: str
    applies: str | None
    profile: str
    native: bool = False  # applied by dedicated code, the expression stays the cited reference


@dataclass(frozen=True)
class ValueSetRule:
    name: str
    requirement: str
    strength: str
    systems: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    ig_package: str
    ig_version: str
    ig_canonical: str
    fr_core_version: str
    profiles: dict[str, Any]
    systems: dict[str, str]
    extensions: dict[str, str]
    valuesets: dict[str, ValueSetRule]
    cardinalities: tuple[Cardinality, ...]
    invariants: tuple[Invariant, ...]
    code_formats: dict[str, str]
    posology: dict[str, Any]
    rendering: dict[str, str]
    coherence: dict[str, Any]
    sha_source: str

    @property
    def label(self) -> str:
        return f"{self.id} {self.version} (IG {self.ig_package} {self.ig_version}, FR Core {self.fr_core_version})"

    def ig_canonical_vs(self, name: str) -> str:
        """A value set of the IG as `canonical|version`."""
        return f"{self.ig_canonical}/ValueSet/{name}|{self.ig_version}"

    def profile(self, key: str) -> str:
        return str(self.profiles[key])

    def cite(self, profile_key: str) -> str:
        """`canonical|version` as findings cite the rule's profile."""
        version = self.fr_core_version if profile_key.startswith("core_") else self.ig_version
        return f"{self.profile(profile_key)}|{version}"


def _parse(data: dict[str, Any], where: str) -> RuleSet:
    head = data["ruleset"]
    invs: list[Invariant] = []
    by_key: dict[str, tuple[str, ...]] = {}
    for row in data.get("invariant", []):
        paths = row.get("paths", ())
        if isinstance(paths, str) and paths.startswith("same-as:"):
            paths = by_key[paths.split(":", 1)[1]]
        inv = Invariant(
            row["key"],
            row["requirement"],
            row["resource"],
            row.get("type"),
            tuple(paths),
            row["expression"],
            row["human_en"],
            row["human_fr"],
            row["source"],
            row.get("applies"),
            row["profile"],
            bool(row.get("native", False)),
        )
        by_key[inv.key] = inv.paths
        invs.append(inv)
    return RuleSet(
        id=head["id"],
        version=str(head["version"]),
        ig_package=head["ig_package"],
        ig_version=head["ig_version"],
        ig_canonical=head["ig_canonical"],
        fr_core_version=head["fr_core_version"],
        profiles=dict(data["profiles"]),
        systems=dict(data["systems"]),
        extensions=dict(data["extensions"]),
        valuesets={
            name: ValueSetRule(name, v["requirement"], v["strength"], tuple(v["systems"]), v["source"])
            for name, v in data.get("valuesets", {}).items()
        },
        cardinalities=tuple(
            Cardinality(
                r["rule"],
                r["requirement"],
                r["resource"],
                r["path"],
                int(r["min"]),
                None if r.get("max") is None else int(r["max"]),
                r["source"],
                r.get("applies"),
                r["profile"],
            )
            for r in data.get("cardinality", [])
        ),
        invariants=tuple(invs),
        code_formats=dict(data.get("code_formats", {})),
        posology=dict(data["posology"]),
        rendering=dict(data["rendering"]),
        coherence=dict(data.get("coherence", {})),
        sha_source=where,
    )


@cache
def load_ruleset(path: Path | None = None) -> RuleSet:
    p = path or profiles_dir() / "eprescription" / "rules.toml"
    with open(p, "rb") as fh:
        return _parse(tomllib.load(fh), str(p))
