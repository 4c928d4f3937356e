"""The options of a run or a validation, declared once, and their two adapters.

Every option is a `conformance.socle.Option`: the core's are `CORE_OPTIONS` below, each socle's are on
its `Socle` object. Two adapters read the one list, so a name, a help text or a default cannot
drift between the front doors:
- `add_to_pytest(parser)`: every option, for `pytest --socle=...` (the pytest plugin);
- `click_option(option)`: its click form, for the `conformance` commands its `Option.commands` name
  (`cli.common.SharedOptions` asks for them when the command runs, so a socle installed later counts).

Both give the values back keyed by `Option.dest` (`values_from_pytest`, click's keyword arguments);
`normalise` makes them the same Python values, and `check_paths` refuses a missing file or folder
with one message whichever door it came through. Problems a user can fix are `OptionError`s, which
each front door turns into its usage error (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import conformance.socle as socle_api
from conformance.registry import RegistryError
from conformance.socle import Option, Socle

if TYPE_CHECKING:
    import click
    import pytest

PATH_KINDS = ("path", "dir", "file")  # "file"/"dir": must exist; "path": the consumer checks (or creates) it


class OptionError(ValueError):
    """A value the user gave cannot be used: each front door turns it into its usage error (exit 2).

    Socles raise it from their `configure` hook too, with a message that names the option.
    """


CORE_OPTIONS: tuple[Option, ...] = (
    Option(
        "socle",
        "socle to work on (repeatable or comma-separated; 'all': every installed socle, the default of the "
        "conformance commands; without it pytest leaves the harness dormant)",
        multiple=True,
        commands=("run", "validate", "defects", "requirements", "serve", "kit"),
        metavar="NAME",
    ),
    Option(
        "dui",
        "DUI under test: demo, demo:<defect>, python:mod:Class, http://host:port, manual (web console on "
        "127.0.0.1:10080; manual:PORT another port, manual:terminal no web console)",
        default="demo",
        metavar="SPEC",
    ),
    Option(
        "out",
        "run folder (default: reports/<run-id>); an existing run there is refused without --force",
        kind="path",
        metavar="DIR",
    ),
    Option("force", "replace the run already in the --out folder", kind="flag", default=False),
    Option("solution-name", "name of the DUI solution, as on the certificate", default=""),
    Option("solution-version", "exact version/build of the DUI under test", default=""),
    Option("solution-vendor", "vendor (éditeur) of the DUI", default=""),
    Option("solution-domain", "Ségur dispositif / ESMS domain of the solution, as on the certificate", default=""),
    Option(
        "terminology",
        "folder of official IHE SVS value sets that take precedence over the shipped subsets",
        kind="dir",
        commands=("run", "validate"),
        metavar="DIR",
    ),
    Option(
        "pdfa-validator",
        "also validate every PDF with an external PDF/A-1b validator and record its verdict: 'preflight' "
        "(Apache PDFBox Preflight as Debian's libpdfbox2-java installs it), or a folder of its jars or a "
        "preflight-app jar",
        commands=("run", "validate"),
        metavar="preflight|PATH",
    ),
    Option(
        "sign-key",
        "signing key: PEM (with --sign-cert) or PKCS#12 holding key and chain, password in "
        "CONFORMANCE_SIGN_PASSWORD; without it the per-installation key signs and the certificate says "
        "'auto-attesté'",
        kind="file",
        commands=("run", "report"),
        metavar="FILE",
    ),
    Option(
        "sign-cert",
        "signing certificate chain (PEM), leaf first",
        kind="file",
        commands=("run", "report"),
        metavar="FILE",
    ),
    Option(
        "sign-crl",
        "CRL of the signing key's chain (PEM or DER, repeatable), embedded in the signature: the revocation "
        "state at signing time",
        kind="file",
        multiple=True,
        commands=("run", "report"),
        metavar="FILE",
    ),
    Option(
        "witness",
        "the third party who witnessed the run and signs it with its own key (--sign-key), e.g. "
        "'ARS Bretagne, pôle SI'; printed on the certificate beside the verified signer",
        default="",
        commands=("run", "report"),
        metavar="WHO",
    ),
    Option(
        "policy",
        "counting policy for 'au moins deux services socles' (TOML; default: profiles/policy)",
        kind="file",
        commands=("run", "report"),
        metavar="FILE",
    ),
    Option(
        "lang",
        "certificate language besides French (repeatable): en writes certificate.en.html and makes the console English",
        kind="choice",
        choices=("fr", "en"),
        multiple=True,
        commands=("run", "report"),
        metavar="LANG",
    ),
    Option(
        "conformance-progress",
        "print one line per scenario (what conformance run shows)",
        kind="flag",
        default=False,
        commands=(),
    ),
)


def all_options() -> tuple[Option, ...]:
    """The core's options, then every installed socle's; a name or destination declared twice is refused."""
    owners: dict[str, str] = {}
    found: list[Option] = []
    for owner, options in (("the core", CORE_OPTIONS), *((f"socle {s.name}", s.options) for s in _socles())):
        for option in options:
            for key in {option.name, option.dest}:
                if key in owners:
                    raise RegistryError(f"option --{option.name} is declared by {owners[key]} and by {owner}")
                owners[key] = owner
            found.append(option)
    return tuple(found)


def _socles() -> Iterable[Socle]:
    return socle_api.installed_socles().values()  # looked up at each call: tests install toy socles


def options_for(command: str) -> tuple[Option, ...]:
    return tuple(o for o in all_options() if command in o.commands)


def socle_dests() -> frozenset[str]:
    """Destinations of the socles' own options (what a `RunRequest` hands to their `configure` hooks)."""
    core = {o.dest for o in CORE_OPTIONS}
    return frozenset(o.dest for o in all_options() if o.dest not in core)


