"""Shared fixtures of the harness's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported before any in-process pytester run: pytester restores sys.modules after each inner run,
# and a re-imported `cryptography` Python layer no longer matches its Rust classes.
import conformance.certificate.issue  # noqa: F401
import conformance.certificate.verify  # noqa: F401

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return CORPUS
