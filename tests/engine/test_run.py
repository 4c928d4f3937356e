"""`conformance run`'s engine: a request executed through pytest with a short fixed argv."""

from __future__ import annotations

import json
from importlib.metadata import distributions
from pathlib import Path

import pytest

from conformance.engine.preflight import PreflightError
from conformance.engine.request import RunRequest, Solution
from conformance.engine.run import RUN_INI, argv_for, execute, prepared
from conformance.socle import Socle
from tests.engine.helpers import OK, TOO_LONG


def test_argv_is_short_and_fixed(toy: Socle, tmp_path: Path) -> None:
    request = RunRequest(("toy",), dui=OK, out=tmp_path / "run", keyword="upper")
    argv = argv_for(request)
    assert argv == [
        str(toy.suite),
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(tmp_path),
        "-c",
        str(RUN_INI),
        "--assert=plain",  # scenarios judge through findings: no assertion rewriting of the harness
        "-p",
        "no:unraisableexception",  # its warnings never reach a run's reader; its garbage collections cost
        "-p",
        "no:unittest",  # no suite is a unittest.TestCase
        "-p",
        "no:debugging",  # no run offers pdb
        "--disable-plugin-autoload",  # the harness's plug-in only: installed ones would change or slow a run
        "-p",
        "conformance.pytest_plugin",
        "-k",
        "upper",
        "-p",
        "no:terminal",  # quiet: the harness's console writes every line
    ]
    assert "--dui" not in argv and "--socle" not in argv  # the request travels as a plugin object
    assert argv_for(RunRequest(("toy",), out=tmp_path / "run", verbosity=1))[-2:] == ["-v", "--tb=short"]
    parallel = argv_for(RunRequest(("toy",), out=tmp_path / "run", jobs=2))
    assert parallel[parallel.index("-n") - 2 :][:4] == ["-p", "xdist.plugin", "-n", "2"]
    with_temp = argv_for(request, tmp_path / "scratch")
    assert with_temp[with_temp.index("--basetemp") + 1] == str(tmp_path / "scratch")


LOADED = """
import os


def pytest_configure(config):
    with open(os.environ["TOY_PLUGINS_FILE"], "w") as f:
        f.write("\\n".join(name for name, _ in config.pluginmanager.list_name_plugin()))
"""


def test_a_run_loads_no_installed_plugin_but_its_own(
    toy: Socle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test environment has pytest-html, hypothesis and anyio installed as pytest plug-ins (as a vendor's
    may have pytest-randomly, which would reorder the scenarios): none is loaded by a run's session."""
    installed = {ep.name for d in distributions() for ep in d.entry_points if ep.group == "pytest11"}
    assert {"html", "conformance"} <= installed  # what this test is about is there to be refused
    (toy.suite / "conftest.py").write_text(LOADED)
    monkeypatch.setenv("TOY_PLUGINS_FILE", str(tmp_path / "plugins.txt"))
    assert execute(RunRequest(("toy",), dui=OK, out=tmp_path / "run")) == 0
    loaded = set((tmp_path / "plugins.txt").read_text().split("\n"))
    assert "conformance.pytest_plugin" in loaded
    assert not loaded & (installed - {"conformance"}), loaded & installed


def test_prepared_fixes_an_absolute_run_folder() -> None:
    out = prepared(RunRequest(("toy",))).out
    assert out is not None and out.is_absolute() and out.parent.name == "reports"


def test_execute_runs_the_request(toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Exit 0 on a pass, 1 on a failed EXIGENCE; the suite's scenario asks the DUI the preflight loaded."""
    ok = RunRequest(("toy",), dui=OK, out=tmp_path / "ok", solution=Solution(name="Essai"))
    assert execute(ok) == 0
    results = json.loads((tmp_path / "ok" / "results.json").read_text())
    assert results["solution"]["name"] == "Essai" and results["driver"] == OK
    assert (tmp_path / "ok" / "junit.xml").is_file() and (tmp_path / "ok" / "certificate.html").is_file()
    assert execute(RunRequest(("toy",), dui=TOO_LONG, out=tmp_path / "ko")) == 1


def test_execute_says_2_on_a_usage_error(full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path) -> None:
    request = RunRequest(("toy",), dui=OK, out=tmp_path / "run", socle_options=(("toy_level", "bad"),))
    assert execute(request) == 2


@pytest.mark.parametrize(
    ("dui", "key"),
    [
        ("bogus", "dui-unknown"),
        ("python:nope:X", "dui-python-import"),
        ("python:tests.engine.helpers:NOTHING", "dui-python-attribute"),
        ("python:tests.engine.helpers:Socle", "dui-python-crashed"),
        ("python:tests.engine.helpers:TOY_DEFECTS", "dui-python-crashed"),
        ("demo:nope", "dui-demo-defect"),
        ("demo:nope+", "dui-demo-defect"),
        ("http://127.0.0.1:1", "dui-http-unreachable"),
    ],
)
def test_a_driver_that_cannot_be_loaded_stops_the_run_before_its_folder(
    toy: Socle, tmp_path: Path, dui: str, key: str
) -> None:
    out = tmp_path / "run"
    with pytest.raises(PreflightError) as caught:
        execute(RunRequest(("toy",), dui=dui, out=out))
    assert caught.value.key == key
    assert not out.exists()