# -- values --------------------------------------------------------------------------------------


def _one(option: Option, raw: Any) -> Any:
    if option.kind == "flag":
        return bool(raw)
    if raw is None or raw == "":
        return option.default if option.kind not in PATH_KINDS else None
    return Path(raw) if option.kind in PATH_KINDS else raw


def normalise(options: Iterable[Option], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Values keyed by dest, as the engine wants them: Paths for paths, tuples for repeatable options."""
    out: dict[str, Any] = {}
    for option in options:
        value = raw.get(option.dest, option.default)
        if option.multiple:
            out[option.dest] = tuple(_one(option, v) for v in (value or ()))
        else:
            out[option.dest] = _one(option, value)
    return out


def check_paths(options: Iterable[Option], values: Mapping[str, Any]) -> None:
    """A "file" or "dir" option must name an existing file or folder: one message for both front doors."""
    for option in options:
        given = values.get(option.dest)
        paths = tuple(given or ()) if option.multiple else (given,)
        for path in paths:
            if path is None or option.kind not in ("file", "dir"):
                continue
            if option.kind == "file" and not Path(path).is_file():
                raise OptionError(f"--{option.name} {path}: no such file")
            if option.kind == "dir" and not Path(path).is_dir():
                raise OptionError(f"--{option.name} {path}: no such directory")


def socle_names(raw: Iterable[str], among: Iterable[str] | None = None) -> list[str]:
    """`--socle` values (repeatable, comma-separated, 'all') -> socle names; none given: all of `among`.

    `among` defaults to every installed socle (`serve` narrows it to the socles with a service).
    """
    installed = socle_api.installed_socles()
    pool = list(among) if among is not None else list(installed)
    names = [n.strip() for value in raw for n in value.split(",") if n.strip()]
    if not names or "all" in names:
        return pool
    unknown = [n for n in names if n not in installed]
    if unknown:
        raise OptionError(f"unknown socle {unknown[0]!r} (installed: {', '.join(installed) or 'none'})")
    return list(dict.fromkeys(names))


def apply(values: Mapping[str, Any], socles: Iterable[Socle]) -> None:
    """Before a run or a validation: check the paths, set the terminology and the external PDF/A validator,
    hand each socle its options."""
    from conformance.formats import preflight
    from conformance.formats.terminology import set_terminology_dir

    check_paths(all_options(), values)
    if values.get("terminology"):
        set_terminology_dir(Path(values["terminology"]))
    try:
        preflight.configure(values.get("pdfa_validator"))
    except preflight.PreflightUnavailable as exc:
        raise OptionError(f"--pdfa-validator: {exc}") from exc
    for socle in socles:
        socle.apply_options(values)


def reset(socles: Iterable[Socle]) -> None:
    """After an in-process run: the socles go back to their defaults, so the next run inherits nothing."""
    from conformance.formats import preflight

    preflight.configure(None)
    for socle in socles:
        socle.apply_options({})


# -- the pytest adapter --------------------------------------------------------------------------


def dest_in_pytest(option: Option) -> str:
    """pytest's namespace is shared by every plugin: the harness's destinations carry its prefix."""
    return option.dest if option.dest.startswith("conformance_") else f"conformance_{option.dest}"


def add_to_pytest(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "DUI conformance harness")
    for option in all_options():
        kwargs: dict[str, Any] = {"dest": dest_in_pytest(option), "help": option.help}
        env = os.environ.get(option.envvar) if option.envvar else None
        if option.kind == "flag":
            kwargs.update(action="store_true", default=bool(env) or bool(option.default))
        elif option.multiple:
            kwargs.update(action="append", default=[env] if env else [], metavar=option.metavar)
        else:
            kwargs.update(default=env or option.default, metavar=option.metavar)
        if option.choices:
            kwargs["choices"] = list(option.choices)
        group.addoption(option.flag, **kwargs)


def values_from_pytest(config: pytest.Config) -> dict[str, Any]:
    options = all_options()
    return normalise(options, {o.dest: config.getoption(dest_in_pytest(o)) for o in options})


# -- the click adapter ---------------------------------------------------------------------------


def click_option(option: Option) -> click.Option:
    """The click form of an option: same flag, help, default, environment variable and choices."""
    import click

    kwargs: dict[str, Any] = {"help": option.help, "envvar": option.envvar, "show_envvar": bool(option.envvar)}
    if option.kind == "flag":
        return click.Option([option.flag, option.dest], is_flag=True, default=bool(option.default), **kwargs)
    if option.kind in PATH_KINDS:
        kwargs["type"] = click.Path(path_type=Path, file_okay=option.kind != "dir", dir_okay=option.kind != "file")
    elif option.choices:
        kwargs["type"] = click.Choice(option.choices)
    default = (option.default or ()) if option.multiple else option.default
    return click.Option(
        [option.flag, option.dest], multiple=option.multiple, default=default, metavar=option.metavar, **kwargs
    )
