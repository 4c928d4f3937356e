"""The programme's conditions as data (profiles/programme/*.toml), each value with its sources.

The dossier prints the conditions it applied, their sources and the file's SHA-256, so the rule an
instructor reads is the rule the code applied; another call (another region, another year) is another
file, never a code change.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.paths import profiles_dir

DEFAULT_PROGRAMME = "esms-numerique-regional.toml"
TRUST_LEVELS = ("witnessed", "auto-attested", "untrusted")


class ProgrammeError(ValueError):
    pass


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    note: str


@dataclass(frozen=True)
class Rule:
    """One condition's values, sources and French wording (values fill the `{name}` fields of `text_fr`)."""

    values: dict[str, Any]
    sources: tuple[str, ...]
    unsure: bool
    text_fr: str

    def text(self, **extra: Any) -> str:
        return self.text_fr.format(**self.values, **extra)


@dataclass(frozen=True)
class Programme:
    id: str
    version: str
    title_fr: str
    text_fr: str
    sources: dict[str, Source]
    grappe_size: Rule
    organismes: Rule
    socles: Rule
    certificates: Rule
    categories: Rule
    sha256: str
    path: str

    @property
    def minimum_size(self) -> int:
        return int(self.grappe_size.values["minimum"])

    @property
    def minimum_size_corsica_overseas(self) -> int:
        return int(self.grappe_size.values["minimum_corsica_overseas"])

    @property
    def national_from(self) -> int:
        return int(self.grappe_size.values.get("national_from", 0))

    @property
    def minimum_organismes(self) -> int:
        return int(self.organismes.values["minimum"])

    @property
    def minimum_socles(self) -> int:
        return int(self.socles.values["minimum"])

    @property
    def counting_socles(self) -> tuple[str, ...]:
        return tuple(self.socles.values["counting_socles"])

    @property
    def accepted_trust(self) -> tuple[str, ...]:
        return tuple(self.certificates.values["accepted_trust"])

    @property
    def eligible_categories(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.categories.values.get("eligible", []))

    def to_json(self) -> dict[str, Any]:
        rules = {name: getattr(self, name) for name in ("grappe_size", "organismes", "socles", "certificates")}
        return {
            "id": self.id,
            "version": self.version,
            "title_fr": self.title_fr,
            "sha256": self.sha256,
            "rules": {name: {**r.values, "sources": list(r.sources), "unsure": r.unsure} for name, r in rules.items()},
        }


RULES = ("grappe_size", "organismes", "socles", "certificates", "categories")
REQUIRED = {
    "grappe_size": ("minimum", "minimum_corsica_overseas"),
    "organismes": ("minimum",),
    "socles": ("minimum", "counting_socles"),
    "certificates": ("accepted_trust",),
    "categories": (),
}


def _rule(name: str, data: dict[str, Any], sources: dict[str, Source]) -> Rule:
    missing = [k for k in (*REQUIRED[name], "text_fr") if k not in data]
    if missing:
        raise ProgrammeError(f"[{name}] lacks {', '.join(missing)}")
    cited = tuple(str(s) for s in data.get("sources", []))
    unknown = [s for s in cited if s not in sources]
    if unknown:
        raise ProgrammeError(f"[{name}] cites undeclared sources {unknown}")
    values = {k: v for k, v in data.items() if k not in ("sources", "unsure", "text_fr")}
    return Rule(values, cited, bool(data.get("unsure", False)), str(data["text_fr"]).strip())


def load_programme(path: Path | None = None) -> Programme:
    path = Path(path) if path else profiles_dir() / "programme" / DEFAULT_PROGRAMME
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
        head = data["programme"]
        sources = {
            str(s["id"]): Source(str(s["id"]), str(s["title"]), str(s.get("url", "")), str(s.get("note", "")))
            for s in data.get("sources", [])
        }
        rules = {name: _rule(name, dict(data.get(name, {})), sources) for name in RULES}
        programme = Programme(
            id=str(head["id"]),
            version=str(head["version"]),
            title_fr=str(head["title_fr"]),
            text_fr=str(head.get("text_fr", "")).strip(),
            sources=sources,
            sha256=hashlib.sha256(raw).hexdigest(),
            path=path.name,
            **rules,
        )
        bad_trust = [t for t in programme.accepted_trust if t not in TRUST_LEVELS]
        if bad_trust:
            raise ProgrammeError(f"accepted_trust {bad_trust} not among {list(TRUST_LEVELS)}")
        for value in (programme.minimum_size, programme.minimum_size_corsica_overseas, programme.minimum_socles):
            if value < 1:
                raise ProgrammeError("grappe sizes and the socle minimum must be at least 1")
        return programme
    except ProgrammeError as exc:
        raise ProgrammeError(f"programme file {path}: {exc}") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ProgrammeError(f"cannot read programme file {path}: {type(exc).__name__}: {exc}") from exc
