"""Requirement catalogs (TOML data under profiles/) and coverage.

Coverage is computed from the scenarios' `@pytest.mark.requirements(...)` marks, collected by
pytest itself, so the list a vendor sees is the list that actually runs.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import tomlcache
from conformance.model import Level, Requirement


class CatalogError(ValueError):
    pass


@dataclass
class Catalog:
    socle: str
    version: str
    title_fr: str
    title_en: str
    path: Path
    sha256: str
    requirements: dict[str, Requirement] = field(default_factory=dict)

    def __getitem__(self, rid: str) -> Requirement:
        return self.requirements[rid]

    def __contains__(self, rid: object) -> bool:
        return rid in self.requirements

    def level(self, rid: str) -> Level:
        return self.requirements[rid].level

    def manifest(self) -> dict[str, Any]:
        return {
            "kind": "requirement-catalog",
            "socle": self.socle,
            "version": self.version,
            "path": self.path.name,
            "sha256": self.sha256,
        }


def load_catalog(path: Path) -> Catalog:
    raw = path.read_bytes()
    try:
        data = tomlcache.loads(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    head = data.get("catalog", {})
    socle = head.get("socle")
    if not socle:
        raise CatalogError(f"{path}: [catalog] socle missing")
    cat = Catalog(
        socle=socle,
        version=str(head.get("version", "0")),
        title_fr=head.get("title_fr", socle),
        title_en=head.get("title_en", socle),
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    for row in data.get("requirement", []):
        try:
            level = Level(row["level"])
            unsure = bool(row.get("unsure", False))
            if unsure and level is Level.EXIGENCE:
                raise CatalogError(f"{path}: {row['id']} is UNSURE and must be a PRECONISATION")
            req = Requirement(
                id=row["id"],
                socle=socle,
                level=level,
                title_en=row["title_en"],
                text_fr=row["text_fr"],
                refs=tuple(row.get("refs", ())),
                source=row.get("source", ""),
                source_version=row.get("source_version", ""),
                source_quality=row.get("source_quality", "primary"),
                kind=row.get("kind", "message"),
                condition=row.get("condition"),
                unsure=unsure,
                checked=bool(row.get("checked", True)),
                not_checked_reason=row.get("not_checked_reason", ""),
            )
        except KeyError as exc:
            raise CatalogError(f"{path}: requirement {row.get('id', '?')} lacks {exc}") from exc
        if req.id in cat.requirements:
            raise CatalogError(f"{path}: duplicate requirement id {req.id}")
        if not req.checked and not req.not_checked_reason:
            raise CatalogError(f"{path}: {req.id} is not checked but gives no reason")
        cat.requirements[req.id] = req
    return cat


_CACHE: dict[str, Catalog] = {}


def catalog_for(socle: str) -> Catalog:
    """The catalog of an installed socle (cached: catalogs are read once per process)."""
    if socle not in _CACHE:
        from conformance.socle import get_socle

        _CACHE[socle] = load_catalog(get_socle(socle).catalog)
    return _CACHE[socle]


def find_requirement(rid: str) -> Requirement | None:
    from conformance.socle import installed_socles

    for name in installed_socles():
        cat = catalog_for(name)
        if rid in cat:
            return cat[rid]
    return None


@dataclass
class Coverage:
    socle: str
    tests_by_requirement: dict[str, list[str]]
    uncovered_exigences: list[str]
    uncovered_preconisations: list[str]
    not_checked: list[str]
    unknown_ids: dict[str, list[str]]  # marks naming ids absent from the catalog


def compute_coverage(cat: Catalog, marks: dict[str, list[str]]) -> Coverage:
    """`marks` maps a test node id to the requirement ids it declares."""
    by_req: dict[str, list[str]] = {rid: [] for rid in cat.requirements}
    unknown: dict[str, list[str]] = {}
    for test, ids in marks.items():
        for rid in ids:
            if rid in by_req:
                by_req[rid].append(test)
            else:
                unknown.setdefault(rid, []).append(test)
    checked = [r for r in cat.requirements.values() if r.checked]
    return Coverage(
        socle=cat.socle,
        tests_by_requirement=by_req,
        uncovered_exigences=[r.id for r in checked if r.level is Level.EXIGENCE and not by_req[r.id]],
        uncovered_preconisations=[r.id for r in checked if r.level is Level.PRECONISATION and not by_req[r.id]],
        not_checked=[r.id for r in cat.requirements.values() if not r.checked],
        unknown_ids=unknown,
    )
