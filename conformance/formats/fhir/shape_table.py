"""The structure the shape walker checks, read from the fhir.resources models once per machine and kept.

The models define base R4's structure (element names, list or single, required elements, choice groups,
primitive kinds, required-binding codes). Reading it meant importing the models: fhir.resources, fhir_core,
pydantic and the YAML loader under them, about 0.3 s in every process that checks a FHIR Bundle (the
e-prescription worker of a parallel run, `conformance validate` on a Bundle), for a table that only changes
with the library. The table of each model a check reaches (its elements, and the models of its complex
elements, transitively) is computed from the models the first time, then kept in the user cache
($CONFORMANCE_FHIR_SHAPES_CACHE, else $XDG_CACHE_HOME/dui-conformance/fhir-shapes) under the versions of
fhir.resources and fhir-core and this table's schema: another version is another file. A file that cannot be
read is computed again; one that cannot be written changes nothing but the next process's start.
`base.check_structure(strict=True)` still validates through the models themselves.
"""

from __future__ import annotations

import importlib
import json
import os
import threading
import typing
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from conformance.formats.fhir.r4types import r4_modelled
from conformance.paths import user_cache

SCHEMA = 1
Ref = str  # a model, as "module:QualifiedName" of its fhir.resources class


@dataclass(frozen=True)
class Slot:
    klass: Ref | None  # complex child model, None for a primitive
    dynamic: bool  # any Resource (contained, entry.resource)
    is_list: bool
    required: bool
    choice: str | None  # one-of-many group
    choice_required: bool
    primitive: str | None  # DateTime, Decimal, Boolean, String, ...
    enum: tuple[str, ...] | None


@dataclass(frozen=True)
class Shape:
    name: str  # the model's name, as findings say it (Bundle, BundleEntry...)
    table: dict[str, Slot]
    required: tuple[str, ...]
    required_choices: tuple[str, ...]


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "absent"


def cache_file() -> Path:
    key = f"{SCHEMA}-{_version('fhir.resources')}-{_version('fhir-core')}"
    return user_cache("fhir-shapes", "CONFORMANCE_FHIR_SHAPES_CACHE") / f"shapes-{key}.json"


def ref_of(klass: Any) -> Ref:
    return f"{klass.__module__}:{klass.__qualname__}"


def class_of(ref: Ref) -> Any:
    module, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _walk_args(annotation: Any) -> tuple[bool, str | None, Any | None]:
    """(is a list, primitive kind, model holder) from a field annotation."""
    is_list, prim, holder = False, None, None
    stack = [annotation]
    while stack:
        a = stack.pop()
        origin = typing.get_origin(a)
        if origin in (list, typing.List):  # noqa: UP006 - the models use typing.List
            is_list = True
        if origin is typing.Annotated:
            for m in a.__metadata__:
                prim = prim or type(m).__name__
        if hasattr(a, "get_model_klass"):
            holder = a
        if a is bool:
            prim = prim or "Boolean"
        stack.extend(typing.get_args(a))
    return is_list, prim, holder


def slots_from_model(klass: Any) -> dict[str, Slot]:
    """A model's elements, read from its pydantic fields and fhir.resources' field metadata."""
    table: dict[str, Slot] = {}
    for name, f in klass.model_fields.items():
        alias = f.alias or name
        if alias == "fhir_comments":
            continue
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        is_list, prim, holder = _walk_args(f.annotation)
        sub = holder.get_model_klass() if holder is not None else None
        dynamic = sub is not None and sub.__name__ == "Resource"
        enum = extra.get("enum_values")
        table[alias] = Slot(
            None if dynamic or sub is None else ref_of(sub),
            dynamic,
            is_list,
            bool(extra.get("element_required")) or f.is_required(),
            extra.get("one_of_many"),
            bool(extra.get("one_of_many_required")),
            None if sub is not None else prim,
            tuple(enum) if enum else None,
        )
    return table


def _shape(name: str, table: dict[str, Slot]) -> Shape:
    return Shape(
        name,
        table,
        tuple(n for n, s in table.items() if s.required and not s.choice),
        tuple(sorted({s.choice for s in table.values() if s.choice and s.choice_required})),
    )


def _encode(slot: Slot) -> list[Any]:
    return [slot.klass, slot.dynamic, slot.is_list, slot.required, slot.choice, slot.choice_required,
            slot.primitive, list(slot.enum) if slot.enum is not None else None]  # fmt: skip


def _decode(row: list[Any]) -> Slot:
    klass, dynamic, is_list, required, choice, choice_required, primitive, enum = row
    return Slot(klass, bool(dynamic), bool(is_list), bool(required), choice, bool(choice_required), primitive,
                tuple(enum) if enum is not None else None)  # fmt: skip


class ShapeTable:
    """The process's table: what the cache file holds, and what was computed since (then written back)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._loaded = False
        self._resources: dict[str, Ref | None] = {}
        self._rows: dict[Ref, dict[str, Any]] = {}
        self._shapes: dict[Ref, Shape] = {}
        self.computed = 0  # models read from fhir.resources by this process (for tests and benches)

    def resource(self, resource_type: str) -> Ref | None:
        """The model of an R4 resource type (None: not an R4 resource, or no model for it)."""
        if not r4_modelled(resource_type):  # decided here too: no string of a hostile input is kept
            return None
        with self._lock:
            self._load()
            if resource_type in self._resources:
                return self._resources[resource_type]
        from conformance.formats.fhir.models import model_class

        klass = model_class(resource_type)
        ref = ref_of(klass) if klass is not None else None
        with self._lock:
            self._resources[resource_type] = ref
        if ref is not None:
            self.shape(ref)  # its table and those of its elements, written with it
        else:
            self._save()
        return ref

    def shape(self, ref: Ref) -> Shape:
        with self._lock:
            self._load()
            shape = self._shapes.get(ref)
            if shape is not None:
                return shape
            row = self._rows.get(ref)
            if row is not None:
                shape = _shape(row["name"], {k: _decode(v) for k, v in row["slots"].items()})
                self._shapes[ref] = shape
                return shape
        self._compute(ref)
        return self.shape(ref)

    def _compute(self, root: Ref) -> None:
        """The tables of `root` and of every model it reaches that the table does not hold yet."""
        todo, rows = [root], {}
        while todo:
            ref = todo.pop()
            if ref in rows or ref in self._rows:
                continue
            klass = class_of(ref)
            table = slots_from_model(klass)
            rows[ref] = {"name": klass.__name__, "slots": {k: _encode(s) for k, s in table.items()}}
            todo.extend(s.klass for s in table.values() if s.klass is not None)
        with self._lock:
            self.computed += len(rows)
            self._rows.update(rows)
        self._save()

    def _load(self) -> None:
        """Read the cache file once (the caller holds the lock); anything unreadable is computed again."""
        if self._loaded:
            return
        self._loaded = True
        path = self.path or cache_file()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                return
            resources, rows = dict(data["resources"]), dict(data["shapes"])
            for row in rows.values():
                for slot in row["slots"].values():
                    _decode(slot)  # a malformed row refuses the whole file
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return
        self._resources.update({str(k): (str(v) if v is not None else None) for k, v in resources.items()})
        self._rows.update(rows)

    def _save(self) -> None:
        with self._lock:
            data = {"schema": SCHEMA, "resources": dict(self._resources), "shapes": dict(self._rows)}
        path = self.path or cache_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass


TABLE = ShapeTable()
