"""StructureDefinition snapshots compiled into a tree the validator can walk.

Element ids (`MedicationRequest.extension:treatmentIntent.value[x]`) give the tree: the parent of
an element is its id without the last segment, and a segment `name:slice` is a slice of `name`.
Compiling once per profile keeps validation of each Bundle a dictionary walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TypeRef:
    code: str
    profiles: tuple[str, ...] = ()
    target_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constraint:
    key: str
    severity: str
    human: str
    expression: str


@dataclass
class Slicing:
    discriminators: list[tuple[str, str]]  # (type, path)
    rules: str  # open | closed | openAtEnd


@dataclass
class ElementDef:
    id: str
    path: str
    name: str  # last path segment, e.g. "value[x]"
    min: int
    max: int | None  # None = unbounded
    types: list[TypeRef]
    slice_name: str | None = None
    slicing: Slicing | None = None
    fixed: Any = None
    pattern: Any = None
    binding_strength: str | None = None
    binding_vs: str | None = None
    constraints: list[Constraint] = field(default_factory=list)
    children: list[ElementDef] = field(default_factory=list)
    slices: list[ElementDef] = field(default_factory=list)

    @property
    def is_choice(self) -> bool:
        return self.name.endswith("[x]")

    @property
    def stem(self) -> str:
        return self.name[:-3] if self.is_choice else self.name

    def child(self, name: str) -> ElementDef | None:
        for c in self.children:
            if c.name == name or (c.is_choice and name.startswith(c.stem)):
                return c
        return None


@dataclass
class StructureDef:
    url: str
    version: str
    name: str
    type: str
    kind: str
    base: str
    root: ElementDef

    @property
    def label(self) -> str:
        """canonical|version, as findings cite profiles."""
        return f"{self.url}|{self.version}" if self.version else self.url


def _split(eid: str) -> list[str]:
    return eid.split(".")


def _fixed_or_pattern(raw: dict[str, Any], prefix: str) -> Any:
    for k, v in raw.items():
        if k.startswith(prefix) and k != prefix:
            return v
    return None


def _element(raw: dict[str, Any]) -> ElementDef:
    eid = str(raw.get("id") or raw.get("path"))
    last = _split(eid)[-1]
    name = last.split(":", 1)[0]
    mx = str(raw.get("max", "*"))
    types = [
        TypeRef(str(t.get("code", "")), tuple(t.get("profile", []) or ()), tuple(t.get("targetProfile", []) or ()))
        for t in raw.get("type", []) or []
    ]
    slicing = None
    if isinstance(raw.get("slicing"), dict):
        s = raw["slicing"]
        slicing = Slicing(
            [(str(d.get("type")), str(d.get("path"))) for d in s.get("discriminator", []) or []],
            str(s.get("rules", "open")),
        )
    binding = raw.get("binding") or {}
    return ElementDef(
        id=eid,
        path=str(raw.get("path", eid)),
        name=name,
        min=int(raw.get("min", 0) or 0),
        max=None if mx == "*" else int(mx),
        types=types,
        slice_name=raw.get("sliceName"),
        slicing=slicing,
        fixed=_fixed_or_pattern(raw, "fixed"),
        pattern=_fixed_or_pattern(raw, "pattern"),
        binding_strength=binding.get("strength"),
        binding_vs=binding.get("valueSet"),
        constraints=[
            Constraint(
                str(c.get("key")),
                str(c.get("severity", "error")),
                str(c.get("human", "")),
                str(c.get("expression", "")),
            )
            for c in raw.get("constraint", []) or []
        ],
    )


def compile_structure(sd: dict[str, Any]) -> StructureDef | None:
    """Tree of the snapshot, or None when the StructureDefinition has no snapshot."""
    raw_elements = (sd.get("snapshot") or {}).get("element") or []
    if not raw_elements:
        return None
    by_id: dict[str, ElementDef] = {}
    root: ElementDef | None = None
    for raw in raw_elements:
        el = _element(raw)
        by_id[el.id] = el
        segs = _split(el.id)
        if len(segs) == 1 and ":" not in segs[0]:
            root = el if root is None else root
            continue
        last = segs[-1]
        if ":" in last:  # a slice: attach to the sliced element
            owner = by_id.get(".".join(segs[:-1] + [last.split(":", 1)[0]]))
            if owner is not None:
                owner.slices.append(el)
            continue
        parent = by_id.get(".".join(segs[:-1]))
        if parent is not None:
            parent.children.append(el)
    if root is None:
        return None
    return StructureDef(
        url=str(sd.get("url", "")),
        version=str(sd.get("version", "")),
        name=str(sd.get("name", "")),
        type=str(sd.get("type", "")),
        kind=str(sd.get("kind", "")),
        base=str(sd.get("baseDefinition", "")),
        root=root,
    )
