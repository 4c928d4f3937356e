"""The software tested is the software named: the DUI's identity as declared and as observed.

A run declares the solution it tests (`--solution-name/-version/-vendor`); the exchanges say which
software actually spoke: each socle's `identity` hook reads its evidence and returns `IdentityFact`s (the
VIHF's LPS_Nom/LPS_Version/LPS_ID_HOMOLOGATION_DMP, an HTTP User-Agent, a mail X-Mailer or User-Agent,
the structure named by the TLS client certificate). `assess` compares them with the declaration:

- `demo`: some exchange was made by the harness's own demonstration DUI (`DEMO`): such a run never counts;
- `mismatch`: some exchange names another software, or another version, than the one declared;
- `not-declared`: the solution's name or version was not given;
- `not-observed`: no exchange named any software (generic library agents such as `Python-urllib` name none);
- `identified`: the declaration and every observed name agree.

Only `identified` lets a run count toward "au moins deux services socles".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from conformance import __version__

SOFTWARE, STRUCTURE = "software", "structure"
IDENTIFIED, DEMO_RUN, MISMATCH, NOT_DECLARED, NOT_OBSERVED = (
    "identified",
    "demo",
    "mismatch",
    "not-declared",
    "not-observed",
)
# product tokens of HTTP and mail libraries: they name a library, not the DUI
GENERIC_AGENTS = frozenset(
    {
        "python-urllib",
        "python-requests",
        "python-httpx",
        "aiohttp",
        "java",
        "okhttp",
        "apache-httpclient",
        "jersey",
        "resteasy",
        "curl",
        "wget",
        "libwww-perl",
        "go-http-client",
        "node-fetch",
        "undici",
        "axios",
        "mozilla",
        "dotnet",
        "restsharp",
        "guzzlehttp",
        "phpmailer",
        "javamail",
        "jakarta mail",
    }
)


@dataclass(frozen=True)
class Software:
    """How a DUI names itself in its exchanges."""

    name: str
    version: str
    homologation: str = ""

    @property
    def product(self) -> str:
        """The HTTP User-Agent / X-Mailer product token `NAME/VERSION` (RFC 9110: no spaces in a token)."""
        return f"{_NOT_TCHAR.sub('-', self.name)}/{_NOT_TCHAR.sub('-', self.version)}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)


# The reference DUI shipped with the harness names itself so in every exchange (VIHF, User-Agent, X-Mailer).
DEMO = Software("DUI-CONFORMANCE-DEMO", __version__, "DEMO-DUI-CONFORMANCE")


def software_of(settings: Mapping[str, Any]) -> Software:
    """The software a reference part names in its exchanges: the settings' `software`, else the demo DUI."""
    given = settings.get("software")
    return Software(**given) if isinstance(given, Mapping) else DEMO


@dataclass(frozen=True)
class IdentityFact:
    """One place an exchange named the software (or the structure) that made it."""

    socle: str
    source: str  # "vihf" | "http-user-agent" | "mail-x-mailer" | "mail-user-agent" | "tls-client-certificate"
    what: str  # SOFTWARE | STRUCTURE
    name: str
    version: str = ""
    homologation: str = ""
    raw: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IdentityFact:
        return cls(**{k: str(data.get(k) or "") for k in cls.__dataclass_fields__})


IdentityHook = Callable[[list[dict[str, Any]], Callable[[str], bytes | None]], list[IdentityFact]]
_NOT_TCHAR = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]+")
_VERSION_WORD = re.compile(r"^v?\d[\w.\-+]*$", re.IGNORECASE)


def product(raw: str) -> tuple[str, str]:
    """(name, version) of the software a User-Agent or X-Mailer names first: a product token
    ('ACME-DUI/3.2 (Windows)' -> ACME-DUI, 3.2) or words and a version ('ACME DUI v3.2' -> ACME DUI, 3.2)."""
    words = (raw or "").split("(")[0].split()
    if not words:
        return "", ""
    if "/" in words[0]:
        name, _, version = words[0].partition("/")
        return name, version
    for i, word in enumerate(words):
        if i and _VERSION_WORD.match(word):
            return " ".join(words[:i]), word.lstrip("vV")
    return " ".join(words)[:80], ""


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _tokens(version: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-zA-Z]+", version.casefold()) if t]


def is_generic(fact: IdentityFact) -> bool:
    return fact.what == SOFTWARE and fact.name.strip().casefold() in GENERIC_AGENTS


def is_demo(fact: IdentityFact) -> bool:
    return fact.what == SOFTWARE and (
        _norm(fact.name) == _norm(DEMO.name) or (bool(fact.homologation) and fact.homologation == DEMO.homologation)
    )


def agrees(fact: IdentityFact, declared: Mapping[str, Any]) -> bool:
    """The fact names the declared solution: same name (case, spaces and punctuation aside) and, when the
    fact carries a version, the declared version starts with it, token by token."""
    name, version = str(declared.get("name") or ""), str(declared.get("version") or "")
    if _norm(fact.name) != _norm(name):
        return False
    got = _tokens(fact.version)
    return not got or _tokens(version)[: len(got)] == got


@dataclass
class IdentityAssessment:
    status: str
    declared: dict[str, Any]
    facts: list[IdentityFact] = field(default_factory=list)
    disagreeing: list[IdentityFact] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return self.status == IDENTIFIED

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "declared": self.declared,
            "observed": [f.to_json() for f in self.facts],
            "disagreeing": [f.to_json() for f in self.disagreeing],
        }


def distinct(facts: Iterable[IdentityFact]) -> list[IdentityFact]:
    return list(dict.fromkeys(facts))


def assess(declared: Mapping[str, Any], facts: Iterable[IdentityFact]) -> IdentityAssessment:
    facts = distinct(facts)
    software = [f for f in facts if f.what == SOFTWARE and not is_generic(f)]
    named = {k: str(declared.get(k) or "") for k in ("name", "version", "vendor", "domain")}
    out = IdentityAssessment(NOT_OBSERVED, named, facts)
    if any(is_demo(f) for f in software):
        out.status = DEMO_RUN
        out.disagreeing = [f for f in software if is_demo(f)]
    elif not str(declared.get("name") or "").strip() or not str(declared.get("version") or "").strip():
        out.status = NOT_DECLARED
    elif software:
        out.disagreeing = [f for f in software if not agrees(f, declared)]
        out.status = MISMATCH if out.disagreeing else IDENTIFIED
    return out


def observed_facts(
    socles: Iterable[str], entries: list[dict[str, Any]], read: Callable[[str], bytes | None]
) -> list[IdentityFact]:
    """Every installed socle's identity facts from one evidence index (socles without the hook say nothing)."""
    from conformance.socle import get_socle, resolve

    found: list[IdentityFact] = []
    for name in socles:
        try:
            socle = get_socle(name)
        except KeyError:
            continue
        if socle.identity:
            hook: IdentityHook = resolve(socle.identity)
            found.extend(hook(entries, read))
    return distinct(found)
