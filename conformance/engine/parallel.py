"""Parallel runs on pytest-xdist: `conformance run -j N` and `pytest -n N --socle ...`.

The controller (the process the user started) runs no scenario: it hands its `RunRequest` to each
worker (`pytest_configure_node`), schedules whole scenario modules (`ScenarioScheduling`: a module's
scenarios share state such as the DMP feed judged by many rule scenarios, so they never split), prints
the progress lines, and at the end merges what the workers wrote (`parallel_merge`) into the one run
folder, then certifies it as a serial run would.

Each worker is a full run of its own: its own demo DUI, its own mock services on ephemeral ports, its
own copy of the test PKI (taken once by the controller, so no worker ever creates or refreshes the
shared cache while another reads it), its own folder `<run>/workers/<gwN>/` with results.json and an
evidence journal flushed on every record. A cross-socle scenario starts, in its worker, the other
socle's service as a session fixture like any other scenario, so it works wherever it lands. An
interrupted run keeps every worker folder until the merge has written the run folder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from conformance.engine import parallel_merge, parallel_plan, parallel_refs
from conformance.engine.keys import RECORDER_KEY
from conformance.engine.request import RunRequest
from conformance.model import Verdict

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.workermanage import WorkerController

    from conformance.engine.recorder import RunRecorder

WORKERS_DIR = "workers"  # inside the run folder; removed once merged
INPUT_KEY = "dui_conformance"  # what the controller adds to each worker's workerinput
MARKS_FILE = parallel_merge.MARKS_FILE
PLAN_FILE = parallel_merge.PLAN_FILE
PARALLEL_KEY = pytest.StashKey["ParallelRun"]()
# drivers that reach one DUI instance the workers would share (its configuration names one set of
# endpoints): a parallel run needs a DUI per worker
SINGLE_INSTANCE_DRIVERS = ("http://", "https://", "manual")


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """pytest-xdist distributes this session (`-n N` with N > 0) and this process is not a worker."""
    return not is_worker(config) and getattr(config.option, "dist", "no") != "no" and bool(config.getoption("tx", []))


def check_driver(dui: str, jobs: int) -> str | None:
    """Why `dui` cannot run on `jobs` workers (None when it can)."""
    if jobs > 1 and dui.startswith(SINGLE_INSTANCE_DRIVERS):
        return (
            f"--dui {dui} drives one DUI instance, which cannot serve {jobs} parallel workers each with its own "
            "mock services: run it without -j (demo and python: drivers run one instance per worker)"
        )
    return None


def jsonable(value: Any) -> Any:
    """Option values as execnet can send them (paths as strings, tuples as lists)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def handed_request(config: pytest.Config) -> RunRequest | None:
    """On a worker: the controller's request, writing to the worker's own folder (None elsewhere).

    The worker also switches to the PKI copy the controller made for it, before any socle fixture
    reads `CONFORMANCE_PKI_DIR`.
    """
    import os

    given = getattr(config, "workerinput", {}).get(INPUT_KEY)
    if not given:
        return None
    os.environ["CONFORMANCE_PKI_DIR"] = given["pki"]
    values = {**given["values"], "out": given["out"], "conformance_progress": False}
    request = RunRequest.from_values(values, keyword=given.get("keyword"), verbosity=0, progress=False)
    config.pluginmanager.register(WorkerMarks(Path(given["out"])), "conformance-parallel-worker")
    return request


