"""One conformance run inside a pytest session, from the request to the run folder and its certificate.

Both front doors end here: the pytest plugin starts a `RunSession` from the `RunRequest` (built from
pytest's options, or handed over by `conformance run`), and the session registers itself as a pytest
plugin for the hooks below. It applies the options, opens the run folder, points pytest at the
selected socles' suites and their fixtures, follows each scenario (`outcome`) and, at the end,
completes results.json and issues the certificate.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from conformance.drivers.base import Driver
from conformance.drivers.guard import GuardedDriver
from conformance.engine import html_columns, outcome, parallel, scenarios
from conformance.engine.capture import plugin as sandbox_plugin
from conformance.engine.capture import sandbox
from conformance.engine.console import Console, console_lang
from conformance.engine.judge_memo import JudgeMemo
from conformance.engine.keys import RECORDER_KEY
from conformance.engine.options import OptionError, apply, reset
from conformance.engine.preflight import preflight
from conformance.engine.recorder import RunInfo, RunRecorder, new_run_id
from conformance.engine.request import RunRequest
from conformance.engine.shield import HoldCtrlC
from conformance.engine.verifier import Verifier
from conformance.heap import freeze_at_exit, freeze_loaded
from conformance.socle import Socle, get_socle

SESSION_KEY = pytest.StashKey["RunSession"]()
VERIFIER_KEY = pytest.StashKey[Verifier]()


def current(config: pytest.Config) -> RunSession | None:
    """The run of this pytest session, or None when the harness is dormant (no --socle)."""
    return config.stash.get(SESSION_KEY, None)


class RunView:
    """What a driver that follows the run may read (the manual console): the planned scenarios with their
    state, findings and evidence, read-only, from any thread."""

    def __init__(self, session: RunSession) -> None:
        self._session = session

    @property
    def out(self) -> Path:
        return self._session.recorder.out

    @property
    def lang(self) -> str:
        return console_lang(self._session.request.langs)

    def journal_rows(self, since: int = 0) -> list[dict[str, Any]]:
        """Evidence recorded after sequence number `since`, as journal rows (path, kind, time, meta)."""
        return [
            {"seq": r.seq, "path": r.path, "kind": r.kind, "time": r.time, "size": r.size, "meta": r.meta}
            for r in self._session.recorder.journal.refs()
            if r.seq > since
        ]

    def scenarios(self) -> list[dict[str, Any]]:
        """Every selected scenario in run order: pending ones too, with their outcome once known."""
        records = dict(self._session.recorder.scenarios)
        out = []
        for nodeid, socle, title in self._session.planned:
            rec = records.get(nodeid)
            row: dict[str, Any] = rec.to_json() if rec is not None else {"id": nodeid, "socle": socle, "title": title}
            row.setdefault("outcome", "planned")
            row["evidence_files"] = [
                {"path": r.path, "kind": r.kind} for r in self._session.recorder.journal.refs(nodeid)
            ]
            out.append(row)
        return out


class Preflighted:
    """What `conformance run` checked before pytest started, handed over as a plugin object: the loaded
    and greeted driver, and the console its lines go to (chosen before pytest captures the output)."""

    def __init__(self, driver: Driver, console: Console | None) -> None:
        self.driver = driver
        self.console = console


class RunSession:
    def __init__(
        self,
        request: RunRequest,
        socles: list[Socle],
        recorder: RunRecorder,
        driver: Driver,
        console: Console | None = None,
    ) -> None:
        self.request = request
        self.socles = socles
        self.recorder = recorder
        self.driver = driver
        self.console = console
        self.planned: list[tuple[str, str, str]] = []  # (nodeid, socle, title) of the selected scenarios
        self.interrupted = False
        self.memo = JudgeMemo()  # judgements its scenarios share (engine.judge_memo)

    @classmethod
    def start(cls, config: pytest.Config, request: RunRequest) -> RunSession:
        """Apply the options, check and greet (preflight), open the run folder and join the pytest session.

        Runs from pytest_configure, before junitxml reads its path: junit.xml lands in the run folder.
        OptionError (a usage error) before the run folder exists when anything is wrong.
        """
        socles = [get_socle(name) for name in request.socles]
        apply(request.values(), socles)
        if request.from_capture is not None:
            raise OptionError("--from-capture imports captured exchanges: use `conformance run --from-capture DIR`")
        platform = sandbox.prepare(request, socles)  # before the run folder: a bad platform stops here, exit 2
        run_id = new_run_id()
        request = request.with_out(run_id)
        assert request.out is not None
        given = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Preflighted)), None)
        if given is not None:
            driver, console = given.driver, given.console
        else:
            driver = preflight(request)
            console = Console(console_lang(request.langs)) if request.progress else None
        if not config.option.xmlpath:
            config.option.xmlpath = str(request.out / "junit.xml")
        info = RunInfo(run_id, request.out, list(request.socles), request.dui, request.solution.to_json())
        info.keyword = request.keyword
        if console is not None:
            console.own_lines = bool(getattr(driver, "interactive", False))
        session = cls(request, socles, RunRecorder(info), driver, console)
        if parallel.is_worker(config):
            freeze_at_exit()  # a parallel run waits for its workers to end
        parallel.start(config, request, driver, console)  # -n N: this process merges what its workers record
        config.stash[SESSION_KEY] = session
        config.stash[RECORDER_KEY] = session.recorder
        session._join(config)
        sandbox_plugin.join(config, session.recorder, platform, VERIFIER_KEY)
        return session

    def _join(self, config: pytest.Config) -> None:
        suites = [str(s.suite) for s in self.socles]
        if config.args_source != pytest.Config.ArgsSource.ARGS:
            config.args = suites
        else:
            config.args = list(dict.fromkeys([*config.args, *suites]))
        plugins: list[tuple[Any, str]] = [
            (self, "conformance-run"),
            (html_columns, "conformance-html-columns"),
            (HoldCtrlC(), "conformance-hold-ctrl-c"),
        ]
        # a parallel run's controller runs no scenario: its workers load the checks and fixtures
        for socle in [] if parallel.is_controller(config) else self.socles:
            socle.load_checks()
            if socle.fixtures:
                plugins.append((importlib.import_module(socle.fixtures), f"conformance-{socle.name}-fixtures"))
        for plugin, name in plugins:
            if not config.pluginmanager.is_registered(plugin):
                config.pluginmanager.register(plugin, name)

    # -- pytest hooks -----------------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        scenarios.select(items, self.socles)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """What will run, once every plugin (-k, -m) has deselected what it would."""
        items = session.items
        self.planned = [(i.nodeid, scenarios.socle_of(i, self.socles) or "", scenarios.title(i)) for i in items]
        self.recorder.plan(len(items), {s.name: sum(1 for p in self.planned if p[1] == s.name) for s in self.socles})
        freeze_loaded()  # the harness, its checks and suites live as long as the process (conformance.heap)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """A restricted selection makes a partial run: the certificate says so (results.json "selection")."""
        self.recorder.info.deselected += sum(1 for i in items if scenarios.socle_of(i, self.socles) is not None)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """With the harness's own lines on, pytest's letters and words would only interleave with them."""
        if self.console is not None:
            return report.outcome, "", ""
        return None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Without pytest's own terminal (`conformance run`), a suite that cannot be loaded still says so."""
        if self.console is not None and report.failed:
            reason = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else ""
            self.console.line("run-collection-error", where=report.nodeid or ".", reason=reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        socle = scenarios.socle_of(item, self.socles)
        if socle is None:
            return (yield)
        declared = scenarios.declared(item)
        title = scenarios.title(item)
        self.recorder.begin(item.nodeid, socle, item.name, title, declared)
        item.stash[VERIFIER_KEY] = Verifier(self.recorder, item.nodeid, socle, declared, memo=self.memo)
        if self.console is not None:
            self.console.started(len(self.recorder.scenarios), self.recorder.expected_total, socle, title)
        started = time.monotonic()
        interrupted = False
        try:
            return (yield)
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            result, detail = ("interrupted", "interrupted (Ctrl-C)") if interrupted else outcome.final(item)
            self.recorder.end(item.nodeid, result, time.monotonic() - started, detail)
            if self.console is not None:
                rec = self.recorder.scenarios[item.nodeid]
                findings = [f.to_json() for f in rec.findings]
                self.console.ended(result, time.monotonic() - started, findings, detail)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        verifier = item.stash.get(VERIFIER_KEY, None)
        if verifier is not None:
            outcome.judge(item, report, call, verifier)
        return report

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    @pytest.hookimpl(trylast=True)  # after pytest has torn the session's fixtures down (Ctrl-C leaves them up)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop) or self.interrupted
        status = "interrupted" if interrupted else "complete"
        if parallel.is_worker(session.config):
            self.recorder.finish(status)  # the controller merges the workers' folders and certifies
            return
        from conformance.certificate.issue import issue_certificate

        run = parallel.of(session.config)
        results = run.finish(self.recorder, status) if run is not None else self.recorder.finish(status)
        issue_certificate(
            self.recorder.out,
            results,
            policy=self.request.policy,
            key=self.request.signing.key,
            cert=self.request.signing.cert,
            crls=self.request.signing.crls,
            witness=self.request.signing.witness,
            langs=self.request.certificate_langs,
        )
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            verdicts = ", ".join(f"{name}: {s['verdict']}" for name, s in results["socles"].items())
            terminal.write_line(f"conformance run {results['run_id']} -> {self.recorder.out} ({verdicts})")

    def pytest_unconfigure(self) -> None:
        """An in-process run (`conformance run`, pytester) leaves no socle option behind it, nor a driver open."""
        reset(self.socles)
        GuardedDriver(self.driver, self.request.dui).close()
