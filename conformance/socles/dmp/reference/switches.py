"""What a seeded DMP defect can change in the reference DUI: the kinds of switch, not the defects.

Departures of the CDA (`CdaFlaws`), of the XDS lot and SOAP headers (`XdsFlaws`), of the VIHF (field
overrides of `VihfInput`, or an unsigned token), of the MTOM package, of the transport (`DmpTls`) and
of the DUI's own decisions (`Lapse`), gathered in one `DmpFlaws`. Which defect turns on which is
written once, in `defects.DEFECTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from conformance.socle import Defect
from conformance.socles.dmp.build.cda import CdaFlaws
from conformance.socles.dmp.build.xds import XdsFlaws
from conformance.socles.dmp.reference.client import DmpTls


class Lapse(Enum):
    """A decision the reference DUI gets wrong."""

    FEEDS_UNQUALIFIED = auto()  # feeds the DMP of a resident whose identity is not qualified
    REPORTS_FAILURE_AS_SUCCESS = auto()  # a Failure RegistryResponse is reported as fed
    SKIPS_TD02 = auto()  # feeds without checking first that the DMP exists and is active
    REPLACES_FROM_MEMORY = auto()  # targets the entryUUID it remembers, without asking the DMP


@dataclass(frozen=True)
class DmpFlaws:
    cda: CdaFlaws = CdaFlaws()
    xds: XdsFlaws = XdsFlaws()
    vihf: Mapping[str, Any] = field(default_factory=dict)  # VihfInput field overrides
    vihf_signed: bool = True
    # traits the DUI's own record holds instead of the INSi ones (its CDA and XDS metadata both say them)
    record: Mapping[str, Any] = field(default_factory=dict)
    mtom_start_info: bool = True
    tls: DmpTls = DmpTls()
    lapse: Lapse | None = None

    @classmethod
    def of(cls, defect: Defect | None) -> DmpFlaws:
        """The flaws the chosen row of `defects.DEFECTS` turns on (none without a row)."""
        if defect is None:
            return NONE
        if not isinstance(defect.switch, DmpFlaws):
            raise TypeError(f"defect {defect.name!r}: {defect.switch!r} is no DMP switch")
        return defect.switch


NONE = DmpFlaws()
