"""The engine on a toy third-party socle: verdicts, levels, silence, crashes, run folder.

The toy socle is registered the way an installed plug-in would be found, proving a third party
can add a socle without touching the core.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import registry
from conformance import socle as socle_module
from conformance.requirements import _CACHE
from conformance.socle import Socle

CATALOG = """
[catalog]
socle = "toy"
version = "1"
title_fr = "Socle jouet"
title_en = "Toy socle"

[[requirement]]
id = "TOY-01"
level = "EXIGENCE"
title_en = "Text is upper case"
text_fr = "Le texte DOIT être en majuscules."
source = "toy spec"

[[requirement]]
id = "TOY-02"
level = "EXIGENCE"
title_en = "Text is short"
text_fr = "Le texte DOIT être court."
source = "toy spec"

[[requirement]]
id = "TOY-03"
level = "PRECONISATION"
title_en = "Text ends with a dot"
text_fr = "Le texte DEVRAIT finir par un point."
source = "toy spec"
unsure = true

[[requirement]]
id = "TOY-04"
level = "EXIGENCE"
title_en = "Not checked here"
text_fr = "Non évaluée."
source = "toy spec"
checked = false
not_checked_reason = "needs a service the toy does not have"
"""

CHECKS = """
from conformance.model import judge
from conformance.registry import check

@check("text", "toy", "TOY-01", "TOY-02", "TOY-03")
def text_rules(art, ctx):
    text = art.data.decode()
    yield judge("TOY-01", text == text.upper(), "upper", "majuscules", "not upper", "pas en majuscules", "text")
    yield judge("TOY-02", len(text) < 20, "short", "court", "too long", "trop long", "text")
    yield judge("TOY-03", text.endswith("."), "dot", "point", "no dot", "pas de point", "text")
"""

SUITE = '''
import pytest
from conformance.model import Artifact
from conformance.drivers.base import DriverError

@pytest.mark.requirements("TOY-01", "TOY-03")
def test_upper(verify):
    """Texte en majuscules"""
    verify.artifact(Artifact("text", "t.txt", b"HELLO"))

@pytest.mark.requirements("TOY-02")
def test_short(verify, request):
    """Texte court"""
    text = request.config.getoption("--dui").encode()
    verify.artifact(Artifact("text", "t.txt", text))
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Socle:
    pkg = tmp_path / "toy_socle"
    (pkg / "suite").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "checks.py").write_text(CHECKS)
    (pkg / "suite" / "test_toy.py").write_text(SUITE)
    (pkg / "requirements.toml").write_text(CATALOG)
    monkeypatch.syspath_prepend(str(tmp_path))
    toy = Socle(
        "toy", "Socle jouet", "Toy socle", pkg / "requirements.toml", pkg / "suite", checks=("toy_socle.checks",)
    )
    installed = dict(socle_module.installed_socles())
    installed["toy"] = toy
    monkeypatch.setattr(socle_module, "installed_socles", lambda: installed)
    monkeypatch.setattr(registry, "_REG", registry._Registry())  # each test writes its own toy_socle
    _CACHE.pop("toy", None)
    return toy


def _run(pytester: pytest.Pytester, out: Path, dui: str = "demo") -> tuple[pytest.RunResult, dict]:
    result = pytester.runpytest_inprocess("--socle", "toy", "--dui", dui, "--out", str(out), "-p", "no:cacheprovider")
    return result, json.loads((out / "results.json").read_text())


def test_passing_run_writes_complete_folder(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    result, res = _run(pytester, tmp_path / "run", dui="OK")
    result.assert_outcomes(passed=2)
    assert res["schema"] == "dui-conformance/results/1" and res["status"] == "complete"
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
    result, res = _run(pytester, tmp_path / "run", dui="THIS IS FAR TOO LONG FOR THE RULE")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*TOY-02 FAIL at text: too long*"])
    assert res["socles"]["toy"]["requirements"]["TOY-02"]["verdict"] == "fail"
    assert res["socles"]["toy"]["verdict"] == "fail"


def test_scenario_judging_nothing_fails(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    (toy.suite / "test_silent.py").write_text(
        "import pytest\n@pytest.mark.requirements('TOY-02')\ndef test_silent(verify):\n    pass\n"
    )
    result, res = _run(pytester, tmp_path / "run", dui="OK")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*TOY-02: the scenario produced no finding*"])


def test_driver_crash_becomes_failing_findings(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    (toy.suite / "test_crash.py").write_text(
        "import pytest\nfrom conformance.drivers.base import DriverError\n"
        "@pytest.mark.requirements('TOY-01')\ndef test_crash(verify):\n    raise DriverError('DUI timed out')\n"
    )
    result, res = _run(pytester, tmp_path / "run", dui="OK")
    result.assert_outcomes(passed=2, failed=1)
    findings = res["socles"]["toy"]["requirements"]["TOY-01"]["findings"]
    assert any(f["verdict"] == "fail" and "DUI timed out" in f["message"] for f in findings)
    assert res["socles"]["toy"]["verdict"] == "fail"


def test_dormant_without_socle(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_unknown_socle_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--socle", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_pytest_html_report_gains_requirement_and_evidence_columns(
    toy: Socle, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytest.importorskip("pytest_html")
    report = tmp_path / "report.html"
    result = pytester.runpytest_inprocess(
        "--socle",
        "toy",
        "--dui",
        "OK",
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
