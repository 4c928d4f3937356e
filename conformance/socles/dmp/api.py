"""The DMP socle's public API: what other socles (cross-socle scenarios and checks) may use.

Anything not exported here is private to the socle and may change without notice.
"""

from __future__ import annotations

from conformance.socles.dmp.checks.xds_model import DE_SCHEMES, RegistryObject, XdsMetadata, read_metadata
from conformance.socles.dmp.fixtures import Fed

__all__ = ["DE_SCHEMES", "Fed", "RegistryObject", "XdsMetadata", "read_metadata"]
