"""The fhir.resources model class of an R4 resource type (R4B models, R4-only types kept out).

Its own module so that the structure table (shape_table, which reads the models once per machine) and the
pydantic pass (base) share it without importing each other.
"""

from __future__ import annotations

from typing import Any

from conformance.formats.fhir.r4types import r4_modelled


def model_class(resource_type: str) -> Any | None:
    if not r4_modelled(resource_type):
        return None
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (ValueError, KeyError, ImportError):
        return None
