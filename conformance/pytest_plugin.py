"""The pytest plugin: the engine behind both front doors.

`pytest --socle=mssante --dui=demo` and `conformance run` both come here. When no --socle is
given the plugin stays dormant, so it never disturbs a project's own test suite.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from conformance.drivers.base import DriverError
from conformance.drivers.guard import GuardedDriver
from conformance.drivers.registry import load as load_driver
from conformance.engine.recorder import RunInfo, RunRecorder, new_run_id
from conformance.engine.results import requirement_verdict
from conformance.engine.verifier import Verifier
from conformance.model import Finding, Verdict
from conformance.socle import Socle, get_socle, installed_socles

RECORDER_KEY = pytest.StashKey[RunRecorder]()
SOCLES_KEY = pytest.StashKey[list[Socle]]()
VERIFIER_KEY = pytest.StashKey[Verifier]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "DUI conformance harness")
    group.addoption(
        "--socle",
        action="append",
        default=[],
        dest="conformance_socles",
        metavar="NAME",
        help="run the suite of this socle (repeatable; 'all' for every installed socle)",
    )
    group.addoption(
        "--dui",
        default="demo",
        dest="conformance_dui",
        metavar="SPEC",
        help="DUI under test: demo, demo:<defect>, python:mod:Class, http://..., manual",
    )
    group.addoption("--solution-name", default="", dest="conformance_solution_name")
    group.addoption("--solution-version", default="", dest="conformance_solution_version")
    group.addoption("--solution-vendor", default="", dest="conformance_solution_vendor")
    group.addoption(
        "--solution-domain",
        default="",
        dest="conformance_solution_domain",
        help="Ségur dispositif / ESMS domain of the solution",
    )
    group.addoption(
        "--out",
        default=None,
        dest="conformance_out",
        metavar="DIR",
        help="run folder (default: reports/<run-id>)",
    )
    group.addoption(
        "--terminology",
        default=None,
        dest="conformance_terminology",
        metavar="DIR",
        help="folder of official IHE SVS value sets that take precedence over the shipped subsets",
    )
    group.addoption(
        "--schematron-pack",
        default=os.environ.get("CONFORMANCE_SCHEMATRON_PACK") or None,
        dest="conformance_schematron_pack",
        metavar="DIR",
        help="clone of ansforge/TestContenuCDA-3-0: CDA documents also go through the schematron of their volet "
        "(DMP-C03); default $CONFORMANCE_SCHEMATRON_PACK",
    )
    group.addoption(
        "--sign-key",
        default=None,
        dest="conformance_sign_key",
        metavar="FILE",
        help="signing key (PEM, or PKCS#12 holding key and chain; password in CONFORMANCE_SIGN_PASSWORD)",
    )
    group.addoption(
        "--sign-cert",
        default=None,
        dest="conformance_sign_cert",
        metavar="FILE",
        help="signing certificate chain (PEM), leaf first",
    )
    group.addoption(
        "--policy",
        default=None,
        dest="conformance_policy",
        metavar="FILE",
        help="counting policy for 'au moins deux services socles' (default: profiles/policy)",
    )
    group.addoption(
        "--lang",
        action="append",
        default=[],
        dest="conformance_langs",
        metavar="LANG",
        help="extra certificate language besides French: en",
    )
    group.addoption(
        "--conformance-progress",
        action="store_true",
        dest="conformance_progress",
        help="print one line per scenario (used by conformance run)",
    )


def _selected(config: pytest.Config) -> list[Socle]:
    names: list[str] = []
    for raw in config.getoption("conformance_socles") or []:
        names.extend(n.strip() for n in raw.split(",") if n.strip())
    if "all" in names:
        names = list(installed_socles())
    try:
        return [get_socle(n) for n in dict.fromkeys(names)]
    except KeyError as exc:
        raise pytest.UsageError(str(exc.args[0])) from exc


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirements(*ids): requirement ids a scenario verifies")
    socles = _selected(config)
    if not socles:
        return
    config.stash[SOCLES_KEY] = socles
    if config.getoption("conformance_terminology"):
        from conformance.formats.terminology import set_terminology_dir

        set_terminology_dir(Path(config.getoption("conformance_terminology")))
    _configure_schematron_pack(config.getoption("conformance_schematron_pack"))
    run_id = new_run_id()
    out = Path(config.getoption("conformance_out") or Path("reports") / run_id).resolve()
    if not config.option.xmlpath:
        config.option.xmlpath = str(out / "junit.xml")
    info = RunInfo(
        run_id=run_id,
        out=out,
        socles=[s.name for s in socles],
        driver=config.getoption("conformance_dui"),
        solution={
            "name": config.getoption("conformance_solution_name") or "",
            "version": config.getoption("conformance_solution_version") or "",
            "vendor": config.getoption("conformance_solution_vendor") or "",
            "domain": config.getoption("conformance_solution_domain") or "",
        },
    )
    config.stash[RECORDER_KEY] = RunRecorder(info)
    suites = [str(s.suite) for s in socles]
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = suites
    else:
        config.args = list(dict.fromkeys([*config.args, *suites]))
    for socle in socles:
        socle.load_checks()
        if socle.fixtures:
            module = importlib.import_module(socle.fixtures)
            if not config.pluginmanager.is_registered(module):
                config.pluginmanager.register(module, f"conformance-{socle.name}-fixtures")


def _configure_schematron_pack(directory: str | None) -> None:
    """The pack is opened once per run (or reset when absent, so an earlier in-process run leaks nothing)."""
    from conformance.formats.schematron.pack import PackError
    from conformance.formats.schematron.runner import configure

    try:
        configure(Path(directory) if directory else None)
    except PackError as exc:
        raise pytest.UsageError(str(exc)) from exc


def pytest_unconfigure(config: pytest.Config) -> None:
    """An in-process run (`conformance run`, pytester) leaves no pack configured behind it."""
    if config.stash.get(SOCLES_KEY, None):
        _configure_schematron_pack(None)


def _socle_of(config: pytest.Config, item: pytest.Item) -> str | None:
    for socle in config.stash.get(SOCLES_KEY, []):
        if Path(item.path).resolve().is_relative_to(socle.suite.resolve()):
            return socle.name
    return None


def _declared(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for mark in item.iter_markers("requirements"):
        ids.extend(mark.args)
    return list(dict.fromkeys(ids))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    recorder = config.stash.get(RECORDER_KEY, None)
    if recorder is None:
        return
    items[:] = [i for i in items if _socle_of(config, i) is not None]
    recorder.expected_total = len(items)
    for item in items:
        item.user_properties.append(("requirements", " ".join(_declared(item))))
        item.user_properties.append(("socle", _socle_of(config, item) or ""))


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    title = doc.strip().splitlines()[0] if doc.strip() else item.name
    callspec = getattr(item, "callspec", None)
    return f"{title} [{callspec.id}]" if callspec is not None else title


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """With the progress lines on, pytest's dots would only interleave with them."""
    if config.getoption("conformance_progress", False) and report.when == "call":
        return report.outcome, "", report.outcome.upper()
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    recorder = item.config.stash.get(RECORDER_KEY, None)
    socle = _socle_of(item.config, item) if recorder else None
    if recorder is None or socle is None:
        yield
        return
    declared = _declared(item)
    recorder.begin(item.nodeid, socle, item.name, _title(item), declared)
    item.stash[VERIFIER_KEY] = Verifier(recorder, item.nodeid, socle, declared)
    progress = item.config.getoption("conformance_progress")
    tr = item.config.pluginmanager.get_plugin("terminalreporter")
    if progress and tr is not None:
        number = len(recorder.scenarios)
        tr.write(f"[{number}/{recorder.expected_total}] {socle:<13} {_title(item)} ... ", flush=True)
    started = time.monotonic()
    yield
    outcome, detail = item.stash.get(_OUTCOME_KEY, ("error", "no report"))
    recorder.end(item.nodeid, outcome, time.monotonic() - started, detail)
    if progress and tr is not None:
        tr.write_line(f"{outcome.upper()} ({time.monotonic() - started:.1f} s)")


