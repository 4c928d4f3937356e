"""The usager's identity as a CDA header gives it: its INS, and whether that INS is qualified.

X-MSS-INS says "O" exactly when the documents carry a qualified INS: the matricule under an INS OID
with a valid NIR key, and the four traits (birth name, first given name, birth date, sex). The
builders (which write the header) and the checks (which judge it) must agree, hence one definition.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.ins import INS_OIDS, nir_problem


def first_ins(ids: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(OID, matricule) of the first (root, extension) identifier under an INS OID."""
    return next(((root, ext) for root, ext in ids if root in INS_OIDS), None)


def is_qualified(ins: tuple[str, str] | None, *traits: str | None) -> bool:
    """An INS with a valid key, and every trait present."""
    return ins is not None and nir_problem(ins[1]) is None and all(traits)
