"""Generic FHIR R4 validation engine: safe parsing, base structure, packages, profiles, references.

Socles call `validate_bundle` and map the issues to their own requirement ids; nothing here knows
about a socle, a requirement catalog or pytest.
"""

from conformance.formats.fhir.bundle import BundleReport, validate_bundle, validator_for
from conformance.formats.fhir.issues import Issue, Severity
from conformance.formats.fhir.jsonload import DEFAULT_LIMITS, JsonLimits, load_json
from conformance.formats.fhir.package import (
    FhirPackage,
    PackageError,
    active_packages,
    load_package,
    set_active_packages,
)
from conformance.formats.fhir.references import BundleIndex, Entry, Resolution
from conformance.formats.fhir.validator import ProfileValidator

__all__ = [
    "DEFAULT_LIMITS",
    "BundleIndex",
    "BundleReport",
    "Entry",
    "FhirPackage",
    "Issue",
    "JsonLimits",
    "PackageError",
    "ProfileValidator",
    "Resolution",
    "Severity",
    "active_packages",
    "load_json",
    "load_package",
    "set_active_packages",
    "validate_bundle",
    "validator_for",
]
