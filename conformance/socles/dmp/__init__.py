"""The DMP socle: feeding Mon espace santé (DMP) through IHE XDS.b ITI-41.

Only the pure checks and the requirement catalog exist so far; the mock DMP service, the
scenarios and the entry point come with the next sessions.
"""

from __future__ import annotations

from pathlib import Path

from conformance.paths import profiles_dir
from conformance.socle import Socle

_HERE = Path(__file__).resolve().parent


SOCLE = Socle(
    name="dmp",
    title_fr="Dossier Médical Partagé / Mon espace santé (DMP)",
    title_en="Shared medical record (DMP / Mon espace santé)",
    catalog=profiles_dir() / "dmp" / "requirements.toml",
    suite=_HERE / "suite",
    checks_module="conformance.socles.dmp.checks",
)
