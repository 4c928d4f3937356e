"""The fhir.resources model class of an R4 resource type (R4B models, R4-only types kept out).

Its own module so that the structure table (shape_table, which reads the models once per machine) and the
pydantic pass (base) share it without importing each other.
"""

from __future__ import annotations

from typing import Any

from conformance.formats.fhir.r4types import R4_RESOURCE_TYPES, R4B_ONLY_TYPES


def model_class(resource_type: str) -> Any | None:
    if resource_type not in R4_RESOURCE_TYPES or resource_type in R4B_ONLY_TYPES:
        return None
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError, ImportError):
        return None
