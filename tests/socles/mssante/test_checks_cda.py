"""The minimal MSSanté check on a CDA given alone (recordTarget INS key, MSS-XDM-04)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.engine.validate import validate_bytes
from conformance.formats.ins import nir_problem
from conformance.model import Verdict

from .helpers import Doc, cda_bytes, run_checks, verdicts
from .helpers import assert_fail as fail
from .helpers import assert_pass as ok

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "cda"


@pytest.mark.requirements("MSS-XDM-04")
def test_record_target_ins_key() -> None:
    ok(run_checks("cda", cda_bytes(Doc()), name="doc.xml"), "MSS-XDM-04")
    bad = Doc(patient=dict(Doc().patient, ins="238047505612395"))
    f = fail(run_checks("cda", cda_bytes(bad), name="doc.xml"), "MSS-XDM-04", "expected 94")
    assert "recordTarget/patientRole/id[@root='1.2.250.1.213.1.4.10']" in f.location
    assert verdicts(run_checks("cda", cda_bytes(Doc(with_ins=False))), "MSS-XDM-04") == {Verdict.NOT_APPLICABLE}
    fail(run_checks("cda", b"<ClinicalDocument><unclosed>", name="doc.xml"), "MSS-XDM-04", "cannot be read")


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.xml")) if CORPUS.is_dir() else []


@pytest.mark.requirements("MSS-XDM-04")
@pytest.mark.skipif(not _corpus(), reason="shared corpus absent")
def test_corpus_cda_documents_are_judged_on_their_ins_only() -> None:
    """Official examples pass unless their INS really has a wrong key (a few CSE/OBP examples do)."""
    judged = 0
    for path in _corpus():
        result = validate_bytes(path.name, path.read_bytes(), socles=["mssante"])
        if result.kind != "cda":  # the corpus also holds auto-presentable XSL wrappers
            assert result.kind == "unknown" and b"<xsl:stylesheet" in path.read_bytes()[:20000]
            continue
        judged += 1
        for f in result.findings:
            if f.verdict is Verdict.FAIL:
                ins = f.message_en.split("'")[1]
                assert nir_problem(ins) is not None and "has key" in f.message_en, (path.name, f.message_en)
    assert judged > 50
