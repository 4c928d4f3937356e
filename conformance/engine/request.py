"""What a run is asked to do, typed: the one thing both front doors hand the engine.

`conformance run` builds a `RunRequest` from its click values and passes it to pytest as a plugin
object; `pytest --socle=...` builds the same request from its own options. From there on the engine
reads the request only, so the two doors cannot disagree about a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.engine.options import OptionError, all_options, check_paths, normalise, socle_dests, socle_names


@dataclass(frozen=True)
class Solution:
    """The DUI solution as the certificate names it."""

    name: str = ""
    version: str = ""
    vendor: str = ""
    domain: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "vendor": self.vendor, "domain": self.domain}


@dataclass(frozen=True)
class Signing:
    """Who signs the certificate (none: the per-installation key, 'auto-attesté')."""

    key: Path | None = None
    cert: Path | None = None
    crls: tuple[Path, ...] = ()  # embedded at signing time
    witness: str = ""  # the third party who witnessed the run (signs with its own key)


@dataclass(frozen=True)
class RunRequest:
    """One run. Frozen and hashable: pytest registers it as a plugin object."""

    socles: tuple[str, ...]
    dui: str = "demo"
    out: Path | None = None  # None: reports/<run-id> when the run starts
    force: bool = False  # replace a run already in `out`
    solution: Solution = field(default_factory=Solution)
    terminology: Path | None = None
    pdfa_validator: str | None = None  # external PDF/A-1b validator (conformance.formats.preflight)
    signing: Signing = field(default_factory=Signing)
    policy: Path | None = None
    langs: tuple[str, ...] = ()  # certificate languages besides French
    keyword: str | None = None  # pytest -k
    verbosity: int = 0
    progress: bool = False  # one line per scenario
    socle_options: tuple[tuple[str, Any], ...] = ()  # (dest, value) of the socles' own options

    @classmethod
    def from_values(
        cls, raw: Mapping[str, Any], *, keyword: str | None = None, verbosity: int = 0, progress: bool | None = None
    ) -> RunRequest:
        """From option values keyed by dest (click's or pytest's); OptionError for a value that cannot be used."""
        values = normalise(all_options(), raw)
        check_paths(all_options(), values)
        if values["witness"] and not values["sign_key"]:
            raise OptionError("--witness: a witness signs the certificate with its own key: give --sign-key")
        return cls(
            socles=tuple(socle_names(values["socle"])),
            dui=values["dui"],
            out=values["out"],
            force=values["force"],
            solution=Solution(
                values["solution_name"],
                values["solution_version"],
                values["solution_vendor"],
                values["solution_domain"],
            ),
            terminology=values["terminology"],
            pdfa_validator=values["pdfa_validator"] or None,
            signing=Signing(values["sign_key"], values["sign_cert"], values["sign_crl"], values["witness"]),
            policy=values["policy"],
            langs=values["lang"],
            keyword=keyword or None,
            verbosity=verbosity,
            progress=values["conformance_progress"] if progress is None else progress,
            socle_options=tuple(sorted((d, values[d]) for d in socle_dests())),
        )

    def values(self) -> dict[str, Any]:
        """The request as option values keyed by dest (what `from_values` reads back), every option present."""
        socle_defaults = normalise([o for o in all_options() if o.dest in socle_dests()], {})
        return {
            **socle_defaults,
            "socle": self.socles,
            "dui": self.dui,
            "out": self.out,
            "force": self.force,
            "solution_name": self.solution.name,
            "solution_version": self.solution.version,
            "solution_vendor": self.solution.vendor,
            "solution_domain": self.solution.domain,
            "terminology": self.terminology,
            "pdfa_validator": self.pdfa_validator,
            "sign_key": self.signing.key,
            "sign_cert": self.signing.cert,
            "sign_crl": self.signing.crls,
            "witness": self.signing.witness,
            "policy": self.policy,
            "lang": self.langs,
            "conformance_progress": self.progress,
            **dict(self.socle_options),
        }

    @property
    def certificate_langs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("fr", *self.langs)))

    def with_out(self, run_id: str) -> RunRequest:
        """The request with its run folder fixed and absolute (reports/<run_id> when none was given)."""
        return replace(self, out=(self.out or Path("reports") / run_id).resolve())
