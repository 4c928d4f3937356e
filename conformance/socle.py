"""A socle is a plug-in: one `Socle` object, found through the entry-point group `conformance.socles`.

The object is everything the core knows of a socle. Its fields are data (names, catalog, suite)
and hooks, given as "module:attribute" references resolved only when used, so that listing the
socles imports nothing heavy:

| hook        | what it contributes                                   | used by                      |
|-------------|-------------------------------------------------------|------------------------------|
| `checks`    | modules that register its readers, checks, expanders  | scenarios, validate          |
| `kinds`     | artifact kinds it recognises in a file (`Kind`)       | validate                     |
| `options`   | its options (`Option`), declared once                 | pytest plugin, CLI           |
| `configure` | applies those options before a run or a validation    | pytest plugin, CLI           |
| `fixtures`  | module of its pytest fixtures (its mock services)     | pytest plugin                |
| `services`  | its standalone mock services (`Service`)              | `conformance serve`          |
| `manual`    | prompts of the manual driver for its verbs            | manual driver                |
| `reference` | its part of the reference DUI                         | `conformance.demo`           |
| `defects`   | its table of seeded defects                           | `conformance defects`, demo  |
| `uses`      | socles whose public API its cross-socle scenarios use | pytest plugin, defects       |
| `relay`     | its recording relay for sandbox runs (`Relay`)        | `run --sandbox`              |
| `captures`  | what it judges in exchanges captured elsewhere        | `run --from-capture`         |
| `identity`  | which software its evidence shows (`IdentityFact`s)   | certificate, verify          |

MSSanté, DMP and e-prescription register themselves exactly as a third party would.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

ENTRY_POINT_GROUP = "conformance.socles"


def resolve(ref: str) -> Any:
    """`package.module:attribute` -> the attribute (`package.module` -> the module)."""
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


@dataclass(frozen=True)
class Option:
    """One option, declared once: `conformance run/validate --NAME` and `pytest --NAME` alike.

    `kind` is "text", "path", "dir", "file", "flag" or "choice"; `commands` says which CLI commands
    offer it besides pytest ("run", "validate"). The value reaches the engine under `dest`.
    """

    name: str  # without dashes: "schematron-pack"
    help: str
    kind: str = "text"
    multiple: bool = False
    default: Any = None
    envvar: str | None = None
    choices: tuple[str, ...] = ()
    commands: tuple[str, ...] = ("run",)
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def flag(self) -> str:
        return f"--{self.name}"


@dataclass(frozen=True)
class Kind:
    """An artifact kind a socle recognises in a file, for `conformance validate`.

    `sniff` ("module:function") gets the file as `formats.sniff.Sniffed` (its head bytes and the outline
    of its XML by a bounded streaming parse) and returns True when it is of this kind; kinds are tried
    by ascending `order` (a more specific kind before the generic one it
    refines, e.g. an ITI-18 query before any SOAP envelope).
    """

    name: str
    title_en: str
    title_fr: str
    sniff: str = ""
    order: int = 100
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    """A standalone mock service: `run(out_dir, host, ports, stop_event, echo)` serves until stopped.

    `ports` are its fixed default ports (documented, so a DUI is configured once); `describe`
    ("module:function(host, ports, files) -> dict") gives the settings section a DUI needs to use it,
    without starting it (`conformance kit`; `files` maps the test PKI's attribute names to paths);
    `judge` names the journal kinds that are the DUI's own traffic: the one-line live log of
    `conformance serve` gives each such record the verdict `conformance validate` would.
    """

    name: str
    title: str
    run: str  # "module:function"
    ports: Mapping[str, int] = field(default_factory=dict)  # port name -> default (0: any free port)
    describe: str = ""
    judge: tuple[str, ...] = ()


@dataclass(frozen=True)
class Relay:
    """The recording relay a socle starts instead of its mock service when a run names a sandbox.

    `upstreams` names the connections the relay opens to the platform and their protocol ("https",
    "smtp", "imap"): a sandbox profile gives one table per upstream (`[<socle>.<name>]`: where, the
    expected CA, the vendor's credentials), which the core reads and checks before any scenario.
    `files` are further keys of the socle's own table that name files (resolved against the profile,
    required to exist), `texts` keys holding plain values. The socle's fixture starts the relay itself
    (`conformance.engine.capture.platform_of`).
    """

    upstreams: Mapping[str, str]
    files: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prompt:
    """What the manual driver tells a person for one verb, and how the step ends.

    `fr` and `en` are instructions in which `{name}` fields are filled from `fields(params)` (the
    socle says "Envoyez ... le DLU de Mme ESSAI à ...", never the core). A step ends when the person
    answers (`answer`: only the DUI knows the result, `template` is the skeleton of the JSON data to
    give), or, for an action seen on the wire, as soon as the mock records one of the `done_when`
    journal kinds: `seen(data)` then reads the outcome's data from that record (a Message-ID...).
    A step nobody performs times out and fails its scenario.
    """

    fr: str
    en: str
    answer: bool = False
    fields: Callable[[Mapping[str, Any]], Mapping[str, str]] | None = None
    done_when: tuple[str, ...] = ()
    seen: Callable[[bytes], dict[str, Any]] | None = None
    template: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Defect:
    """One seeded defect of the reference DUI: it must fail exactly `requirement`.

    A socle's defects table is the one place a defect is named: the row also carries the `switch` it
    turns on in the socle's reference part (a deviation object or a behaviour flag of that socle, which
    the core never looks into), so the part reads its switches from the chosen row, never from a name.
    """

    name: str
    socle: str
    requirement: str
    description: str
    needs: tuple[str, ...] = ()  # other socles a run must select for the defect to show (cross-socle)
    switch: object = field(default=None, hash=False)  # what the socle's reference part does differently


def defect_row(socle: str) -> Callable[..., Defect]:
    """The row maker of one socle's defects table: `row(name, requirement, description, switch, needs=())`."""

    def row(name: str, requirement: str, description: str, switch: object, needs: tuple[str, ...] = ()) -> Defect:
        return Defect(name, socle, requirement, description, needs, switch)

    return row


