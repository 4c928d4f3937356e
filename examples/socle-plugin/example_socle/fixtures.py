"""The greeting suite's fixture: the service, started for the run, with the DUI pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from example_socle.service import GreetingService


@pytest.fixture(scope="session")
def greeter(conformance_run: Any, dui: Any) -> Iterator[GreetingService]:
    service = GreetingService(conformance_run.journal)
    service.start()
    try:
        dui.configure({"greeting": {"url": service.url}})
        yield service
    finally:
        service.stop()
