"""Membership of a code in an ANS value set, honest about sets the harness does not have.

A missing value set is a warning ("not verified"), never a silent pass: the shipped subsets in
profiles/valuesets/ do not cover every JDV, and `--terminology DIR` can point at the full set.
"""

from __future__ import annotations

from conformance.formats.terminology import ValueSet, default_terminology
from conformance.model import Finding, failed, passed, warned


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
        return warned(
            rid,
            f"value set not available ({' or '.join(names)}): {what} {code} ({system}) not verified",
            f"jeu de valeurs indisponible ({' ou '.join(names)}) : {what} {code} ({system}) non vérifié",
            location,
        )
    if vs.contains(code, system):
        return passed(
            rid,
            f"{what} {code} ({system}) belongs to {vs.name} ({vs.version})",
            f"{what} {code} ({system}) appartient à {vs.name} ({vs.version})",
            location,
        )
    return failed(
        rid,
        f"{what} {code!r} ({system or 'no codingScheme'}) is not in {vs.name} ({vs.version})",
        f"{what} {code!r} ({system or 'sans codingScheme'}) n'appartient pas à {vs.name} ({vs.version})",
        location,
    )
