"""Run a pack's schematrons on one document and return findings; the pack the front doors chose.

The document never reaches Saxon as the bytes it came in: it is parsed by the harness's hardened
parser (no DTD, no entities, no network, size and depth limits) and only the root element's tree
(the ClinicalDocument, or the stylesheet around it in a self-presentable CDA) is serialised again,
without any DOCTYPE, for Saxon to read. A hostile document is thus a
failing finding naming the rule and the place, never a file read or a traceback.

One more guard belongs to the ANS pack itself: terminologie.sch builds file paths from the
document's `@codeSystem` (`doc-available(concat('../terminologie/', @codeSystem, '.rdf'))`). A
codeSystem is an OID or UUID by the CDA data types; any other value is refused before Saxon runs,
so a document cannot make the schematrons probe paths outside the pack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError

from conformance.formats.schematron.compile import Compiler, SchematronError, missing_includes, processor, saxon_message
from conformance.formats.schematron.pack import Pack, Schematron, clinical_document, document_templates
from conformance.formats.schematron.svrl import parse_svrl, to_findings
from conformance.formats.xmlsafe import XmlRefused, parse_xml, xpath_of
from conformance.model import Finding, failed, not_applicable, warned

_UID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,127}$")


@dataclass
class PackRunner:
    """A pack, the schematrons asked for (`auto`, `profiles`, `all` or names) and its compiler."""

    pack: Pack
    names: tuple[str, ...] = ("auto",)
    cache_dir: Path | None = None
    compiler: Compiler = field(init=False)

    def __post_init__(self) -> None:
        self.pack.check_names(self.names)
        self.compiler = Compiler(self.pack, self.cache_dir)

    def run(self, data: bytes, requirement: str, evidence: str | None = None) -> list[Finding]:
        """Findings of the selected schematrons on `data` (a CDA, plain or self-presentable)."""
        return [f if f.evidence else replace(f, evidence=evidence) for f in self._run(data, requirement)]

    def _run(self, data: bytes, requirement: str) -> list[Finding]:
        try:
            root = parse_xml(data)
        except XmlRefused as exc:
            return [
                failed(
                    requirement,
                    f"ANS schematrons not run: the document was refused by the hardened XML parser: {exc}",
                    f"schématrons ANS non exécutés : document refusé par l'analyseur XML durci : {exc}",
                    "/",
                )
            ]
        refused = _unsafe_code_systems(root, requirement)
        if refused:
            return refused
        doc = clinical_document(root)
        chosen, reason = self.pack.select(self.names, document_templates(doc) if doc is not None else [])
        if not chosen:
            why = reason or "the document has no ClinicalDocument"
            return [
                not_applicable(
                    requirement,
                    f"no ANS schematron applies: {why}",
                    f"aucun schématron ANS ne s'applique : {why}",
                    "/",
                )
            ]
        try:
            source = processor().parse_xml(xml_text=etree.tostring(root, encoding="unicode"), encoding="UTF-8")
        except PySaxonApiError as exc:  # lxml accepted what Saxon's parser does not: still the document's fault
            msg = saxon_message(exc)
            return [
                failed(
                    requirement,
                    f"ANS schematrons not run: Saxon cannot read the document: {msg}",
                    f"schématrons ANS non exécutés : Saxon ne peut lire le document : {msg}",
                    "/",
                )
            ]
        findings: list[Finding] = []
        for sch in chosen:
            findings.extend(self._one(sch, source, requirement))
        return findings

    def _one(self, sch: Schematron, source: Any, requirement: str) -> list[Finding]:
        """One schematron: a broken pack or a Saxon stop is a failing finding, never a pass."""
        try:
            svrl = self.compiler.executable(sch).transform_to_string(xdm_node=source)
        except SchematronError as exc:
            en = f"{exc} (the pack is at fault, not the document)"
            fr = f"le schématron ANS {sch.name} ne compile pas avec le moteur du paquet (défaut du paquet) : {exc}"
            return [failed(requirement, en, fr, "/")]
        except PySaxonApiError as exc:
            msg = saxon_message(exc)
            en = f"ANS schematron {sch.name} stopped with a Saxon error on this document: {msg}"
            fr = f"le schématron ANS {sch.name} s'est arrêté sur une erreur Saxon : {msg}"
            if "I/O error" in msg and self.pack.root.as_uri().removeprefix("file://") in msg:
                en += " (a file of the pack is missing or unreadable: the pack is at fault, not the document)"
                fr += " (un fichier du paquet manque ou est illisible : défaut du paquet, pas du document)"
            return [failed(requirement, en, fr, "/")]
        skipped = [
            warned(
                requirement,
                f"ANS schematron {sch.name}: its include {href} is not in the pack; its rules were not run "
                "(as with TestContenuCDA, whose engine skips it)",
                f"schématron ANS {sch.name} : l'inclusion {href} manque au paquet ; ses règles n'ont pas été "
                "exécutées (comme avec TestContenuCDA, dont le moteur l'ignore)",
                "/",
            )
            for href in missing_includes(sch.path)
        ]
        return skipped + to_findings(sch.name, parse_svrl(svrl or ""), requirement)


def _unsafe_code_systems(root: etree._Element, requirement: str) -> list[Finding]:
    out = []
    for el in root.iterfind(".//*[@codeSystem]"):
        value = el.get("codeSystem") or ""
        if not _UID.match(value):
            shown = value[:80]
            out.append(
                failed(
                    requirement,
                    f"ANS schematrons not run: codeSystem {shown!r} is not an OID or UUID "
                    "(the pack builds file paths from it)",
                    f"schématrons ANS non exécutés : codeSystem {shown!r} n'est ni un OID ni un UUID "
                    "(le paquet en construit des chemins de fichiers)",
                    xpath_of(el) + "/@codeSystem",
                )
            )
    return out


_ACTIVE: PackRunner | None = None


def configure(directory: Path | str | None, names: tuple[str, ...] = ()) -> PackRunner | None:
    """Called once by the front doors (`--schematron-pack DIR [--schematron NAME]`); PackError if unusable."""
    global _ACTIVE
    _ACTIVE = None if directory is None else PackRunner(Pack.open(directory), tuple(names) or ("auto",))
    return _ACTIVE


def active() -> PackRunner | None:
    return _ACTIVE


def runner_for(extra: dict[str, object]) -> PackRunner | None:
    """The pack a check should use: the one given for this call (`extra["schematron_pack"]`), else the run's."""
    given = extra.get("schematron_pack")
    return given if isinstance(given, PackRunner) else active()