_OUTCOME_KEY = pytest.StashKey[tuple[str, str]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    result = yield
    report: pytest.TestReport = result.get_result()
    verifier = item.stash.get(VERIFIER_KEY, None)
    if verifier is None:
        return
    if report.when == "call" and report.passed:
        problems = verifier.problems()
        if problems:
            report.outcome = "failed"
            report.longrepr = "requirements not met:\n  " + "\n  ".join(problems)
    if report.failed and call.excinfo is not None and not call.excinfo.errisinstance(AssertionError):
        # the scenario died (driver crash/timeout, service error): judge its requirements as failed
        message = call.excinfo.exconly().strip().splitlines()[-1][:500]
        kind = "driver" if call.excinfo.errisinstance(DriverError) else "scenario"
        verifier.record(
            [
                Finding(
                    rid,
                    Verdict.FAIL,
                    f"{kind} error, nothing to judge: {message}",
                    f"erreur ({'pilote' if kind == 'driver' else 'scénario'}), rien à évaluer : {message}",
                    location=f"{item.nodeid} ({report.when})",
                )
                for rid in verifier.declared
            ]
        )
    if report.when == "call":
        # read by the pytest-html hooks below (and by any reporter): what was judged, on which evidence
        report.conformance_requirements = {  # type: ignore[attr-defined]
            rid: requirement_verdict(f for f in verifier.findings if f.requirement == rid) for rid in verifier.declared
        }
        report.conformance_evidence = sorted(  # type: ignore[attr-defined]
            {r.sha256 for r in verifier.recorder.journal.refs(item.nodeid)}
        )
    previous = item.stash.get(_OUTCOME_KEY, ("passed", ""))
    if report.failed:
        detail = str(report.longrepr)[-2000:] if report.longrepr else ""
        item.stash[_OUTCOME_KEY] = ("failed" if report.when == "call" else "error", detail)
    elif report.skipped and previous[0] == "passed":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        item.stash[_OUTCOME_KEY] = ("skipped", str(reason))
    elif report.when in ("setup", "call") and previous == ("passed", ""):
        item.stash[_OUTCOME_KEY] = ("passed", "")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = session.config.stash.get(RECORDER_KEY, None)
    if recorder is None:
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop
    results = recorder.finish("interrupted" if interrupted else "complete")
    from conformance.certificate.issue import issue_certificate

    opt = session.config.getoption
    langs = tuple(dict.fromkeys(["fr", *(opt("conformance_langs") or [])]))
    issue_certificate(
        recorder.out,
        results,
        policy=opt("conformance_policy"),
        key=opt("conformance_sign_key"),
        cert=opt("conformance_sign_cert"),
        langs=langs,
    )
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is not None:
        verdicts = ", ".join(f"{name}: {s['verdict']}" for name, s in results["socles"].items())
        tr.write_line(f"conformance run {results['run_id']} -> {recorder.out} ({verdicts})")


# -- fixtures shared by every socle -----------------------------------------------------------


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> RunRecorder:
    recorder = request.config.stash.get(RECORDER_KEY, None)
    if recorder is None:
        pytest.skip("dui-conformance plugin is not active (no --socle)")
    return recorder


@pytest.fixture(scope="session")
def dui(request: pytest.FixtureRequest, conformance_run: RunRecorder) -> Any:
    spec = request.config.getoption("conformance_dui")
    try:
        driver = GuardedDriver(load_driver(spec), spec)
    except DriverError as exc:
        raise pytest.UsageError(str(exc)) from exc
    yield driver
    conformance_run.journal.record_json("driver-history", "driver-history", driver.history)
    driver.close()


@pytest.fixture
def verify(request: pytest.FixtureRequest) -> Verifier:
    verifier = request.node.stash.get(VERIFIER_KEY, None)
    if verifier is None:
        pytest.skip("verify is only available in conformance scenarios")
    return verifier


# -- pytest-html columns (only when pytest-html is installed: optional hooks) --------------------


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(2, "<th>Requirements</th>")
    cells.insert(3, "<th>Evidence (SHA-256)</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    from html import escape

    reqs = getattr(report, "conformance_requirements", {}) or {}
    evidence = getattr(report, "conformance_evidence", []) or []
    cells.insert(2, "<td>" + "<br>".join(escape(f"{rid}: {v}") for rid, v in reqs.items()) + "</td>")
    shown = "<br>".join(escape(h[:16]) + "…" for h in evidence[:4]) + (
        f"<br>(+{len(evidence) - 4})" if len(evidence) > 4 else ""
    )
    cells.insert(3, f'<td style="font-family:monospace">{shown}</td>')
