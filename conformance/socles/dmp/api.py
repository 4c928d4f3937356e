"""The DMP socle's public API: what other socles (cross-socle scenarios and checks) may use.

Anything not exported here is private to the socle and may change without notice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.drivers.base import Outcome
from conformance.socles.dmp.checks.xds_model import DE_SCHEMES, RegistryObject, XdsMetadata, read_metadata
from conformance.socles.dmp.fixtures import Fed


def captured_feed(dmp: Any, act: Callable[[], Outcome], patient: dict[str, Any]) -> Fed:
    """What the mock DMP answered while `act` ran (a verb of another socle that feeds the DMP, e.g. sharing
    an ordonnance), in the context the DMP suite judges a feed for `patient` with.

    `dmp` is the DMP suite's `dmp` fixture; the step carries the whole answer of `act`.
    """
    log = dmp.service.log
    mark = log.mark()
    outcome = act()
    exchanges = log.since(mark)
    if outcome.ok and not exchanges:  # a remote DUI may answer before its request is processed
        exchanges = log.wait(mark, float(getattr(dmp.dui, "traffic_timeout", 10.0)))
    return Fed(outcome, exchanges, dmp.context(patient))


__all__ = ["DE_SCHEMES", "Fed", "RegistryObject", "XdsMetadata", "captured_feed", "read_metadata"]