class WorkerMarks:
    """Worker side: after each scenario, how many driver actions the worker's DUI had answered.

    The merge cuts each worker's driver history at these marks and lays the slices in collection
    order, so the run folder holds one driver history in the order a serial run would have written it.
    Each report also carries the scenario's title for the controller's progress line. Once collected,
    the worker writes its plan (the selected scenarios per socle, counted as a serial run counts them)
    and has its journal note the attaches it answers with bytes already kept (`parallel_refs`).
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / MARKS_FILE
        self.driver: Any = None

    @pytest.hookimpl(trylast=True)  # after the run session has counted what it will run
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from conformance.engine.evidence import write_json_atomic

        recorder = session.config.stash.get(RECORDER_KEY, None)
        if recorder is None:
            return
        parallel_refs.note_attached_again(recorder.journal, self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.out / PLAN_FILE, {"expected_by_socle": recorder.expected_by_socle})

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: the session has judged the report inside
    def pytest_runtest_makereport(self, item: pytest.Item) -> Any:
        from conformance.engine import outcome, scenarios

        report = yield
        report.conformance_title = scenarios.title(item)
        if report.when == "teardown":  # the scenario's end: what the controller's console line says
            recorder = item.config.stash.get(RECORDER_KEY, None)
            rec = recorder.scenarios.get(item.nodeid) if recorder is not None else None
            report.conformance_outcome = list(outcome.final(item))
            # the console shows a scenario's failing findings only: the others (a thousand over a run, each
            # serialized by execnet in the worker and read back in the controller) stay in the worker's records
            failing = [f for f in rec.findings if f.verdict is Verdict.FAIL] if rec is not None else []
            report.conformance_findings = [f.to_json() for f in failing]
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        """Before the fixtures' teardown: the last scenario's mark precedes the history's recording."""
        self.driver = getattr(item, "funcargs", {}).get("dui", self.driver)
        done = len(getattr(self.driver, "history", []) or [])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"scenario": item.nodeid, "actions": done}) + "\n")


