"""Reference resolution inside a Bundle (FHIR R4 §2.36.4 "Resolving references in Bundles").

`#id` resolves to a contained resource of the resource that holds the reference; `urn:uuid:` and
absolute URLs to an entry `fullUrl`; `Type/id` against the referencing entry's base, or to the entry
of that type and id when entries have no fullUrl. What cannot resolve inside the Bundle is either
an error (`#id`, `urn:`: they can only point inside) or an external reference whose target the
harness cannot see (a warning: its profile cannot be checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.formats.fhir.locations import child, resource_loc

_REL = re.compile(
    r"^(?:(?P<base>.*)/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


@dataclass
class Entry:
    index: int
    loc: str  # Bundle.entry[i].resource.ofType(T)
    resource: dict[str, Any]
    full_url: str | None

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def id(self) -> str | None:
        rid = self.resource.get("id")
        return rid if isinstance(rid, str) else None


@dataclass
class Resolution:
    kind: str  # contained | entry | self | external | unresolved | misdirected | invalid
    target: dict[str, Any] | None = None
    target_loc: str = ""
    note: str = ""

    @property
    def resolved(self) -> bool:
        return self.target is not None


class BundleIndex:
    def __init__(self, bundle: dict[str, Any], root: str = "Bundle") -> None:
        self.entries: list[Entry] = []
        self.duplicates: list[tuple[str, str]] = []  # (location, fullUrl)
        self.by_url: dict[str, Entry] = {}
        self.by_type_id: dict[tuple[str, str], Entry] = {}
        raw = bundle.get("entry")
        for i, e in enumerate(raw if isinstance(raw, list) else []):
            if not isinstance(e, dict) or not isinstance(e.get("resource"), dict):
                continue
            res = e["resource"]
            fu = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
            entry = Entry(i, resource_loc(f"{root}.entry[{i}].resource", res.get("resourceType")), res, fu)
            self.entries.append(entry)
            if fu:
                if fu in self.by_url:
                    self.duplicates.append((f"{root}.entry[{i}].fullUrl", fu))
                else:
                    self.by_url[fu] = entry
            if entry.id and entry.type:
                self.by_type_id.setdefault((entry.type, entry.id), entry)

    def resolve(self, reference: str, holder: dict[str, Any], holder_loc: str, source: Entry | None) -> Resolution:
        """Resolve `reference` found in resource `holder` (located at `holder_loc`)."""
        if reference == "#":
            return Resolution("self", holder, holder_loc)
        if reference.startswith("#"):
            rid = reference[1:]
            for j, c in enumerate(holder.get("contained") or []):
                if isinstance(c, dict) and c.get("id") == rid:
                    return Resolution(
                        "contained", c, resource_loc(child(holder_loc, "contained", j), c.get("resourceType"))
                    )
            same = [e for e in self.entries if e.id == rid]
            if len(same) == 1:
                return Resolution(
                    "misdirected",
                    same[0].resource,
                    same[0].loc,
                    f"no contained resource has id {rid!r}, but Bundle entry {same[0].index} "
                    f"({same[0].type}/{rid}) does: a local '#' reference only reaches contained "
                    f"resources (FHIR ref-1)",
                )
            return Resolution("unresolved", note=f"no contained resource has id {rid!r}")
        if reference.startswith(("urn:uuid:", "urn:oid:")):
            hit = self.by_url.get(reference)
            if hit:
                return Resolution("entry", hit.resource, hit.loc)
            return Resolution("unresolved", note="no entry has this fullUrl")
        hit = self.by_url.get(reference)
        if hit:
            return Resolution("entry", hit.resource, hit.loc)
        m = _REL.match(reference)
        if not m:
            return Resolution("invalid", note="not a literal reference (Type/id, absolute URL, urn:uuid: or #id)")
        rtype, rid, base = m.group("type"), m.group("id"), m.group("base")
        if base is None and source is not None and source.full_url and "/" in source.full_url:
            parts = source.full_url.rsplit("/", 2)
            if len(parts) == 3 and parts[0].startswith(("http://", "https://")):
                hit = self.by_url.get(f"{parts[0]}/{rtype}/{rid}")
                if hit:
                    return Resolution("entry", hit.resource, hit.loc)
        by_id = self.by_type_id.get((rtype, rid))
        if by_id is not None and (base is None or not by_id.full_url):
            return Resolution("entry", by_id.resource, by_id.loc)
        return Resolution("external", note=f"{rtype}/{rid} is not in the Bundle")


def iter_references(resource: dict[str, Any], loc: str) -> Iterator[tuple[str, dict[str, Any], dict[str, Any], str]]:
    """(location of the Reference, the Reference, the resource holding `contained`, its location).

    A reference inside a contained resource resolves against the container, as FHIR says.
    """
    stack: list[tuple[Any, str]] = [(resource, loc)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("reference"), str) and "resourceType" not in node:
                yield path, node, resource, loc
            for k, v in node.items():
                if isinstance(v, dict):
                    rt = v.get("resourceType")
                    stack.append((v, resource_loc(child(path, k), rt) if isinstance(rt, str) else child(path, k)))
                elif isinstance(v, list):
                    for i, item in enumerate(v):
                        if isinstance(item, dict):
                            rt = item.get("resourceType")
                            sub = child(path, k, i)
                            stack.append((item, resource_loc(sub, rt) if isinstance(rt, str) else sub))
