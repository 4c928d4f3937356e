"""Against a real TestContenuCDA checkout (skipped without one; never committed here).

Looked for in $CONFORMANCE_TESTCONTENUCDA, then ../TestContenuCDA-3-0 beside the repository. The
pack ships SVRL reports (schematrons/rapports/) for a few examples: where the example and the
schematron that produced the report are still in the pack, our verdict and our list of failures
must be the shipped ones. Reports of schematrons the pack no longer has (IHE_XDS-SD,
CI-SIS_StructurationMinimale, CI-SIS_BIO-CR-BIO_2022.01) or of examples it no longer ships cannot
be reproduced and are skipped with that reason (docs/schematron-packs.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from conformance.formats.schematron.pack import Pack, PackError, clinical_document, document_templates
from conformance.formats.schematron.reference import ReferenceUnavailable, run_like_testcontenucda, saxon_jar
from conformance.formats.schematron.runner import PackRunner, failed_items
from conformance.formats.schematron.svrl import parse_svrl
from conformance.formats.xmlsafe import parse_xml

REPO = Path(__file__).resolve().parents[3]
# report name suffix -> schematron, for the reports whose schemaVersion is empty
BY_SUFFIX = {"_verif_terminologies": "terminologie"}


def _checkout() -> Path | None:
    for candidate in (os.environ.get("CONFORMANCE_TESTCONTENUCDA"), REPO.parent / "TestContenuCDA-3-0"):
        if candidate and (Path(candidate) / "schematrons" / "moteur").is_dir():
            return Path(candidate)
    return None


CHECKOUT = _checkout()
REPORTS = sorted((CHECKOUT / "schematrons" / "rapports").glob("*_verif*.xml")) if CHECKOUT else []
pytestmark = pytest.mark.skipif(CHECKOUT is None, reason="no TestContenuCDA checkout ($CONFORMANCE_TESTCONTENUCDA)")


@pytest.fixture(scope="module")
def pack() -> Pack:
    assert CHECKOUT is not None
    return Pack.open(CHECKOUT)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compile cache for the module: each official schematron is compiled once here."""
    return tmp_path_factory.mktemp("official-cache")


def _failures(svrl: str) -> list[tuple[str, str]]:
    return [(i.location, i.text) for i in parse_svrl(svrl).failures()]


def _report_target(pack: Pack, report: Path) -> tuple[str, Path]:
    """(schematron name, example) a shipped report was made from, or skip saying what is gone."""
    stem, _, suffix = report.stem.partition("_verif")
    suffix = "_verif" + suffix
    example = pack.root / "ExemplesCDA" / f"{stem}.xml"
    declared = parse_xml(report.read_bytes()).get("schemaVersion", "").removesuffix(".sch")
    name = BY_SUFFIX.get(suffix) or declared
    try:
        pack.find(name)
    except PackError:
        pytest.skip(f"{report.name}: made by {name or '?'}, which this pack no longer has")
    if not example.is_file():
        pytest.skip(f"{report.name}: the example {example.name} is no longer in the pack")
    return name, example


@pytest.mark.parametrize("report", REPORTS, ids=[r.stem for r in REPORTS])
def test_shipped_report_is_reproduced(pack: Pack, cache: Path, report: Path) -> None:
    name, example = _report_target(pack, report)
    shipped = _failures(report.read_text(encoding="utf-8"))
    ours = failed_items(PackRunner(pack, (name,), cache).run(example.read_bytes()))
    assert ours == shipped
    assert ("fail" if ours else "pass") == ("fail" if shipped else "pass")


def test_auto_selection_agrees_with_the_examples_declarations(pack: Pack) -> None:
    """Each example names its volet schematron; ours follows templateId + extension. The only
    disagreements allowed: a volet templateId without extension (the unversioned templateId goes to
    the version most examples declare: BIO-CR-BIO TSH_1/TSH_2 say 2024.01, six others 2021.01), and
    an example without any volet templateId (TLM-CR_2022.01: nothing to dispatch on)."""
    disagree = []
    for path in sorted((pack.root / "ExemplesCDA").glob("*.xml")):
        head = path.read_bytes()[:8192].decode("utf-8", "replace")
        if "schematrons/CI-SIS_" not in head:
            continue
        declared = head.split("schematrons/CI-SIS_", 1)[1].split(".sch", 1)[0]
        doc = clinical_document(etree.fromstring(path.read_bytes()))
        assert doc is not None
        templates = document_templates(doc)
        chosen, _ = pack.volet_for(templates)
        if chosen is None or chosen.name != f"CI-SIS_{declared}":
            disagree.append((path.name, templates))
    for name, templates in disagree:
        volet_ids = [(r, e) for r, e in templates if r in pack.roots]
        assert all(e == "" for _, e in volet_ids), (name, templates)
    assert len(disagree) <= 3, disagree


@pytest.mark.parametrize("example", ["DLU-EHPAD-DLU_2022.01.xml", "DLU-EHPAD-FLUDR_2022.01.xml"])
def test_same_failures_as_java_saxon_the_testcontenucda_way(pack: Pack, cache: Path, example: str) -> None:
    """The DLU volet schematron on its own example (clean) and on the FLUDR one (many failures):
    the failed assertions, their locations and texts are those of Java Saxon-HE."""
    try:
        jar = saxon_jar()
    except ReferenceUnavailable as exc:
        pytest.skip(str(exc))
    sch = pack.find("CI-SIS_DLU-EHPAD-DLU_2022.01")
    document = pack.root / "ExemplesCDA" / example
    theirs = _failures(run_like_testcontenucda(pack, sch, document, jar))
    ours = failed_items(PackRunner(pack, (sch.name,), cache).run(document.read_bytes()))
    assert ours == theirs
    assert bool(theirs) == (example != "DLU-EHPAD-DLU_2022.01.xml")
