"""`conformance run`: a request executed as one pytest session.

Scenarios stay pytest tests (that is what makes `pytest --socle=...` and `conformance run` the same
engine), but the request is not turned back into command-line options: pytest gets a short fixed
argv (the suites, no cache, the run folder's parent as rootdir, the harness's own ini, -k, the
verbosity) and the `RunRequest` itself as a plugin object, which the plugin hands to the session.

Before pytest starts, the preflight checks the run folder, the signing key and the policy, and loads
and greets the driver: a mistake there is a usage error (exit 2) with no run folder. Without `-v`
pytest's own terminal is off and the harness's console writes every line, in one language.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from conformance.engine.console import Console
from conformance.engine.preflight import preflight
from conformance.engine.recorder import new_run_id
from conformance.engine.request import RunRequest
from conformance.engine.results import exit_code
from conformance.engine.session import Preflighted
from conformance.paths import PACKAGE_DIR
from conformance.socle import get_socle

RUN_INI = PACKAGE_DIR / "engine" / "run.ini"
# what a run's pytest session does without: no assertion rewriting (scenarios judge through findings, never bare
# asserts, and the rewrite hook re-parsed every harness and plug-in module imported after pytest started, about
# 0.5 s per run); no unraisable-exception plug-in (its warnings never reach a run's reader, and its five full
# garbage collections at the end cost about 0.2 s per run); no unittest.TestCase support nor pdb (no suite has
# the one, no run offers the other: their imports cost 25 ms in the controller and again in each worker)
LEAN = ["--assert=plain", "-p", "no:unraisableexception", "-p", "no:unittest", "-p", "no:debugging"]
# the plug-ins a run's session loads, and no other: installed ones (pytest-html, hypothesis, anyio, a vendor's
# pytest-randomly or pytest-cov) would change a run or only slow it (their imports and the scan of every installed
# distribution's entry points, in the controller and again in each worker: about 0.1 s per process)
PLUGINS = ["--disable-plugin-autoload", "-p", "conformance.pytest_plugin"]
PARALLEL_PLUGINS = ["-p", "xdist.plugin"]
USAGE = 2  # exit status of a usage or environment error
INTERRUPTED = 130  # exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it


def prepared(request: RunRequest) -> RunRequest:
    """The request with its run folder fixed (reports/<run-id> when none was given)."""
    return request.with_out(new_run_id())


def argv_for(request: RunRequest, basetemp: Path | None = None) -> list[str]:
    """`basetemp`: the session's own temporary folder (see `execute`)."""
    assert request.out is not None
    args = [str(get_socle(name).suite) for name in request.socles]
    args += ["-p", "no:cacheprovider", "--rootdir", str(request.out.parent), "-c", str(RUN_INI)]
    args += LEAN + PLUGINS
    if basetemp is not None:
        args += ["--basetemp", str(basetemp)]
    if request.keyword:
        args += ["-k", request.keyword]
    if request.jobs > 1:  # pytest-xdist: the session's controller merges its workers' folders (engine.parallel)
        args += PARALLEL_PLUGINS + ["-n", str(request.jobs)]
    # quiet: the harness's console says everything; verbose: pytest's own report and tracebacks as well
    args += ["-v", "--tb=short"] if request.verbosity > 0 else ["-p", "no:terminal"]
    return args


def execute(request: RunRequest, console: Console | None = None) -> int:
    """Run the request; 0 when every checked EXIGENCE passed, 1 when one did not, 2 when nothing could run,
    130 when interrupted. A usage error found before the run (`PreflightError`) is raised, not returned."""
    if request.from_capture is not None:  # imported exchanges: judged without pytest nor services
        from conformance.engine.capture.imports import execute_import

        return execute_import(request)
    request = request if request.out is not None else prepared(request)
    assert request.out is not None
    driver = preflight(request)
    if console is not None:
        console.line("run-header", socles=", ".join(request.socles), dui=request.dui, out=request.out)
    request.out.parent.mkdir(parents=True, exist_ok=True)  # pytest wants an existing rootdir
    # the session's temporary folder is its own: pytest's default one (pytest-of-<user>/pytest-<n>) is created
    # by a parallel run's controller for its workers, and creating it deletes the user's older numbered folders
    # (another pytest session's, a whole test suite's: seconds at the end of the run, and not ours to delete)
    with tempfile.TemporaryDirectory(prefix="dui-conformance-pytest-") as scratch:
        argv = argv_for(request, Path(scratch) / "basetemp")
        code = pytest.main(argv, plugins=[request, Preflighted(driver, console)])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        return USAGE
    results = read_results(request.out)
    if results is None:
        if console is not None:
            console.line("run-no-results", out=request.out)
        return USAGE
    if code == pytest.ExitCode.INTERRUPTED or results.get("status") == "interrupted":
        return INTERRUPTED
    return exit_code(results)


def read_results(out: Path) -> dict | None:
    path = out / "results.json"
    if not path.is_file():
        return None
    data: dict = json.loads(path.read_text(encoding="utf-8"))
    return data
