"""Real runs the certificate tests share (each made once per session, then only read or copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.formats.pki import TestPKI
from conformance.socle import installed_socles
from tests.certificate.helpers import ACME_OPTIONS, Forge, run


@pytest.fixture(scope="session", autouse=True)
def _installation_key(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The per-installation key of these tests lives in their own folder, never the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
    yield
    mp.undo()


def _three_socles() -> None:
    if not {"mssante", "dmp", "eprescription"} <= set(installed_socles()):
        pytest.skip("needs the three socles installed")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI.load_or_create(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def forge(pki: TestPKI, tmp_path: Path) -> Forge:
    (tmp_path / "keys").mkdir()
    return Forge(pki, tmp_path / "keys")


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference DUI, run under a vendor's name: every socle passes, nothing counts (it is the demo)."""
    _three_socles()
    return run(tmp_path_factory.mktemp("demo") / "run", "demo", *ACME_OPTIONS)


@pytest.fixture(scope="session")
def acme_run(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Path:
    """A vendor's own DUI (it names itself ACME DUI 3.2.1), signed with the test PKI's cachet: it counts."""
    _three_socles()
    out = tmp_path_factory.mktemp("acme") / "run"
    signing = ("--sign-key", pki.signing_key, "--sign-cert", pki.signing_cert)
    return run(out, "python:tests.certificate.helpers:AcmeDui", *ACME_OPTIONS, *signing)


@pytest.fixture(scope="session")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vendor's DUI with one defect: MSS-MSG-06 fails, the MSSanté socle does not count."""
    _three_socles()
    out = tmp_path_factory.mktemp("broken") / "run"
    return run(out, "python:tests.certificate.helpers:AcmeDuiMissingNil", *ACME_OPTIONS)
