"""The DMP socle's public API: what other socles (cross-socle scenarios and checks) may use.

Anything not exported here is private to the socle and may change without notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.drivers.base import Outcome
from conformance.model import CheckContext
from conformance.socles.dmp.checks.xds_model import DE_SCHEMES, RegistryObject, XdsMetadata, read_metadata
from conformance.socles.dmp.fixtures import DmpHarness, Fed

__all__ = [
    "DE_SCHEMES",
    "DmpHarness",
    "Fed",
    "RegistryObject",
    "XdsMetadata",
    "captured_feed",
    "feed_context",
    "read_metadata",
    "traffic_during",
]


def traffic_during(dmp: DmpHarness, act: Callable[[], Outcome]) -> tuple[Outcome, list[Any]]:
    """The DUI's answer to `act` (one driver action) and the exchanges the mock DMP answered
    meanwhile, waiting for them when a remote DUI answers before its request is processed."""
    return dmp.during(act)


def feed_context(dmp: DmpHarness, patient: dict[str, Any]) -> CheckContext:
    """The context the DMP's checks judge a feed for `patient` with (the suite's own)."""
    return dmp.context(patient)


def captured_feed(dmp: DmpHarness, act: Callable[[], Outcome], patient: dict[str, Any]) -> Fed:
    """What the mock DMP answered while `act` ran (a verb of another socle that feeds the DMP, e.g. sharing
    an ordonnance), with the context the DMP suite judges a feed for `patient` with."""
    outcome, exchanges = traffic_during(dmp, act)
    return Fed(outcome, exchanges, feed_context(dmp, patient))
