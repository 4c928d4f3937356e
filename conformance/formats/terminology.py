"""Value sets ("jeux de valeurs") loaded from IHE SVS files, as ANS publishes them.

By default the harness uses the cited subsets shipped in profiles/valuesets/ (each file states
the official value set id, version and date it was taken from). `--terminology DIR` points at a
folder of official SVS files (e.g. the `jeuxDeValeurs/` folder of TestContenuCDA) which then
takes precedence, so a vendor checks against exactly the version it targets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from conformance.formats.xmlsafe import parse_xml
from conformance.paths import profiles_dir

SVS_NS = "urn:ihe:iti:svs:2008"


@dataclass
class ValueSet:
    oid: str
    name: str  # e.g. JDV_J07_XdsTypeCode_CISIS
    version: str  # revisionDate or dateMaj as published
    source: str  # file the set was read from
    sha256: str
    concepts: dict[tuple[str, str], str] = field(default_factory=dict)  # (code, system) -> display

    def contains(self, code: str, system: str | None = None) -> bool:
        if system is None:
            return any(c == code for c, _ in self.concepts)
        return (code, system) in self.concepts

    def display(self, code: str, system: str | None = None) -> str | None:
        for (c, s), d in self.concepts.items():
            if c == code and (system is None or s == system):
                return d
        return None

    def manifest(self) -> dict[str, str]:
        return {
            "kind": "value-set",
            "name": self.name,
            "oid": self.oid,
            "version": self.version,
            "path": Path(self.source).name,
            "sha256": self.sha256,
        }


def load_svs(path: Path) -> ValueSet:
    raw = Path(path).read_bytes()
    root = parse_xml(raw)
    vs = root if etree.QName(root).localname == "ValueSet" else root.find(f"{{{SVS_NS}}}ValueSet")
    if vs is None:
        raise ValueError(f"{path}: no SVS ValueSet element")
    name = Path(path).stem
    display = vs.get("displayName", "")
    if display:
        name = display.removesuffix(".tabs")
    out = ValueSet(
        oid=vs.get("id", ""),
        name=name,
        version=vs.get("revisionDate") or vs.get("dateMaj") or vs.get("version", ""),
        source=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    for concept in vs.iter(f"{{{SVS_NS}}}Concept"):
        out.concepts[(concept.get("code", ""), concept.get("codeSystem", ""))] = concept.get("displayName", "")
    return out


class Terminology:
    """Value sets by name (file stem without extension, e.g. `JDV_J07_XdsTypeCode_CISIS`)."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.dirs = [d for d in (override_dir, profiles_dir() / "valuesets") if d is not None]
        self._cache: dict[str, ValueSet] = {}

    def get(self, name: str) -> ValueSet | None:
        if name in self._cache:
            return self._cache[name]
        for d in self.dirs:
            path = Path(d) / f"{name}.xml"
            if path.is_file():
                self._cache[name] = load_svs(path)
                return self._cache[name]
        return None

    def used(self) -> list[ValueSet]:
        return list(self._cache.values())


_DEFAULT: Terminology | None = None


def default_terminology() -> Terminology:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Terminology()
    return _DEFAULT


def set_terminology_dir(directory: Path | None) -> Terminology:
    """Called once by the front doors when `--terminology DIR` is given."""
    global _DEFAULT
    _DEFAULT = Terminology(directory)
    return _DEFAULT


def write_svs_subset(vs: ValueSet, codes: list[str] | None, path: Path, note: str) -> None:
    """Write a cited subset in SVS form (our own file: official id, version and source kept)."""
    root = etree.Element(f"{{{SVS_NS}}}RetrieveValueSetResponse", nsmap={None: SVS_NS})
    el = etree.SubElement(
        root,
        f"{{{SVS_NS}}}ValueSet",
        id=vs.oid,
        displayName=vs.name,
        revisionDate=vs.version,
        description=note,
    )
    lst = etree.SubElement(el, f"{{{SVS_NS}}}ConceptList")
    for (code, system), disp in sorted(vs.concepts.items()):
        if codes is None or code in codes:
            etree.SubElement(lst, f"{{{SVS_NS}}}Concept", code=code, codeSystem=system, displayName=disp)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
