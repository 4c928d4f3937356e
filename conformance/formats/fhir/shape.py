"""Fast base-R4 shape check driven by the fhir.resources model metadata (no pydantic instance).

Validating through the pydantic models costs ~0.7 ms per resource, which alone would keep a
Bundle check under the 300 Bundles/s the harness aims for. The models still define the structure
(element names, list or single, required elements, choice groups, primitive kinds, required-binding
codes); this walker applies those definitions in one pass, with the FHIR R4 primitive regular
expressions (hl7.org/fhir/R4/datatypes.html). `base.check_structure(strict=True)` runs the pydantic
models instead, and the tests check that both agree on the corpus and on the hostile cases.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.formats.fhir.issues import Issue, empty_value, error
from conformance.formats.fhir.locations import child, resource_loc
from conformance.formats.fhir.shape_table import TABLE, Ref

_DATE = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_TZ = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_PATTERNS = {
    "Date": re.compile(_DATE),
    "DateTime": re.compile(
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|"
        r"3[0-1])(T" + _TIME + _TZ + ")?)?)?"
    ),
    "Instant": re.compile(
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T" + _TIME + _TZ
    ),
    "Time": re.compile(_TIME),
    "Id": re.compile(r"[A-Za-z0-9\-.]{1,64}"),
    "Code": re.compile(r"[^\s]+(\s[^\s]+)*"),
    "Oid": re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+"),
    "Uuid": re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "Uri": re.compile(r"\S*"),
    "Url": re.compile(r"\S*"),
    "Canonical": re.compile(r"\S*"),
    "Base64Binary": re.compile(r"(\s*([0-9a-zA-Z+=/]){4}\s*)+"),
}
_INTEGERS = {"Integer": None, "PositiveInt": 1, "UnsignedInt": 0, "Integer64": None}


def _primitive(kind: str | None, value: Any, path: str) -> Issue | None:
    def bad(what: str) -> Issue:
        return error(
            "structure",
            path,
            f"invalid FHIR R4 {kind or 'primitive'}: {what}",
            f"{kind or 'primitive'} FHIR R4 invalide : {what}",
        )

    if kind == "Boolean":
        return None if isinstance(value, bool) else bad(f"{value!r} is not a JSON boolean")
    if kind == "Decimal":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else bad(f"{value!r} is not a JSON number")
    if kind in _INTEGERS:
        if not isinstance(value, int) or isinstance(value, bool):
            return bad(f"{value!r} is not a JSON integer")
        low = _INTEGERS[kind]
        return bad(f"{value} is below {low}") if low is not None and value < low else None
    if not isinstance(value, str):
        return bad(f"{value!r} is not a JSON string")
    pattern = _PATTERNS.get(kind or "")
    if pattern is not None and not pattern.fullmatch(value):
        return bad(f"{value!r} does not match the {kind} format")
    return None


def check_shape(resource: dict[str, Any], model: Ref, loc: str) -> list[Issue]:
    """Unknown elements, JSON types, list/single, primitive formats, required elements, choice
    groups, required-binding codes and empty values (ele-1), iteratively, over the models' table
    (`shape_table`: read from fhir.resources once per machine)."""
    out: list[Issue] = []
    stack: list[tuple[dict[str, Any], Ref, str]] = [(resource, model, loc)]
    while stack:
        node, ref, path = stack.pop()
        shape = TABLE.shape(ref)
        table = shape.table
        groups: dict[str, list[str]] = {}
        for name, value in node.items():
            if name == "resourceType":
                continue
            sub = child(path, name)
            slot = table.get(name)
            if slot is None:
                if name.startswith("_") and name[1:] in table:
                    continue  # primitive extension/id: checked as an Element elsewhere
                out.append(
                    error(
                        "structure",
                        sub,
                        f"unknown element {name!r} in FHIR R4 {shape.name}",
                        f"élément {name!r} inconnu dans {shape.name} (FHIR R4)",
                    )
                )
                continue
            if value in ({}, [], ""):
                out.append(empty_value(sub))
                continue
            if slot.choice:
                groups.setdefault(slot.choice, []).append(name)
            if slot.is_list != isinstance(value, list):
                out.append(
                    error(
                        "structure",
                        sub,
                        f"{name} must be {'an array' if slot.is_list else 'a single value'}",
                        f"{name} doit être {'un tableau' if slot.is_list else 'une valeur unique'}",
                    )
                )
                continue
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                ipath = f"{sub}[{i}]" if slot.is_list else sub
                if slot.klass is None and not slot.dynamic:
                    problem = _primitive(slot.primitive, item, ipath)
                    if problem is not None:
                        out.append(problem)
                    elif slot.enum is not None and item not in slot.enum:
                        out.append(
                            error(
                                "binding",
                                ipath,
                                f"code {item!r} is not in the required value set ({', '.join(slot.enum)})",
                                f"le code {item!r} n'est pas dans le jeu de "
                                f"valeurs obligatoire ({', '.join(slot.enum)})",
                            )
                        )
                    continue
                if not isinstance(item, dict):
                    out.append(
                        error(
                            "structure",
                            ipath,
                            f"{name} must be a JSON object",
                            f"{name} doit être un objet JSON",
                        )
                    )
                    continue
                if slot.dynamic:
                    rt = item.get("resourceType")
                    sub_k = TABLE.resource(rt) if isinstance(rt, str) else None
                    if sub_k is None:
                        out.append(
                            error(
                                "unknown-type",
                                ipath,
                                f"unknown FHIR R4 resource type {rt!r}",
                                f"type de ressource FHIR R4 inconnu {rt!r}",
                            )
                        )
                    else:
                        stack.append((item, sub_k, resource_loc(ipath, rt)))
                elif slot.klass is not None:  # a complex element (a primitive went on above)
                    stack.append((item, slot.klass, ipath))
        for name in shape.required:
            if name not in node and f"_{name}" not in node:
                out.append(
                    error(
                        "structure",
                        child(path, name),
                        f"{name} is required in FHIR R4 {shape.name}",
                        f"{name} est obligatoire dans {shape.name} (FHIR R4)",
                    )
                )
        for group in shape.required_choices:
            if group not in groups:
                out.append(
                    error(
                        "structure",
                        child(path, f"{group}[x]"),
                        f"{group}[x] is required in FHIR R4 {shape.name}",
                        f"{group}[x] est obligatoire dans {shape.name} (FHIR R4)",
                    )
                )
        for group, names in groups.items():
            if len(names) > 1:
                out.append(
                    error(
                        "structure",
                        child(path, f"{group}[x]"),
                        f"{group}[x] has several types: {', '.join(names)}",
                        f"{group}[x] a plusieurs types : {', '.join(names)}",
                    )
                )
    return out
