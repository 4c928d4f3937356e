"""The typed run request: built the same by `conformance run` and by `pytest --socle=...`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.engine import run as run_module
from conformance.engine.options import OptionError
from conformance.engine.request import RunRequest, Signing, Solution
from conformance.pytest_plugin import request_from_options
from conformance.socle import installed_socles


def _args(tmp_path: Path) -> list[str]:
    (tmp_path / "vs").mkdir(exist_ok=True)
    (tmp_path / "pack").mkdir(exist_ok=True)
    (tmp_path / "key.pem").write_text("k")
    return [
        "--socle",
        "mssante,dmp",
        "--dui",
        "http://127.0.0.1:9",
        "--out",
        str(tmp_path / "run"),
        "--solution-name",
        "DUI Essai",
        "--solution-version",
        "4.2",
        "--solution-vendor",
        "Éditeur",
        "--solution-domain",
        "EHPAD",
        "--terminology",
        str(tmp_path / "vs"),
        "--sign-key",
        str(tmp_path / "key.pem"),
        "--lang",
        "en",
        "--schematron-pack",
        str(tmp_path / "pack"),
    ]


def test_from_values_is_typed(tmp_path: Path) -> None:
    values = {"socle": ("dmp",), "dui": "demo:x", "solution_name": "S", "lang": ("en",), "sign_key": None}
    request = RunRequest.from_values(values, keyword="feed", verbosity=1)
    assert request.socles == ("dmp",) and request.dui == "demo:x" and request.keyword == "feed"
    assert request.solution == Solution(name="S") and request.signing == Signing()
    assert request.certificate_langs == ("fr", "en")
    assert dict(request.socle_options) == {"schematron_pack": None, "schematron": (), "fhir_package": ()}
    assert RunRequest.from_values({}).socles == tuple(installed_socles())
    hash(request)  # pytest registers it as a plugin object


def test_values_read_back_to_the_same_request(tmp_path: Path) -> None:
    request = RunRequest.from_values({"socle": ("mssante",), "out": tmp_path, "lang": ("en",), "policy": None})
    assert RunRequest.from_values(request.values()) == request


def test_a_missing_file_is_an_option_error(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="--sign-cert"):
        RunRequest.from_values({"sign_cert": tmp_path / "absent.pem"})


def test_conformance_run_and_pytest_build_the_same_request(
    tmp_path: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[RunRequest] = []
    monkeypatch.setattr(run_module, "execute", lambda request, console=None: seen.append(request) or 0)
    result = CliRunner().invoke(main, ["run", *_args(tmp_path), "-k", "feed"])
    assert result.exit_code == 0, result.output
    from_pytest = request_from_options(pytester.parseconfig(*_args(tmp_path), "-k", "feed"))
    assert from_pytest is not None
    assert replace(seen[0], progress=False) == from_pytest.with_out("unused")
    assert seen[0].progress  # conformance run shows one line per scenario
    assert seen[0].solution.vendor == "Éditeur" and seen[0].socles == ("mssante", "dmp")
    assert dict(seen[0].socle_options)["schematron_pack"] == tmp_path / "pack"
