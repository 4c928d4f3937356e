"""Base FHIR R4 structure, through the typed models of `fhir.resources` (its R4B subpackage).

fhir.resources ships no R4 package any more; R4B is R4 plus a handful of new resources, with the
same content for the resources an ordonnance uses (MedicationRequest, Medication, Patient,
Practitioner, Organization, RequestGroup, Observation, Bundle). The models give us, without
shipping hl7.fhir.r4.core: unknown elements, wrong JSON types, primitive formats, 1..1 elements,
choice-type rules and the codes of required bindings (`enum_values`), which pydantic itself
does not enforce, so we walk them here.
"""

from __future__ import annotations

from typing import Any

from conformance.formats.fhir.issues import Issue, empty_value, error, info
from conformance.formats.fhir.locations import child, loc_from_tuple, resource_loc
from conformance.formats.fhir.r4types import R4_RESOURCE_TYPES, R4B_ONLY_TYPES
from conformance.formats.fhir.shape import check_shape
from conformance.formats.fhir.shape_table import TABLE, Ref, class_of


def unknown_types(resource: dict[str, Any], loc: str) -> list[Issue]:
    """Every nested `resourceType` that is not an R4 resource (pydantic would crash on them)."""
    out: list[Issue] = []
    stack: list[tuple[Any, str]] = [(resource, loc)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            rt = node.get("resourceType")
            if rt is not None and (not isinstance(rt, str) or rt not in R4_RESOURCE_TYPES):
                out.append(_unknown_type(rt, path))
                continue
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    rtv = v.get("resourceType") if isinstance(v, dict) else None
                    sub = child(path, k)
                    stack.append((v, resource_loc(sub, rtv) if isinstance(rtv, str) else sub))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    rtv = v.get("resourceType") if isinstance(v, dict) else None
                    sub = f"{path}[{i}]"
                    stack.append((v, resource_loc(sub, rtv) if isinstance(rtv, str) else sub))
    return out


def _unknown_type(rt: Any, path: str) -> Issue:
    if isinstance(rt, str) and rt in R4B_ONLY_TYPES:
        return error(
            "fhir-version",
            path,
            f"{rt} is an R4B/R5 resource type, not FHIR R4 (4.0.1)",
            f"{rt} est un type de ressource R4B/R5, pas FHIR R4 (4.0.1)",
        )
    return error(
        "unknown-type",
        path,
        f"unknown FHIR R4 resource type {rt!r}",
        f"type de ressource FHIR R4 inconnu {rt!r}",
    )


_FR = {
    "missing": "élément obligatoire absent",
    "extra_forbidden": "élément inconnu en FHIR R4",
    "list_type": "doit être un tableau JSON",
    "string_type": "doit être une chaîne",
    "dict_type": "doit être un objet JSON",
    "model_type": "doit être un objet JSON",
}


def check_structure(resource: dict[str, Any], loc: str, strict: bool = False) -> list[Issue]:
    """Base R4 validation of one resource (and what it contains) located at `loc`.

    The default is the fast shape walker over the models' metadata; `strict` validates through the
    pydantic models themselves (slower, used to cross-check the walker)."""
    rt = resource.get("resourceType")
    bad = unknown_types(resource, loc)
    if bad:
        return bad
    model = TABLE.resource(str(rt))
    if model is None:
        return [
            info(
                "structure",
                loc,
                f"{rt} is not structurally checked (no R4 model)",
                f"{rt} n'est pas vérifiée structurellement (pas de modèle R4)",
            )
        ]
    if not strict:
        return check_shape(resource, model, loc)
    from pydantic import ValidationError  # the models themselves: only for the strict pass

    klass = class_of(model)
    out: list[Issue] = []
    try:
        klass.model_validate(resource)
    except ValidationError as exc:
        for e in exc.errors():
            path = loc_from_tuple(resource, loc, tuple(e.get("loc", ())))
            kind = str(e.get("type", ""))
            msg = str(e.get("msg", "")).replace("Value error, ", "")
            fr = _FR.get(kind.split(".")[-1], "structure FHIR R4 invalide")
            out.append(error("structure", path, f"invalid FHIR R4 structure: {msg}", f"{fr} : {msg}"))
    except Exception as exc:  # the library must never turn a bad input into a traceback
        out.append(
            error(
                "structure",
                loc,
                f"the FHIR R4 model refused the resource: {type(exc).__name__}: {exc}",
                f"le modèle FHIR R4 refuse la ressource : {type(exc).__name__} : {exc}",
            )
        )
    out.extend(_walk_codes_and_empties(resource, model, loc))
    return out


def _walk_codes_and_empties(resource: dict[str, Any], model: Ref, loc: str) -> list[Issue]:
    """Required-binding codes of base R4 and the `ele-1` rule (no empty objects, arrays, strings), over the
    models' table (what pydantic does not check)."""
    out: list[Issue] = []
    stack: list[tuple[Any, Ref | None, str]] = [(resource, model, loc)]
    while stack:
        node, ref, path = stack.pop()
        fields = TABLE.shape(ref).table if ref is not None else {}
        for name, value in node.items():
            sub = child(path, name)
            if value in ({}, [], ""):
                out.append(empty_value(sub))
                continue
            f = fields.get(name)
            if f is None:
                continue
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                ipath = f"{sub}[{i}]" if isinstance(value, list) else sub
                if f.enum is not None and isinstance(item, str) and item not in f.enum:
                    out.append(
                        error(
                            "binding",
                            ipath,
                            f"code {item!r} is not in the required value set ({', '.join(f.enum)})",
                            f"le code {item!r} n'est pas dans le jeu de valeurs obligatoire ({', '.join(f.enum)})",
                        )
                    )
                if not isinstance(item, dict):
                    continue
                if f.dynamic:
                    rt = item.get("resourceType")
                    sub_k = TABLE.resource(rt) if isinstance(rt, str) else None
                    stack.append((item, sub_k, resource_loc(ipath, rt) if isinstance(rt, str) else ipath))
                else:
                    stack.append((item, f.klass, ipath))
    return out
