"""The pytest side of a sandbox run: which scenarios run, which wait for the tester, which cannot run.

A socle's scenario says what it needs from a platform the harness does not control with
`@pytest.mark.sandbox(mode, reason)`:
- "as-is": it runs against the platform through the relay exactly as against the mock;
- "tester": a person must do something on the platform first (`reason` says what); it runs when the
  run was started with `--sandbox-tester` (the step is shown and the harness waits for Enter),
  otherwise it is reported "non exécuté en bac à sable" with the reason;
- "no": it needs the platform to misbehave or to reveal its state on demand (a wrong DSN, a DMP that
  closes between two calls): reported "non exécuté en bac à sable" with the reason.
A scenario without the marker is not run in a sandbox (it never said it could). A relay asked for
something only a mock can do raises `NotInSandbox` and the scenario is reported the same way.

When a relay saw its platform fail during a scenario (garbage, a connection closed mid-exchange),
every requirement the scenario declares gets a failing finding naming the platform and the evidence
that keeps the exchange: nothing the DUI did is judged on a broken exchange, and nothing passes.
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from contextlib import nullcontext
from typing import Any

import pytest

from conformance.engine.capture.sandbox import MODES, SANDBOX_KEY, NotInSandbox, SandboxRun
from conformance.engine.evidence import OBSERVED
from conformance.engine.messages import M
from conformance.engine.recorder import RunRecorder
from conformance.messages import Text

MARKER = "sandbox(mode, reason=None): how a scenario runs against a sandbox: as-is, tester or no (with a Text reason)"


def register_marker(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def plan(item: pytest.Item, tester: bool) -> Text | None:
    """Why `item` is not run in this sandbox run, or None when it runs."""
    mark = item.get_closest_marker("sandbox")
    if mark is None:
        return M.text("sandbox-undeclared")
    mode = mark.args[0] if mark.args else mark.kwargs.get("mode", "")
    reason = mark.args[1] if len(mark.args) > 1 else mark.kwargs.get("reason")
    if mode not in MODES:
        return M.text("sandbox-bad-marker", mode=str(mode))
    if mode == "as-is":
        return None
    said = reason if isinstance(reason, Text) else M.text("sandbox-no-reason")
    if mode == "tester" and tester:
        return None
    return M.text("sandbox-needs-tester") + said if mode == "tester" else said


def join(config: pytest.Config, recorder: RunRecorder, run: SandboxRun | None, verifiers: Any) -> None:
    """The run is a sandbox run from now on: its mode, its platform (the profile's public form: no path to a
    key, no secret; the certificates the probe saw) recorded as evidence and in results.json, and the plugin
    that follows the scenarios. `verifiers` is the stash key of each scenario's `Verifier`."""
    if run is None:
        return
    recorder.info.mode = "sandbox"
    recorder.info.platform = run.public()
    recorder.journal.record_json("sandbox-platform", "sandbox-platform", run.public(), role=OBSERVED)
    recorder.write()
    config.stash[SANDBOX_KEY] = run
    config.pluginmanager.register(SandboxPlugin(run, recorder, verifiers), "conformance-sandbox")


class SandboxPlugin:
    def __init__(self, run: SandboxRun, recorder: RunRecorder, verifiers: Any) -> None:
        self.run = run
        self.recorder = recorder
        self.verifiers = verifiers

    def _not_run(self, item: pytest.Item, reason: Text) -> None:
        said = M.text("sandbox-not-run") + reason
        self.recorder.not_run(item.nodeid, {"fr": said.fr, "en": said.en})
        pytest.skip(said.en)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        """Decide before any fixture runs; a fixture's `NotInSandbox` is a scenario not run, too."""
        if item.nodeid in self.recorder.scenarios:
            reason = plan(item, self.run.tester)
            if reason is not None:
                self._not_run(item, reason)
            mark = item.get_closest_marker("sandbox")
            if mark is not None and mark.args and mark.args[0] == "tester":
                self._ask_tester(item, mark.args[1] if len(mark.args) > 1 else M.text("sandbox-no-reason"))
        try:
            return (yield)
        except NotInSandbox as exc:
            self._not_run(item, exc.reason)
            raise  # not reached: _not_run raises pytest's skip

    def _ask_tester(self, item: pytest.Item, step: Text) -> None:
        stdin = sys.__stdin__
        if stdin is None or not stdin.isatty():
            self._not_run(item, M.text("sandbox-no-terminal") + step)
        capture = item.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
            print(f"\n=== {item.name} ===\nFR : {step.fr}\nEN : {step.en}\n(Entrée quand c'est fait / Enter when done)")
            assert stdin is not None
            stdin.readline()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        try:
            return (yield)
        except NotInSandbox as exc:
            self._not_run(item, exc.reason)
            raise  # not reached: _not_run raises pytest's skip
        finally:
            self._platform_failures(item)

    def _platform_failures(self, item: pytest.Item) -> None:
        verifier = item.stash.get(self.verifiers, None)
        failures = self.run.failures_of(item.nodeid)
        if verifier is None or not failures:
            return
        verifier.record(
            [
                M.fail(
                    rid, "sandbox-upstream-failed", f.upstream, platform=f.platform, what=f.what, evidence=f.evidence
                )
                for f in failures
                for rid in verifier.declared
            ]
        )
