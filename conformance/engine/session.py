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
from typing import Any

import pytest

from conformance.engine import html_columns, outcome, scenarios
from conformance.engine.capture import plugin as sandbox_plugin
from conformance.engine.capture import sandbox
from conformance.engine.options import OptionError, apply, reset
from conformance.engine.recorder import RunInfo, RunRecorder, new_run_id
from conformance.engine.request import RunRequest
from conformance.engine.verifier import Verifier
from conformance.socle import Socle, get_socle

SESSION_KEY = pytest.StashKey["RunSession"]()
RECORDER_KEY = pytest.StashKey[RunRecorder]()
VERIFIER_KEY = pytest.StashKey[Verifier]()


def current(config: pytest.Config) -> RunSession | None:
    """The run of this pytest session, or None when the harness is dormant (no --socle)."""
    return config.stash.get(SESSION_KEY, None)


class RunSession:
    def __init__(self, request: RunRequest, socles: list[Socle], recorder: RunRecorder) -> None:
        self.request = request
        self.socles = socles
        self.recorder = recorder

    @classmethod
    def start(cls, config: pytest.Config, request: RunRequest) -> RunSession:
        """Apply the options, open the run folder and join the pytest session (OptionError if unusable).

        Runs from pytest_configure, before junitxml reads its path: junit.xml lands in the run folder.
        """
        socles = [get_socle(name) for name in request.socles]
        apply(request.values(), socles)
        if request.from_capture is not None:
            raise OptionError("--from-capture imports captured exchanges: use `conformance run --from-capture DIR`")
        platform = sandbox.prepare(request, socles)  # before the run folder: a bad platform stops here, exit 2
        run_id = new_run_id()
        request = request.with_out(run_id)
        assert request.out is not None
        if not config.option.xmlpath:
            config.option.xmlpath = str(request.out / "junit.xml")
        info = RunInfo(run_id, request.out, list(request.socles), request.dui, request.solution.to_json())
        session = cls(request, socles, RunRecorder(info))
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
        plugins: list[tuple[Any, str]] = [(self, "conformance-run"), (html_columns, "conformance-html-columns")]
        for socle in self.socles:
            socle.load_checks()
            if socle.fixtures:
                plugins.append((importlib.import_module(socle.fixtures), f"conformance-{socle.name}-fixtures"))
        for plugin, name in plugins:
            if not config.pluginmanager.is_registered(plugin):
                config.pluginmanager.register(plugin, name)

    # -- pytest hooks -----------------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        scenarios.select(items, self.socles)
        self.recorder.expected_total = len(items)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        """With the progress lines on, pytest's dots would only interleave with them."""
        if self.request.progress and report.when == "call":
            return report.outcome, "", report.outcome.upper()
        return None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        socle = scenarios.socle_of(item, self.socles)
        if socle is None:
            return (yield)
        declared = scenarios.declared(item)
        title = scenarios.title(item)
        self.recorder.begin(item.nodeid, socle, item.name, title, declared)
        item.stash[VERIFIER_KEY] = Verifier(self.recorder, item.nodeid, socle, declared)
        terminal = item.config.pluginmanager.get_plugin("terminalreporter") if self.request.progress else None
        if terminal is not None:
            done, total = len(self.recorder.scenarios), self.recorder.expected_total
            terminal.write(f"[{done}/{total}] {socle:<13} {title} ... ", flush=True)
        started = time.monotonic()
        try:
            return (yield)
        finally:
            result, detail = outcome.final(item)
            self.recorder.end(item.nodeid, result, time.monotonic() - started, detail)
            if terminal is not None:
                terminal.write_line(f"{result.upper()} ({time.monotonic() - started:.1f} s)")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        verifier = item.stash.get(VERIFIER_KEY, None)
        if verifier is not None:
            outcome.judge(item, report, call, verifier)
        return report

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from conformance.certificate.issue import issue_certificate

        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop
        results = self.recorder.finish("interrupted" if interrupted else "complete")
        issue_certificate(
            self.recorder.out,
            results,
            policy=self.request.policy,
            key=self.request.signing.key,
            cert=self.request.signing.cert,
            langs=self.request.certificate_langs,
        )
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            verdicts = ", ".join(f"{name}: {s['verdict']}" for name, s in results["socles"].items())
            terminal.write_line(f"conformance run {results['run_id']} -> {self.recorder.out} ({verdicts})")

    def pytest_unconfigure(self) -> None:
        """An in-process run (`conformance run`, pytester) leaves no socle option behind it."""
        reset(self.socles)
