"""Real runs the certificate tests share (each made once per test session, for every xdist worker, then only
read or copied), signed or trusted with the session's test PKI, under the session's installation key."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.formats.pki import TestPKI
from conformance.socle import installed_socles
from tests.certificate.helpers import ACME_OPTIONS, Forge, run
from tests.helpers import shared_folder


def _three_socles() -> None:
    if not {"mssante", "dmp", "eprescription"} <= set(installed_socles()):
        pytest.skip("needs the three socles installed")


@pytest.fixture(scope="session")
def pki(session_pki: TestPKI) -> TestPKI:
    """The session's test PKI (tests/conftest.py): the one the shared runs below are signed with."""
    return session_pki


@pytest.fixture
def forge(pki: TestPKI, tmp_path: Path) -> Forge:
    (tmp_path / "keys").mkdir()
    return Forge(pki, tmp_path / "keys")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference DUI, run under a vendor's name: every socle passes, nothing counts (it is the demo)."""
    _three_socles()
    return shared_folder(tmp_path_factory, "certificate-demo", lambda out: run(out, "demo", *ACME_OPTIONS))


@pytest.fixture(scope="session")
def acme_run(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Path:
    """A vendor's own DUI (it names itself ACME DUI 3.2.1), signed with the test PKI's cachet: it counts."""
    _three_socles()
    signing = ("--sign-key", pki.signing_key, "--sign-cert", pki.signing_cert)
    return shared_folder(
        tmp_path_factory,
        "certificate-acme",
        lambda out: run(out, "python:tests.certificate.helpers:AcmeDui", *ACME_OPTIONS, *signing),
    )


@pytest.fixture(scope="session")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vendor's DUI with one defect: MSS-MSG-06 fails, the MSSanté socle does not count."""
    _three_socles()
    dui = "python:tests.certificate.helpers:AcmeDuiMissingNil"
    return shared_folder(tmp_path_factory, "certificate-broken", lambda out: run(out, dui, *ACME_OPTIONS))
