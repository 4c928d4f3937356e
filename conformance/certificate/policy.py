"""The counting policy: which socles count toward "au moins deux services socles", and why not.

The policy is data (profiles/policy/*.toml, or `--policy FILE`) and its text is printed on the
certificate: the rule an agency reads is the rule the code applied.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.paths import profiles_dir

DEFAULT_POLICY = "esms-numerique-2-socles.toml"


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
    counting_modes: tuple[str, ...] = ("mock-services", "sandbox")  # runs of these modes may count
    witnessed_modes: tuple[str, ...] = ("imported",)  # runs of these modes count only when witnessed

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "minimum": self.minimum,
            "counting_socles": list(self.counting_socles),
            "counting_modes": list(self.counting_modes),
            "witnessed_modes": list(self.witnessed_modes),
            "text_fr": self.text_fr,
            "text_en": self.text_en,
            "sha256": self.sha256,
        }


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
            counting_modes=tuple(data.get("counting_modes", ("mock-services", "sandbox"))),
            witnessed_modes=tuple(data.get("witnessed_modes", ("imported",))),
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"cannot read counting policy {path}: {exc}") from exc


@dataclass
class SocleCount:
    socle: str
    counts: bool
    reasons_fr: list[str]
    reasons_en: list[str]


LIVE_MODES = ("mock-services", "sandbox")  # the harness drove the DUI against a service in operation
MODE_FR = {"mock-services": "services simulés", "sandbox": "bac à sable", "imported": "échanges importés"}


def count_socle(
    policy: Policy, name: str, socle: dict[str, Any], mode: str, evidence_ok: bool, *, witnessed: bool = False
) -> SocleCount:
    fr: list[str] = []
    en: list[str] = []
    if mode not in policy.counting_modes and not (mode in policy.witnessed_modes and witnessed):
        needs = mode in policy.witnessed_modes
        fr.append(f"le mode « {MODE_FR.get(mode, mode)} » ne compte pas" + (" sans témoin" if needs else ""))
        en.append(f"runs in mode {mode!r} do not count" + (" unless witnessed" if needs else ""))
    if name not in policy.counting_socles:
        fr.append("ce service n'entre pas dans le décompte de la politique")
        en.append("this socle is not one the policy counts")
    failing = [
        rid
        for rid, r in socle["requirements"].items()
        if r["checked"] and r["level"] == "EXIGENCE" and r["verdict"] in ("fail", "not-tested")
    ]
    if policy.require_all_exigences and (failing or socle["verdict"] not in ("pass", "pass-with-warnings")):
        shown = ", ".join(failing[:8]) + (" ..." if len(failing) > 8 else "")
        fr.append(f"exigences non satisfaites : {shown or socle['verdict']}")
        en.append(f"EXIGENCE not met: {shown or socle['verdict']}")
    live = mode in LIVE_MODES and any(s["outcome"] == "passed" for s in socle["scenarios"])
    if policy.require_live_scenario and mode not in policy.witnessed_modes and not live:
        fr.append("aucun scénario de bout en bout réussi contre un service en fonctionnement")
        en.append("no end-to-end scenario passed against a live service")
    if policy.require_evidence_verified and not evidence_ok:
        fr.append("les preuves ne correspondent pas à leurs empreintes")
        en.append("the evidence does not match its hashes")
    return SocleCount(name, not fr, fr, en)
