"""The counting policy: which socles count toward "au moins deux services socles", and why not.

The policy is data (profiles/policy/*.toml, or `--policy FILE`) and its text is printed on the
certificate: the rule an agency reads is the rule the code applied. The policies the harness ships are
registered by their SHA-256 (`REGISTERED`): a certificate under any other file, even one keeping the id,
version and text of a shipped policy, says "politique non standard" and `verify` refuses it.

Some conditions are not the policy's to relax (`run_blockers`): no socle counts in a partial run, for an
undeclared solution, or for exchanges that name another software than the one declared.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.paths import profiles_dir

DEFAULT_POLICY = "esms-numerique-2-socles.toml"
# SHA-256 of every counting policy file the harness ships -> "id version" (a test keeps it in step)
REGISTERED = {
    "bb2429ccf1610531cdb57fb5ef3ad4a6b2dec29c8374d113e21a0452caa68b8f": "esms-numerique-2-socles 2026.12.1",
}


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    minimum: int
    counting_socles: tuple[str, ...]
    require_all_exigences: bool
    require_live_scenario: bool
    require_evidence_verified: bool
    text_fr: str
    text_en: str
    sha256: str

    @property
    def registered(self) -> bool:
        return self.sha256 in REGISTERED

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "minimum": self.minimum,
            "counting_socles": list(self.counting_socles),
            "require_all_exigences": self.require_all_exigences,
            "require_live_scenario": self.require_live_scenario,
            "require_evidence_verified": self.require_evidence_verified,
            "text_fr": self.text_fr,
            "text_en": self.text_en,
            "sha256": self.sha256,
            "registered": self.registered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        return cls(
            id=str(data["id"]),
            version=str(data["version"]),
            minimum=int(data["minimum"]),
            counting_socles=tuple(data["counting_socles"]),
            require_all_exigences=bool(data["require_all_exigences"]),
            require_live_scenario=bool(data["require_live_scenario"]),
            require_evidence_verified=bool(data["require_evidence_verified"]),
            text_fr=str(data["text_fr"]),
            text_en=str(data["text_en"]),
            sha256=str(data["sha256"]),
        )


def load_policy(path: Path | None = None) -> Policy:
    path = path or profiles_dir() / "policy" / DEFAULT_POLICY
    try:
        raw = Path(path).read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))["policy"]
        return Policy(
            id=str(data["id"]),
            version=str(data["version"]),
            minimum=int(data["minimum"]),
            counting_socles=tuple(data["counting_socles"]),
            require_all_exigences=bool(data.get("require_all_exigences", True)),
            require_live_scenario=bool(data.get("require_live_scenario", True)),
            require_evidence_verified=bool(data.get("require_evidence_verified", True)),
            text_fr=str(data["text_fr"]).strip(),
            text_en=str(data["text_en"]).strip(),
            sha256=hashlib.sha256(raw).hexdigest(),
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"cannot read counting policy {path}: {exc}") from exc


@dataclass
class SocleCount:
    socle: str
    counts: bool
    reasons_fr: list[str]
    reasons_en: list[str]


@dataclass(frozen=True)
class Blocker:
    """A run-level reason why no socle counts, whatever the policy."""

    code: str
    fr: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "fr": self.fr, "en": self.en}


IDENTITY_BLOCKERS = {
    "not-declared": Blocker(
        "solution-not-declared",
        "solution non identifiée : nom et version de la solution non déclarés (--solution-name, --solution-version)",
        "solution not identified: name and version not declared (--solution-name, --solution-version)",
    ),
    "demo": Blocker(
        "demo-dui",
        "les échanges ont été produits par le DUI de démonstration de l'outil, non par la solution déclarée",
        "the exchanges were made by the harness's demonstration DUI, not by the declared solution",
    ),
    "mismatch": Blocker(
        "identity-mismatch",
        "le logiciel observé dans les échanges n'est pas la solution déclarée",
        "the software observed in the exchanges is not the declared solution",
    ),
    "not-observed": Blocker(
        "identity-not-observed",
        "aucun échange ne désigne le logiciel testé (VIHF, User-Agent, X-Mailer)",
        "no exchange names the software tested (VIHF, User-Agent, X-Mailer)",
    ),
}
PARTIAL = Blocker(
    "partial-run",
    "exécution partielle : des scénarios n'ont pas été exécutés",
    "partial run: some scenarios were not run",
)


def run_blockers(complete: bool, identity_status: str) -> list[Blocker]:
    """What keeps every socle of a run from counting (empty: nothing at the run level)."""
    out = [] if complete else [PARTIAL]
    if identity_status in IDENTITY_BLOCKERS:
        out.append(IDENTITY_BLOCKERS[identity_status])
    return out


def count_socle(
    policy: Policy,
    name: str,
    socle: dict[str, Any],
    mode: str,
    evidence_ok: bool,
    blockers: list[Blocker] | None = None,
) -> SocleCount:
    fr: list[str] = [b.fr for b in blockers or []]
    en: list[str] = [b.en for b in blockers or []]
    if name not in policy.counting_socles:
        fr.append("ce service n'entre pas dans le décompte de la politique")
        en.append("this socle is not one the policy counts")
    reqs = socle["requirements"]  # results.json: a mapping by id; certificate.json: a list with their ids
    pairs = reqs.items() if isinstance(reqs, dict) else ((r["id"], r) for r in reqs)
    failing = [
        rid for rid, r in pairs if r["checked"] and r["level"] == "EXIGENCE" and r["verdict"] in ("fail", "not-tested")
    ]
    if policy.require_all_exigences and (failing or socle["verdict"] not in ("pass", "pass-with-warnings")):
        shown = ", ".join(failing[:8]) + (" ..." if len(failing) > 8 else "")
        fr.append(f"exigences non satisfaites : {shown or 'exécution incomplète'}")
        en.append(f"EXIGENCE not met: {shown or socle['verdict']}")
    live = mode != "artifacts" and any(s["outcome"] == "passed" for s in socle["scenarios"])
    if policy.require_live_scenario and not live:
        fr.append("aucun scénario de bout en bout réussi contre un service en fonctionnement")
        en.append("no end-to-end scenario passed against a live service")
    if policy.require_evidence_verified and not evidence_ok:
        fr.append("les preuves ne correspondent pas à leurs empreintes")
        en.append("the evidence does not match its hashes")
    return SocleCount(name, not fr, fr, en)
