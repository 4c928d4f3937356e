"""Options declared once: no name twice, both front doors offer them, one way to read and check values."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.engine.options import (
    CORE_OPTIONS,
    OptionError,
    all_options,
    check_paths,
    normalise,
    options_for,
    socle_names,
    values_from_pytest,
)
from conformance.registry import RegistryError
from conformance.socle import Option, Socle, installed_socles
from tests.engine.helpers import OK, install_toy


def test_no_option_name_is_declared_twice() -> None:
    options = all_options()
    names = [o.name for o in options]
    dests = [o.dest for o in options]
    assert len(names) == len(set(names)) and len(dests) == len(set(dests))
    core = {o.name for o in CORE_OPTIONS}
    for socle in installed_socles().values():
        assert not core & {o.name for o in socle.options}, socle.name
    assert {"schematron-pack", "schematron", "fhir-package"} <= set(names)  # the socles' own, declared by them


def test_a_socle_redeclaring_an_option_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_toy(tmp_path, monkeypatch, options=(Option("dui", "the toy's own DUI"),))
    with pytest.raises(RegistryError, match="--dui is declared by the core and by socle toy"):
        all_options()


def test_run_help_and_pytest_help_offer_every_run_option(pytester: pytest.Pytester) -> None:
    run_help = CliRunner().invoke(main, ["run", "--help"], terminal_width=200).output
    pytest_help = pytester.runpytest_inprocess("--help").stdout.str()
    for option in options_for("run"):
        assert option.flag in run_help, option.name
        assert option.flag in pytest_help, option.name
    for option in all_options():  # pytest offers every option, whichever commands also do
        assert option.flag in pytest_help, option.name


def test_each_command_offers_the_options_that_name_it() -> None:
    for command in ("run", "validate", "report", "defects", "requirements", "serve"):
        cmd = main.commands[command]
        offered = {flag for param in cmd.get_params(click.Context(cmd)) for flag in param.opts}
        for option in all_options():
            own = (command, option.flag) in {("serve", "--out")}  # serve's --out is its own folder option
            assert (option.flag in offered) == (command in option.commands or own), (command, option.name)


def test_normalise_gives_paths_tuples_and_defaults() -> None:
    values = normalise(all_options(), {"terminology": "vs", "lang": ["en"], "socle": None, "dui": ""})
    assert values["terminology"] == Path("vs") and values["lang"] == ("en",) and values["socle"] == ()
    assert values["dui"] == "demo" and values["out"] is None and values["conformance_progress"] is False


def test_check_paths_names_the_option(tmp_path: Path) -> None:
    options = all_options()
    with pytest.raises(OptionError, match=r"--terminology .*absent: no such directory"):
        check_paths(options, {"terminology": tmp_path / "absent"})
    with pytest.raises(OptionError, match=r"--policy .*: no such file"):
        check_paths(options, {"policy": tmp_path})
    check_paths(options, {"terminology": tmp_path, "out": tmp_path / "not-yet"})  # "path": created later


def test_socle_names() -> None:
    installed = list(installed_socles())
    assert socle_names([]) == installed and socle_names(["all"]) == installed
    assert socle_names(["mssante,dmp", "mssante"]) == ["mssante", "dmp"]
    assert socle_names([], among=["dmp"]) == ["dmp"]
    with pytest.raises(OptionError, match="unknown socle 'nope'"):
        socle_names(["nope"])


def test_pytest_reads_the_environment_default(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_SCHEMATRON_PACK", "/somewhere/pack")
    config = pytester.parseconfig()
    assert values_from_pytest(config)["schematron_pack"] == Path("/somewhere/pack")


def test_a_socle_option_reaches_its_hook_and_its_error_is_a_usage_error(
    full_toy: Socle, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    import toy_socle.options

    args = ["--socle", "toy", "--dui", OK, "--out", str(tmp_path / "run"), "-p", "no:cacheprovider"]
    pytester.runpytest_inprocess(*args, "--toy-level", "strict").assert_outcomes(passed=2)
    assert toy_socle.options.SEEN[0] == {"toy_level": "strict"}
    bad = pytester.runpytest_inprocess(*args, "--toy-level", "bad")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--toy-level: bad is not a level*"])
