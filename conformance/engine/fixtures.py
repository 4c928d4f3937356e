"""The fixtures every socle's scenarios share: the run (`conformance_run`), the DUI (`dui`), `verify`.

Registered by the pytest plugin whether a run is active or not, so that a project test asking for
one outside a conformance run is skipped with the reason instead of failing on a missing fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.drivers.guard import GuardedDriver
from conformance.engine.evidence import OBSERVED
from conformance.engine.recorder import RunRecorder
from conformance.engine.session import VERIFIER_KEY, RunView, current
from conformance.engine.verifier import Verifier


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> RunRecorder:
    session = current(request.config)
    if session is None:
        pytest.skip("dui-conformance plugin is not active (no --socle)")
    return session.recorder


@pytest.fixture(scope="session")
def dui(request: pytest.FixtureRequest, conformance_run: RunRecorder) -> Iterator[Any]:
    """The DUI the preflight loaded and greeted, behind the guard (timeouts, crashes as DriverError).

    A driver that talks to a person (`interactive`) acts with pytest's capture off, so its prompts are
    seen and its answers read; one that follows the run (`follow(run)`, the manual console) is given it.
    Its history becomes evidence.
    """
    session = current(request.config)
    assert session is not None  # conformance_run skipped otherwise
    inner = session.driver
    around = None
    if getattr(inner, "interactive", False):
        capman = request.config.pluginmanager.get_plugin("capturemanager")
        around = capman.global_and_fixture_disabled if capman is not None else None
    follow = getattr(inner, "follow", None)
    if callable(follow):
        follow(RunView(session))
    driver = GuardedDriver(inner, conformance_run.info.driver, around=around)
    yield driver
    conformance_run.journal.record_json("driver-history", "driver-history", driver.history, role=OBSERVED)


def service_port(dui: Any, socle: str, service: str, port: str) -> int:
    """The port a socle's fixture starts one of its services on: 0 (any free port) unless the DUI wants the
    service's fixed default ports (`fixed_ports`: a person configured the DUI once, from `conformance kit`)."""
    from conformance.socle import get_socle

    if not getattr(getattr(dui, "inner", dui), "fixed_ports", False):
        return 0
    found = next((s for s in get_socle(socle).services if s.name == service), None)
    return int(found.ports.get(port, 0)) if found is not None else 0


@pytest.fixture
def verify(request: pytest.FixtureRequest) -> Verifier:
    verifier = request.node.stash.get(VERIFIER_KEY, None)
    if verifier is None:
        pytest.skip("verify is only available in conformance scenarios")
    return verifier
