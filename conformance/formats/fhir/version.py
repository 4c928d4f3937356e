"""Recognising content of the wrong FHIR version (R5, STU3) sent where R4 4.0.1 is expected.

Only asked when a resource fails the R4 models: if the very same JSON is valid for the R5 or STU3
models of fhir.resources, the likely cause is the version, and the finding says so instead of
listing a dozen unknown elements.
"""

from __future__ import annotations

from typing import Any

from conformance.formats.fhir.issues import Issue, error


def _valid_in(module: str, resource: dict[str, Any]) -> bool:
    from pydantic import ValidationError  # the R5 and STU3 models: only for a resource the R4 ones refused

    try:
        if module == "R5":
            from fhir.resources import get_fhir_model_class
        else:
            from fhir.resources.STU3 import get_fhir_model_class
        klass = get_fhir_model_class(str(resource.get("resourceType")))
        klass.model_validate(resource)
    except (ValidationError, ValueError, KeyError, TypeError, AttributeError, ImportError):
        return False
    except Exception:  # a model library failing on odd input means "not valid there", nothing more
        return False
    return True


def version_issues(resource: dict[str, Any], loc: str, r4_issues: list[Issue]) -> list[Issue]:
    if not any(i.is_error and i.code == "structure" for i in r4_issues):
        return []
    for label, module in (("R5 (5.0.0)", "R5"), ("STU3 (3.0.2)", "STU3")):
        if _valid_in(module, resource):
            return [
                error(
                    "fhir-version",
                    loc,
                    f"this {resource.get('resourceType')} is not valid FHIR R4 (4.0.1) but is valid "
                    f"FHIR {label}: wrong FHIR version",
                    f"cette ressource {resource.get('resourceType')} n'est pas du FHIR R4 "
                    f"(4.0.1) valide mais est du FHIR {label} valide : mauvaise version de FHIR",
                )
            ]
    return []
