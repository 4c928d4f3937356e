"""`conformance validate --schematron-pack` on DMP documents: exit 0 pass, 1 a schematron failure, 2 a
usage error; and the DMP-C03 check behind it, with and without a pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conformance.cli import main
from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner
from conformance.model import Artifact, CheckContext, Verdict
from tests.formats.schematron.helpers import VOLET, VOLET_ROOT

from . import helpers as b

HL7 = "urn:hl7-org:v3"
pytestmark = pytest.mark.usefixtures("schematron_cache")


def _dmp_cda(title: str | None = None) -> bytes:
    """A CDA that meets every DMP check of the harness, declaring the test volet."""
    doc = b.cda_root()
    last = doc.findall(f"{{{HL7}}}templateId")[-1]
    last.addnext(etree.Element(f"{{{HL7}}}templateId", root=VOLET_ROOT, extension="2024.01"))
    if title is not None:
        doc.find(f"{{{HL7}}}title").text = title  # type: ignore[union-attr]
    return b.to_bytes(doc)


def _c03(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for r in json.loads(output) for f in r["findings"] if f["requirement"] == "DMP-C03"]


@pytest.fixture
def docs(tmp_path: Path) -> dict[str, Path]:
    files = {"good": _dmp_cda(), "bad": _dmp_cda("Titre INTERDIT"), "good2": _dmp_cda("Autre titre")}
    for name, data in files.items():
        (tmp_path / f"{name}.xml").write_bytes(data)
    return {name: tmp_path / f"{name}.xml" for name in files}


def test_a_good_document_passes_and_a_bad_one_fails(pack_dir: Path, docs: dict[str, Path]) -> None:
    cli = CliRunner()
    base = ["validate", "--socle", "dmp", "--schematron-pack", str(pack_dir)]
    ok = cli.invoke(main, [*base, str(docs["good"]), "--json"])
    assert ok.exit_code == 0, ok.output
    assert [(f["verdict"], f["message"]) for f in _c03(ok.output)] == [
        ("pass", f"ANS schematron {VOLET}: no failed assertion (2 rules fired)")
    ]
    ko = cli.invoke(main, [*base, str(docs["bad"]), "--json"])
    assert ko.exit_code == 1, ko.output
    fails = [f for f in _c03(ko.output) if f["verdict"] == "fail"]
    assert [f["message"] for f in fails] == [
        f"ANS schematron {VOLET}, rule TEST-02: Le titre ne doit pas contenir INTERDIT."
    ]
    assert fails[0]["location"] == "/Q{urn:hl7-org:v3}ClinicalDocument[1]" and fails[0]["evidence"]
    text = cli.invoke(main, [*base, str(docs["bad"])])
    assert text.exit_code == 1 and "DMP-C03" in text.output and "rule TEST-02" in text.output


def test_a_batch_compiles_once(pack_dir: Path, docs: dict[str, Path]) -> None:
    before = compiling.STATS.compiled
    files = [str(docs[n]) for n in ("good", "bad", "good2")]
    out = CliRunner().invoke(main, ["validate", "--socle", "dmp", "--schematron-pack", str(pack_dir), *files, "--json"])
    assert out.exit_code == 1 and len(json.loads(out.output)) == 3
    assert compiling.STATS.compiled == before + 1


def test_the_pack_may_come_from_the_environment(pack_dir: Path, docs: dict[str, Path]) -> None:
    out = CliRunner().invoke(
        main,
        ["validate", "--socle", "dmp", str(docs["bad"]), "--json"],
        env={"CONFORMANCE_SCHEMATRON_PACK": str(pack_dir)},
    )
    assert out.exit_code == 1 and any(f["verdict"] == "fail" for f in _c03(out.output))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--schematron-pack", "{tmp}/absent"], "no such directory"),
        (["--schematron-pack", "{tmp}"], "not a TestContenuCDA layout"),
        (["--schematron", "IHE"], "--schematron needs --schematron-pack"),
        (["--schematron-pack", "{pack}", "--schematron", "NOPE"], "no schematron 'NOPE'"),
    ],
)
def test_usage_errors_exit_2(
    pack_dir: Path, docs: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    argv = [a.format(tmp=tmp_path, pack=pack_dir) for a in args]
    out = CliRunner().invoke(main, ["validate", *argv, str(docs["good"])])
    assert out.exit_code == 2 and message in out.output and isinstance(out.exception, SystemExit), out.output


def test_without_a_pack_dmp_c03_is_not_applicable_with_its_reason(docs: dict[str, Path]) -> None:
    out = CliRunner().invoke(main, ["validate", "--socle", "dmp", str(docs["bad"]), "--json"])
    assert out.exit_code == 0, out.output
    assert [(f["verdict"], f["message"]) for f in _c03(out.output)] == [
        ("not-applicable", "no ANS schematron pack given (--schematron-pack): the volet schematrons were not run")
    ]


def test_the_check_takes_a_pack_from_the_context(pack_dir: Path) -> None:
    art = Artifact("cda", "doc.xml", _dmp_cda("INTERDIT"))
    without = [f for f in b.checked(art) if f.requirement == "DMP-C03"]
    assert [(f.verdict, f.evidence) for f in without] == [(Verdict.NOT_APPLICABLE, art.sha256)]
    ctx = CheckContext(extra={"schematron_pack": PackRunner(Pack.open(pack_dir))})
    found = [f for f in b.checked(art, ctx) if f.requirement == "DMP-C03"]
    assert [f.verdict for f in found] == [Verdict.FAIL] and found[0].evidence == art.sha256
