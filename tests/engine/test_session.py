"""The run session on a toy third-party socle: verdicts, levels, silence, crashes, run folder, html columns.

The toy socle (tests/engine/helpers.py) is installed the way a plug-in is found, proving a third party
can add a socle without touching the core.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.socle import Socle
from tests.engine.helpers import OK, TOO_LONG


def _run(pytester: pytest.Pytester, out: Path, dui: str = "demo") -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest_inprocess("--socle", "toy", "--dui", dui, "--out", str(out), "-p", "no:cacheprovider")
    return result, json.loads((out / "results.json").read_text())


def test_passing_run_writes_complete_folder(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, res = _run(pytester, tmp_path / "run", dui=OK)
    result.assert_outcomes(passed=2)
    assert res["schema"] == "dui-conformance/results/2" and res["status"] == "complete"
    reqs = res["socles"]["toy"]["requirements"]
    assert reqs["TOY-01"]["verdict"] == "pass" and reqs["TOY-02"]["verdict"] == "pass"
    assert reqs["TOY-03"]["verdict"] == "warn"  # PRECONISATION downgraded, test still passes
    assert reqs["TOY-04"]["verdict"] == "not-checked"
    assert res["socles"]["toy"]["verdict"] == "pass-with-warnings"
    assert reqs["TOY-01"]["evidence"], "evidence hash linked to the requirement"
    index = json.loads((tmp_path / "run" / "evidence" / "index.json").read_text())
    assert {e["sha256"] for e in index["entries"]} >= set(reqs["TOY-01"]["evidence"])
    junit = (tmp_path / "run" / "junit.xml").read_text()
    assert 'name="requirements" value="TOY-01 TOY-03"' in junit
    html = (tmp_path / "run" / "certificate.html").read_text()
    assert "Attestation de conformité" in html and "Non évalué" in html


def test_failing_finding_fails_scenario_and_socle(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, res = _run(pytester, tmp_path / "run", dui=TOO_LONG)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*TOY-02 FAIL at text: too long*"])
    assert res["socles"]["toy"]["requirements"]["TOY-02"]["verdict"] == "fail"
    assert res["socles"]["toy"]["verdict"] == "fail"


def test_scenario_judging_nothing_fails(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    (toy.suite / "test_silent.py").write_text(
        "import pytest\n@pytest.mark.requirements('TOY-02')\ndef test_silent(verify):\n    pass\n"
    )
    result, res = _run(pytester, tmp_path / "run", dui=OK)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*TOY-02: the scenario produced no finding*"])


def test_driver_crash_becomes_failing_findings(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    (toy.suite / "test_crash.py").write_text(
        "import pytest\nfrom conformance.drivers.base import DriverError\n"
        "@pytest.mark.requirements('TOY-01')\ndef test_crash(verify):\n    raise DriverError('DUI timed out')\n"
    )
    result, res = _run(pytester, tmp_path / "run", dui=OK)
    result.assert_outcomes(passed=2, failed=1)
    findings = res["socles"]["toy"]["requirements"]["TOY-01"]["findings"]
    assert any(f["verdict"] == "fail" and "DUI timed out" in f["message"] for f in findings)
    assert res["socles"]["toy"]["verdict"] == "fail"


def test_pytest_html_report_gains_requirement_and_evidence_columns(
    toy: Socle, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytest.importorskip("pytest_html")
    report = tmp_path / "report.html"
    result = pytester.runpytest_inprocess(
        "--socle",
        "toy",
        "--dui",
        OK,
        "--out",
        str(tmp_path / "run"),
        "-p",
        "no:cacheprovider",
        f"--html={report}",
        "--self-contained-html",
    )
    result.assert_outcomes(passed=2)
    html = report.read_text()
    assert "Requirements" in html and "Evidence (SHA-256)" in html
    assert "TOY-01: pass" in html and "TOY-03: warn" in html


def test_scenarios_keep_their_titles_and_a_crash_says_scenario(
    toy: Socle, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    (toy.suite / "test_params.py").write_text(
        "import pytest\n"
        "@pytest.mark.requirements('TOY-02')\n"
        "@pytest.mark.parametrize('n', [1])\n"
        "def test_boom(verify, n):\n"
        '    """Le scénario casse"""\n'
        "    raise RuntimeError('service down')\n"
    )
    result, res = _run(pytester, tmp_path / "run", dui=OK)
    result.assert_outcomes(passed=2, failed=1)
    titles = {s["name"]: s["title"] for s in res["socles"]["toy"]["scenarios"]}
    assert titles["test_boom[1]"] == "Le scénario casse [1]" and titles["test_upper"] == "Texte en majuscules"
    fails = [f for f in res["socles"]["toy"]["requirements"]["TOY-02"]["findings"] if f["verdict"] == "fail"]
    assert [(f["message"], f["message_fr"]) for f in fails] == [
        (
            "scenario error, nothing to judge: RuntimeError: service down",
            "erreur (scénario), rien à évaluer : RuntimeError: service down",
        )
    ]
    assert fails[0]["location"].endswith("test_boom[1] (call)")


def test_junit_properties_and_only_the_socle_scenarios(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A project test collected in the same session is not part of the run."""
    pytester.makepyfile(test_project="def test_mine():\n    assert True\n")
    out = tmp_path / "run"
    result = pytester.runpytest_inprocess(
        "--socle", "toy", "--dui", OK, "--out", str(out), "-p", "no:cacheprovider", "test_project.py"
    )
    result.assert_outcomes(passed=2)
    junit = (out / "junit.xml").read_text()
    assert 'name="socle" value="toy"' in junit and "test_mine" not in junit


def test_an_in_process_run_resets_the_socle_options(full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    import toy_socle.options  # kept across the inner run (pytester restores the modules it had)

    pytester.runpytest_inprocess(
        "--socle", "toy", "--dui", OK, "--out", str(tmp_path / "run"), "-p", "no:cacheprovider", "--toy-level", "hi"
    )
    assert [v["toy_level"] for v in toy_socle.options.SEEN] == ["hi", None]
