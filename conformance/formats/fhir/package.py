"""FHIR NPM packages (`--fhir-package PATH`): a package folder or a `.tgz` with `package/` inside.

Only conformance resources are read (StructureDefinition, ValueSet, CodeSystem); examples and
ConceptMaps are skipped by their file name, so cold start stays proportional to what validation
uses. A `.tgz` is read member by member from memory, never extracted to disk, with size limits,
so a hostile archive cannot write outside the run folder or exhaust memory.
"""

from __future__ import annotations

import json
import tarfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WANTED = ("StructureDefinition", "ValueSet", "CodeSystem")
_SKIP_PREFIXES = (
    "ConceptMap-",
    "ImplementationGuide-",
    "Bundle-",
    "SearchParameter-",
    "OperationDefinition-",
    "CapabilityStatement-",
    "NamingSystem-",
    "StructureMap-",
)
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 20_000


class PackageError(ValueError):
    """The path is not a readable FHIR package."""


@dataclass
class FhirPackage:
    """Conformance resources of one package, by canonical URL (without `|version`)."""

    name: str
    version: str
    fhir_versions: tuple[str, ...]
    source: str
    structure_definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    value_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    code_systems: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}#{self.version}"

    def add(self, res: dict[str, Any], where: str) -> None:
        rt, url = res.get("resourceType"), res.get("url")
        if not isinstance(url, str) or not url:
            self.skipped.append(f"{where}: no url")
            return
        target = {
            "StructureDefinition": self.structure_definitions,
            "ValueSet": self.value_sets,
            "CodeSystem": self.code_systems,
        }.get(str(rt))
        if target is not None:
            target[url] = res

    def manifest(self) -> dict[str, Any]:
        return {
            "kind": "fhir-package",
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "fhirVersions": list(self.fhir_versions),
            "structureDefinitions": len(self.structure_definitions),
            "valueSets": len(self.value_sets),
            "codeSystems": len(self.code_systems),
            "loadSeconds": round(self.load_seconds, 4),
        }


def _wanted_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.endswith(".json") and not base.startswith(_SKIP_PREFIXES) and base not in (".index.json",)


def _folder_members(root: Path) -> Iterator[tuple[str, bytes]]:
    lib = root / "package" if (root / "package" / "package.json").is_file() else root
    total = 0
    for n, path in enumerate(sorted(lib.glob("*.json"))):
        if n > MAX_MEMBERS:
            raise PackageError(f"{root}: more than {MAX_MEMBERS} files")
        if path.name != "package.json" and not _wanted_name(path.name):
            continue
        size = path.stat().st_size
        total += size
        if size > MAX_MEMBER_BYTES or total > MAX_PACKAGE_BYTES:
            raise PackageError(f"{path}: package member too large")
        yield path.name, path.read_bytes()


def _tgz_members(path: Path) -> Iterator[tuple[str, bytes]]:
    total = 0
    try:
        with tarfile.open(path, "r:gz") as tar:
            for n, member in enumerate(tar):
                if n > MAX_MEMBERS:
                    raise PackageError(f"{path}: more than {MAX_MEMBERS} members")
                name = member.name.lstrip("./")
                # Only regular files directly under package/: examples, links and odd paths are ignored.
                if not member.isfile() or not name.startswith("package/") or name.count("/") != 1:
                    continue
                base = name.split("/", 1)[1]
                if base != "package.json" and not _wanted_name(base):
                    continue
                total += member.size
                if member.size > MAX_MEMBER_BYTES or total > MAX_PACKAGE_BYTES:
                    raise PackageError(f"{path}: member {name} too large")
                fh = tar.extractfile(member)
                if fh is not None:
                    yield base, fh.read(MAX_MEMBER_BYTES + 1)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise PackageError(f"{path}: not a readable .tgz package ({exc})") from exc


def load_package(path: Path | str) -> FhirPackage:
    """Load a FHIR package folder or `.tgz`; raises PackageError when it is not one."""
    started = time.perf_counter()
    p = Path(path)
    if p.is_dir():
        members: Iterable[tuple[str, bytes]] = _folder_members(p)
    elif p.is_file():
        members = _tgz_members(p)
    else:
        raise PackageError(f"{p}: no such package folder or .tgz")
    manifest: dict[str, Any] = {}
    resources: list[tuple[str, dict[str, Any]]] = []
    for name, raw in members:
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            if name == "package.json":
                raise PackageError(f"{p}: package.json is not JSON") from None
            continue
        if not isinstance(doc, dict):
            continue
        if name == "package.json":
            manifest = doc
        elif doc.get("resourceType") in WANTED:
            resources.append((name, doc))
    if not manifest:
        raise PackageError(f"{p}: no package.json (not a FHIR package)")
    pkg = FhirPackage(
        name=str(manifest.get("name", p.name)),
        version=str(manifest.get("version", "")),
        fhir_versions=tuple(str(v) for v in manifest.get("fhirVersions", manifest.get("fhir-version-list", []))),
        source=str(p),
    )
    for name, doc in resources:
        pkg.add(doc, name)
    pkg.load_seconds = time.perf_counter() - started
    return pkg


_ACTIVE: list[FhirPackage] = []


def set_active_packages(packages: list[FhirPackage | Path | str]) -> list[FhirPackage]:
    """Called once by the front doors for `--fhir-package PATH` (repeatable); [] goes back to the
    harness's own rule set only. Paths are loaded here, so a bad path fails before any run."""
    loaded = [p if isinstance(p, FhirPackage) else load_package(p) for p in packages]
    _ACTIVE[:] = loaded
    return list(_ACTIVE)


def active_packages() -> list[FhirPackage]:
    return list(_ACTIVE)
