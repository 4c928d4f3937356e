"""Membership of a code in an ANS value set, honest about sets the harness does not have.

A missing value set is a warning ("not verified"), never a silent pass: the shipped subsets in
profiles/valuesets/ do not cover every JDV, and `--terminology DIR` can point at the full set.
"""

from __future__ import annotations

from conformance.formats.terminology import ValueSet, default_terminology
from conformance.messages import Text
from conformance.model import Finding
from conformance.socles.mssante.messages import M


def find_value_set(names: tuple[str, ...]) -> ValueSet | None:
    term = default_terminology()
    for name in names:
        try:
            vs = term.get(name)
        except Exception:  # a malformed override file is as good as absent, and said so below
            vs = None
        if vs is not None:
            return vs
    return None


def in_value_set(rid: str, names: tuple[str, ...], what: str, code: str, system: str, location: str) -> Finding:
    vs = find_value_set(names)
    if vs is None:
        sets = Text(" or ".join(names), " ou ".join(names))
        return M.warn(rid, "valueset.unavailable", location, sets=sets, what=what, code=code, system=system)
    if vs.contains(code, system):
        return M.passed(
            rid, "valueset.member", location, what=what, code=code, system=system, name=vs.name, version=vs.version
        )
    if not system:
        return M.fail(
            rid, "valueset.not-member-no-scheme", location, what=what, code=code, name=vs.name, version=vs.version
        )
    return M.fail(
        rid, "valueset.not-member", location, what=what, code=code, system=system, name=vs.name, version=vs.version
    )
