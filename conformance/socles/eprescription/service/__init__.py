"""The e-prescription stand-in service: FHIR R4 REST over mutual TLS (see docs/eprescription-contract.md).

It is NOT the CNAM téléservice (whose contract is not public): it is the harness's documented stand-in,
so that a DUI's registration, cancellation and error handling can be observed on the wire.
"""

from conformance.socles.eprescription.service.app import MAX_BODY, Exchange, ServiceApp
from conformance.socles.eprescription.service.server import PrescriptionService
from conformance.socles.eprescription.service.store import (
    NUMBER_SYSTEM,
    PrescriptionStore,
    make_number,
    number_is_valid,
)

__all__ = [
    "MAX_BODY",
    "NUMBER_SYSTEM",
    "Exchange",
    "PrescriptionService",
    "PrescriptionStore",
    "ServiceApp",
    "make_number",
    "number_is_valid",
]
