"""The requirement marks of a socle's scenarios, read by collecting its suite with pytest (no run).

`conformance requirements --coverage` compares them with the catalog. pytest's own collection output
goes to stderr: stdout belongs to the command (and is pure JSON with --json).
"""

from __future__ import annotations

import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from conformance.engine.run import LEAN, RUN_INI
from conformance.socle import get_socle


class CollectionError(RuntimeError):
    """The suite could not be collected (an environment problem: exit 2)."""


def requirement_marks(socle_name: str) -> dict[str, list[str]]:
    """`<socle>::<module>::<scenario>` -> the requirement ids it declares."""
    marks: dict[str, list[str]] = {}

    class Marks:
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                ids = [rid for m in item.iter_markers("requirements") for rid in m.args]
                marks[f"{socle_name}::{Path(str(item.path)).stem}::{item.name}"] = ids

    suite = get_socle(socle_name).suite
    args = [str(suite), "--collect-only", "-qq", "-p", "no:cacheprovider", "-c", str(RUN_INI), "--rootdir", str(suite)]
    args += LEAN  # as a run collects (engine.run.argv_for)
    with redirect_stdout(sys.stderr):
        code = pytest.main(args, plugins=[Marks()])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise CollectionError(f"could not collect the {socle_name} suite (pytest exit {int(code)})")
    return marks