@dataclass(frozen=True)
class Socle:
    name: str
    title_fr: str
    title_en: str
    catalog: Path  # requirement catalog (TOML)
    suite: Path  # folder of the pytest scenarios
    checks: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    options: tuple[Option, ...] = ()
    configure: str = ""  # "module:function(values: Mapping[str, Any]) -> None"
    fixtures: str = ""
    services: tuple[Service, ...] = ()
    manual: str = ""  # "module:attr" -> Mapping[str, Prompt]
    reference: str = ""  # "module:attr" -> factory(defect: Defect | None) -> reference part
    defects: str = ""  # "module:attr" -> Sequence[Defect]
    uses: tuple[str, ...] = ()
    relay: Relay | None = None
    captures: str = ""  # "module:function(CapturedExchange) -> list[Imported]": exchanges it can judge
    # "module:function(entries, read) -> list[IdentityFact]": the software and structure its evidence names
    # (VIHF LPS_*, User-Agent, X-Mailer, TLS client certificate), see `conformance.identity`
    identity: str = ""

    def load_checks(self) -> None:
        for module in self.checks:
            importlib.import_module(module)

    def apply_options(self, values: Mapping[str, Any]) -> None:
        """Hand the socle the values of its own options (missing ones as their defaults)."""
        if not self.configure:
            return
        fn: Callable[[Mapping[str, Any]], None] = resolve(self.configure)
        fn({o.dest: values.get(o.dest, o.default) for o in self.options})

    def manual_prompts(self) -> Mapping[str, Prompt]:
        return dict(resolve(self.manual)) if self.manual else {}

    def seeded_defects(self) -> Sequence[Defect]:
        return tuple(resolve(self.defects)) if self.defects else ()

    def reference_factory(self) -> Callable[[Defect | None], Any] | None:
        return resolve(self.reference) if self.reference else None


@cache
def installed_socles() -> dict[str, Socle]:
    found: dict[str, Socle] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if not isinstance(obj, Socle):
            continue
        found[obj.name] = obj
    return dict(sorted(found.items()))


def get_socle(name: str) -> Socle:
    socles = installed_socles()
    if name not in socles:
        known = ", ".join(socles) or "none"
        raise KeyError(f"unknown socle {name!r} (installed: {known})")
    return socles[name]


def load_all_checks() -> None:
    for socle in installed_socles().values():
        socle.load_checks()


def all_defects() -> list[Defect]:
    return [d for s in installed_socles().values() for d in s.seeded_defects()]


def find_defect(name: str) -> Defect | None:
    return next((d for d in all_defects() if d.name == name), None)