class ScenarioScheduling(LoadScopeScheduling):
    """Whole scenario modules to workers, the longest first (`parallel_plan`), handed out as workers free up,
    each worker taking its own socles' modules first (`parallel_plan.socle_groups`).

    A module is the unit a suite may share state within (a feed judged by many rule scenarios, a
    prescription cancelled by the next scenario), so it never spans two workers. `socle_of` names each
    module's socle (a module it does not name goes to whoever asks).
    """

    def __init__(
        self, config: pytest.Config, log: Producer | None = None, socle_of: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(config, log)
        self.socle_of = dict(socle_of or {})
        self._ordered = False
        self._prefers: dict[WorkerController, set[str]] = {}

    def _split_scope(self, nodeid: str) -> str:
        return parallel_plan.module_of(nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        """The queue the base class built (by count) ordered once by the modules' last known times and the
        socles shared out; then the node's own socles' longest module first, else the longest left."""
        if not self._ordered:
            self._ordered = True
            counts, known = {m: len(t) for m, t in self.workqueue.items()}, parallel_plan.load()
            for module in parallel_plan.longest_first(counts, known):
                self.workqueue.move_to_end(module)
            expected = parallel_plan.expected_seconds(counts, known)
            loads: dict[str, float] = {}
            for module, seconds in expected.items():
                if module in self.socle_of:
                    loads[self.socle_of[module]] = loads.get(self.socle_of[module], 0.0) + seconds
            self._prefers = dict(zip(self.nodes, parallel_plan.socle_groups(loads, len(self.nodes)), strict=False))
        prefers = self._prefers.get(node, set())
        own = next((m for m in self.workqueue if self.socle_of.get(m) in prefers), None)
        if own is not None:
            self.workqueue.move_to_end(own, last=False)
        super()._assign_work_unit(node)


def modules_by_socle(socles: Iterable[str]) -> dict[str, str]:
    """Each scenario module of `socles` (as `parallel_plan.module_of` names it) with its socle; a name two
    socles' suites share is left out (its scope holds both)."""
    from conformance.socle import get_socle

    found: dict[str, set[str]] = {}
    for name in socles:
        suite = get_socle(name).suite
        for path in sorted(suite.rglob("test_*.py")) if suite.is_dir() else []:
            found.setdefault(path.relative_to(suite).as_posix(), set()).add(name)
    return {module: next(iter(owners)) for module, owners in found.items() if len(owners) == 1}


class ParallelRun:
    """Controller side of a parallel run (registered as a pytest plugin next to the run session)."""

    def __init__(self, config: pytest.Config, request: RunRequest, console: Any = None) -> None:
        assert request.out is not None
        self.config = config
        self.request = request
        self.console = console  # the run's console (`conformance run`), None under plain pytest
        self.out = request.out
        self.workers = self.out / WORKERS_DIR
        self.order: list[str] = []
        self.done = 0
        self.seconds: dict[str, float] = {}  # per scenario, its reports' durations so far
        self._pki_root: Path | None = None

    # -- xdist hooks -------------------------------------------------------------------------
    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Producer) -> ScenarioScheduling:
        return ScenarioScheduling(config, log, modules_by_socle(self.request.socles))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: WorkerController) -> None:
        worker = str(node.workerinput["workerid"])
        values = jsonable({**self.request.values(), "out": None})
        node.workerinput[INPUT_KEY] = {
            "values": values,
            "keyword": self.request.keyword,
            "out": str(self.workers / worker),
            "pki": str(self.pki_copy(worker)),
        }

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: WorkerController, ids: list[str]) -> None:
        if not self.order:
            self.order = list(ids)
            # what certifies the run, imported while the workers run rather than after them (the controller
            # waits for them with a core to spare; this is 80 ms less between the last scenario and the end):
            # the certificate and each socle's reader of the software's identity in the evidence
            import conformance.certificate.issue  # noqa: F401
            from conformance.socle import get_socle, resolve

            for identity in filter(None, (get_socle(name).identity for name in self.request.socles)):
                resolve(identity)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """One progress line per scenario once it has ended, as the serial run prints them: through the
        run's console (`conformance run`), else pytest's terminal tagged with the worker."""
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        ended = getattr(report, "conformance_outcome", None)
        if not self.request.progress or report.when != "teardown" or ended is None:
            return
        self.done += 1
        result, detail = str(ended[0]), str(ended[1])
        seconds = self.seconds.pop(report.nodeid, report.duration)
        socle = dict(report.user_properties).get("socle", "")
        title = getattr(report, "conformance_title", report.nodeid)
        console = self.console
        if console is not None:
            console.started(self.done, len(self.order), str(socle), title)
            console.ended(result, seconds, getattr(report, "conformance_findings", []), detail)
            return
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is None:
            return
        worker = getattr(getattr(report, "node", None), "gateway", None)
        where = f" {worker.id}" if worker is not None else ""
        terminal.write_line(
            f"[{self.done}/{len(self.order) or '?'}]{where} {socle:<13} {title} ... {result.upper()} ({seconds:.1f} s)"
        )

    # -- the PKI each worker uses ---------------------------------------------------------------
    def pki_copy(self, worker: str) -> Path:
        """A private copy of the test PKI for `worker`, made from the cache the controller validated once."""
        from conformance.formats.pki import TestPKI, pki_cache_dir

        if self._pki_root is None:
            self._source = TestPKI.load_or_create(pki_cache_dir()).directory
            self._pki_root = Path(tempfile.mkdtemp(prefix="dui-conformance-pki-"))
        target = self._pki_root / worker
        if not target.exists():
            shutil.copytree(self._source, target)
        return target

    # -- the end ---------------------------------------------------------------------------------
    def finish(self, recorder: RunRecorder, status: str) -> dict[str, Any]:
        """Merge the workers' folders into the run folder; results.json as a serial run writes it."""
        try:
            results = parallel_merge.merge_run(recorder, self.workers, self.order, status)
            parallel_plan.save(s for socle in results.get("socles", {}).values() for s in socle.get("scenarios", []))
            return results
        finally:
            if self._pki_root is not None:
                shutil.rmtree(self._pki_root, ignore_errors=True)


def check_loaded(driver: Any, dui: str, jobs: int) -> str | None:
    """Why the loaded driver cannot run on `jobs` workers: one that wants the services on their fixed
    documented ports (every worker would bind the same ones) or talks to a person (None when it can)."""
    if jobs > 1 and (getattr(driver, "fixed_ports", False) or getattr(driver, "interactive", False)):
        return f"--dui {dui} wants the mock services on fixed ports or a person at the keyboard: run it without -j"
    return None


def start(config: pytest.Config, request: RunRequest, driver: Any = None, console: Any = None) -> ParallelRun | None:
    """The controller's part of a parallel run, registered on `config`; None on a worker or a serial run."""
    if not is_controller(config):
        return None
    jobs = int(config.getoption("numprocesses") or 0)
    problem = check_driver(request.dui, jobs) or check_loaded(driver, request.dui, jobs)
    if problem:
        from conformance.engine.options import OptionError

        raise OptionError(problem)
    run = ParallelRun(config, request, console)
    config.stash[PARALLEL_KEY] = run
    config.pluginmanager.register(run, "conformance-parallel")
    return run


def of(config: pytest.Config) -> ParallelRun | None:
    return config.stash.get(PARALLEL_KEY, None)
