"""`conformance run`: a request executed as one pytest session.

Scenarios stay pytest tests (that is what makes `pytest --socle=...` and `conformance run` the same
engine), but the request is not turned back into command-line options: pytest gets a short fixed
argv (the suites, no cache, the run folder's parent as rootdir, the harness's own ini, -k, the
verbosity) and the `RunRequest` itself as a plugin object, which the plugin hands to the session.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conformance.engine.recorder import new_run_id
from conformance.engine.request import RunRequest
from conformance.engine.results import exit_code
from conformance.paths import PACKAGE_DIR
from conformance.socle import get_socle

RUN_INI = PACKAGE_DIR / "engine" / "run.ini"
USAGE = 2  # exit status of a usage or environment error


def prepared(request: RunRequest) -> RunRequest:
    """The request with its run folder fixed (reports/<run-id> when none was given)."""
    return request.with_out(new_run_id())


def argv_for(request: RunRequest) -> list[str]:
    assert request.out is not None
    args = [str(get_socle(name).suite) for name in request.socles]
    args += ["-p", "no:cacheprovider", "--rootdir", str(request.out.parent), "-c", str(RUN_INI)]
    if request.keyword:
        args += ["-k", request.keyword]
    args += ["-v", "--tb=short"] if request.verbosity > 0 else ["-q", "-rN", "--tb=line"]
    return args


def execute(request: RunRequest) -> int:
    """Run the request; 0 when every checked EXIGENCE passed, 1 when one did not, 2 when nothing could run."""
    if request.from_capture is not None:  # imported exchanges: judged without pytest nor services
        from conformance.engine.capture.imports import execute_import

        return execute_import(request)
    request = request if request.out is not None else prepared(request)
    assert request.out is not None
    request.out.parent.mkdir(parents=True, exist_ok=True)  # pytest wants an existing rootdir
    code = pytest.main(argv_for(request), plugins=[request])
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        return USAGE
    results = read_results(request.out)
    if results is None:
        print("no results were written", file=sys.stderr)
        return USAGE
    return exit_code(results)


def read_results(out: Path) -> dict | None:
    path = out / "results.json"
    if not path.is_file():
        return None
    data: dict = json.loads(path.read_text(encoding="utf-8"))
    return data
