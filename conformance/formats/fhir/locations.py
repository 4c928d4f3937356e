"""FHIRPath locations of elements, the way findings name places in a resource.

`Bundle.entry[2].resource.ofType(MedicationRequest).dosageInstruction[0].timing` reads the same in
the HL7 validator's output, so a vendor can paste it into any FHIRPath tool.
"""

from __future__ import annotations

from typing import Any


def child(path: str, name: str, index: int | None = None) -> str:
    return f"{path}.{name}" if index is None else f"{path}.{name}[{index}]"


def resource_loc(path: str, resource_type: Any) -> str:
    return f"{path}.ofType({resource_type})"


def loc_from_tuple(root: Any, loc: str, parts: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into a FHIRPath, following the JSON to name resource types."""
    node: Any = root
    path = loc
    for part in parts:
        if isinstance(part, int):
            path = f"{path}[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            name = str(part)
            if name.endswith("__ext"):
                name = "_" + name[:-5]
            path = f"{path}.{name}"
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("resourceType"), str) and node is not root:
            path = resource_loc(path, node["resourceType"])
    return path
