"""Shared fixtures of the harness's own tests."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Imported before any in-process pytester run: pytester restores sys.modules after each inner run,
# and a re-imported `cryptography` Python layer no longer matches its Rust classes.
import conformance.certificate.issue  # noqa: F401
import conformance.certificate.verify  # noqa: F401
from conformance.certificate.sign import installation_signer
from tests.helpers import Run, shared_root, shared_run

if TYPE_CHECKING:
    from conformance.formats.pki import TestPKI

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
# the solution the shared demo run declares (what the certificate tests read back)
DEMO_SOLUTION = {"name": "DUI Essai", "version": "4.2.1", "vendor": "Éditeur Essai"}


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture(scope="session", autouse=True)
def session_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestPKI]:
    """One test PKI for the whole test session (every xdist worker), made once and used by every run the
    tests start, in process or not ($CONFORMANCE_PKI_DIR): the tests never touch the user's own cache."""
    from conformance.formats.pki import TestPKI

    root = shared_root(tmp_path_factory)
    pki = TestPKI.load_or_create(root / "pki")  # concurrent creation is safe
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFORMANCE_PKI_DIR", str(pki.directory))
        # the installation's auto-attestation key of every run the tests start: theirs, never the user's,
        # made once under a lock (two workers creating it at once would each write half of it)
        patch.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
        with (root / "xdg-config.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            installation_signer()
        yield pki


def demo_options(pki: TestPKI) -> tuple[str, ...]:
    """The demo runs' options: the solution above, an English copy, signed with the test PKI's cachet (so a
    verifier trusting the test root answers `valid`)."""
    return (
        "--solution-name",
        DEMO_SOLUTION["name"],
        "--solution-version",
        DEMO_SOLUTION["version"],
        "--solution-vendor",
        DEMO_SOLUTION["vendor"],
        "--lang",
        "en",
        "--sign-key",
        str(pki.signing_key),
        "--sign-cert",
        str(pki.signing_cert),
    )


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, session_pki: TestPKI) -> Run:
    """One serial run of every installed socle with the reference DUI, made once for the whole test
    session (all xdist workers) and shared by the tests that only read its folder: never write into it."""
    return shared_run(tmp_path_factory, "demo-all", "--dui", "demo", *demo_options(session_pki))
