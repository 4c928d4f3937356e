"""Generic FHIR R4 validation engine: safe parsing, base structure, packages, profiles, references.

Socles call `validate_bundle` and map the issues to their own requirement ids; nothing here knows
about a socle, a requirement catalog or pytest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# where each public name lives: imported on first use (PEP 562), so a process that only names a package path
# (the e-prescription socle's options, a controller, `conformance validate` on CDA files) does not import
# pydantic, the FHIR models and the FHIRPath engine
_HOME = {
    "BundleReport": "bundle",
    "validate_bundle": "bundle",
    "validator_for": "bundle",
    "Issue": "issues",
    "Severity": "issues",
    "DEFAULT_LIMITS": "jsonload",
    "JsonLimits": "jsonload",
    "load_json": "jsonload",
    "FhirPackage": "package",
    "PackageError": "package",
    "active_packages": "package",
    "load_package": "package",
    "set_active_packages": "package",
    "BundleIndex": "references",
    "Entry": "references",
    "Resolution": "references",
    "ProfileValidator": "validator",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
