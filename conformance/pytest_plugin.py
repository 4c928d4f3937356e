"""`pytest --socle=...`: the pytest front door of the engine, a thin adapter.

It declares the options (`engine.options`, the core's and every installed socle's), builds the
`RunRequest` from them (or takes the one `conformance run` passed as a plugin object) and starts the
run session (`engine.session`), which does the rest. Without --socle the harness stays dormant, so
it never disturbs a project's own test suite.
"""

from __future__ import annotations

import pytest

from conformance.engine import parallel
from conformance.engine.capture.plugin import MARKER as SANDBOX_MARKER
from conformance.engine.options import OptionError, add_to_pytest, all_options, dest_in_pytest, values_from_pytest
from conformance.engine.request import RunRequest
from conformance.engine.session import RECORDER_KEY, RunSession

__all__ = ["RECORDER_KEY"]  # read by socle fixtures that need the run before its fixtures exist

pytest_plugins = ["conformance.engine.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_to_pytest(parser)


def given_request(config: pytest.Config) -> RunRequest | None:
    """The request `conformance run` passed to `pytest.main(..., plugins=[request])`, or on a pytest-xdist
    worker the one its controller handed over (`engine.parallel`), if any."""
    handed = parallel.handed_request(config)
    if handed is not None:
        return handed
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, RunRequest)), None)


def request_from_options(config: pytest.Config) -> RunRequest | None:
    values = values_from_pytest(config)
    if not values["socle"]:
        return None
    return RunRequest.from_values(values, keyword=config.option.keyword, verbosity=config.option.verbose)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirements(*ids): requirement ids a scenario verifies")
    config.addinivalue_line("markers", SANDBOX_MARKER)
    try:
        request = given_request(config)
        if request is not None:
            values = request.values()
            for option in all_options():  # a scenario reading config.getoption sees what the request says
                setattr(config.option, dest_in_pytest(option), values[option.dest])
        else:
            request = request_from_options(config)
        if request is not None:
            RunSession.start(config, request)
    except OptionError as exc:
        raise pytest.UsageError(str(exc)) from exc
