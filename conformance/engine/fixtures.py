"""The fixtures every socle's scenarios share: the run (`conformance_run`), the DUI (`dui`), `verify`.

Registered by the pytest plugin whether a run is active or not, so that a project test asking for
one outside a conformance run is skipped with the reason instead of failing on a missing fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.drivers.base import DriverError
from conformance.drivers.guard import GuardedDriver
from conformance.drivers.registry import load as load_driver
from conformance.engine.evidence import OBSERVED
from conformance.engine.recorder import RunRecorder
from conformance.engine.session import VERIFIER_KEY, current
from conformance.engine.verifier import Verifier


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> RunRecorder:
    session = current(request.config)
    if session is None:
        pytest.skip("dui-conformance plugin is not active (no --socle)")
    return session.recorder


@pytest.fixture(scope="session")
def dui(conformance_run: RunRecorder) -> Iterator[Any]:
    """The DUI under test behind the guard (timeouts, crashes as DriverError); its history becomes evidence."""
    spec = conformance_run.info.driver
    try:
        driver = GuardedDriver(load_driver(spec), spec)
    except DriverError as exc:
        raise pytest.UsageError(str(exc)) from exc
    yield driver
    conformance_run.journal.record_json("driver-history", "driver-history", driver.history, role=OBSERVED)
    driver.close()


@pytest.fixture
def verify(request: pytest.FixtureRequest) -> Verifier:
    verifier = request.node.stash.get(VERIFIER_KEY, None)
    if verifier is None:
        pytest.skip("verify is only available in conformance scenarios")
    return verifier
