"""Run a pack's schematrons on one document; the pack the front doors chose.

The result is neutral: each schematron's SVRL report, and the problems that kept schematrons from
judging the document (`Problem`, with a code and the details). The socle that requires the volet
schematrons turns them into findings worded from its own message table.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError

from conformance.formats.schematron.compile import Compiler, SchematronError, missing_includes, processor, saxon_message
from conformance.formats.schematron.pack import Pack, Schematron, clinical_document, document_templates
from conformance.formats.schematron.svrl import SvrlReport, parse_svrl
from conformance.formats.xmlsafe import XmlRefused, parse_xml, xpath_of
from conformance.model import Verdict

_UID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,127}$")
# what each problem means for the document: only these two do not fail it
_PROBLEM_VERDICTS = {"none-applies": Verdict.NOT_APPLICABLE, "include-missing": Verdict.WARN}


@dataclass(frozen=True)
class Problem:
    """Why schematrons did not judge (all or part of) the document.

    `code`: "refused" (the hardened parser refused the document), "code-system" (a codeSystem that is
    not a UID, which the pack would build a file path from), "none-applies" (no schematron for this
    document), "saxon-unreadable" (Saxon cannot read what lxml accepted), "not-compiled" (a
    schematron of the pack does not compile), "saxon-stopped" (a schematron stopped on an error),
    "include-missing" (an include of the schematron is not in the pack: its rules were skipped).
    """

    code: str
    detail: str = ""
    location: str = "/"
    schematron: str = ""
    pack_at_fault: bool = False  # the pack, not the document, is to blame (a file of it is missing)

    @property
    def verdict(self) -> Verdict:
        return _PROBLEM_VERDICTS.get(self.code, Verdict.FAIL)


@dataclass(frozen=True)
class Report:
    """What one schematron said of the document."""

    schematron: str
    svrl: SvrlReport


Result = Problem | Report


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

    def run(self, data: bytes) -> list[Result]:
        """The selected schematrons on `data` (a CDA, plain or self-presentable), in order."""
        try:
            root = parse_xml(data)
        except XmlRefused as exc:
            return [Problem("refused", str(exc))]
        refused = _unsafe_code_systems(root)
        if refused:
            return list(refused)
        doc = clinical_document(root)
        chosen, reason = self.pack.select(self.names, document_templates(doc) if doc is not None else [])
        if not chosen:
            return [Problem("none-applies", reason or "the document has no ClinicalDocument")]
        try:
            source = processor().parse_xml(xml_text=etree.tostring(root, encoding="unicode"), encoding="UTF-8")
        except PySaxonApiError as exc:  # lxml accepted what Saxon's parser does not: still the document's fault
            return [Problem("saxon-unreadable", saxon_message(exc))]
        results: list[Result] = []
        for sch in chosen:
            results.extend(self._one(sch, source))
        return results

    def _one(self, sch: Schematron, source: Any) -> list[Result]:
        """One schematron: a broken pack or a Saxon stop is a problem, never a clean report."""
        try:
            svrl = self.compiler.executable(sch).transform_to_string(xdm_node=source)
        except SchematronError as exc:
            return [Problem("not-compiled", str(exc), schematron=sch.name, pack_at_fault=True)]
        except PySaxonApiError as exc:
            msg = saxon_message(exc)
            pack_file = "I/O error" in msg and self.pack.root.as_uri().removeprefix("file://") in msg
            return [Problem("saxon-stopped", msg, schematron=sch.name, pack_at_fault=pack_file)]
        skipped: list[Result] = [
            Problem("include-missing", href, schematron=sch.name, pack_at_fault=True)
            for href in missing_includes(sch.path)
        ]
        return [*skipped, Report(sch.name, parse_svrl(svrl or ""))]


def _unsafe_code_systems(root: etree._Element) -> list[Problem]:
    out = []
    for el in root.iterfind(".//*[@codeSystem]"):
        value = el.get("codeSystem") or ""
        if not _UID.match(value):
            out.append(Problem("code-system", value[:80], xpath_of(el) + "/@codeSystem"))
    return out


def failed_items(results: list[Result]) -> list[tuple[str, str]]:
    """(location, text) of every failing SVRL item, and (location, detail) of every problem that
    fails the document: what a TestContenuCDA report lists, for comparisons with it."""
    out: list[tuple[str, str]] = []
    for result in results:
        if isinstance(result, Problem):
            if result.verdict is Verdict.FAIL:
                out.append((result.location, result.detail))
        else:
            out.extend((item.location or "/", item.text) for item in result.svrl.failures())
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
