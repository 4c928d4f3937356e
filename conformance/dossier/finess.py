"""FINESS numbers as a grappe writes them: format, département and (advisory) check key.

What is sourced, and how firmly:

- **Format** (error): nine alphanumeric characters. ANS, `ansforge/finess`,
  `flux/out/data.gouv/structure/schema/schema-structures-v1.json`, definition `finessId`
  ("Numéro FINESS alphanumérique sur 9 caractères", pattern `^[A-Za-z0-9]{9}$`). ANS pages print it
  grouped `NN NNN NNN N` (ansforge/finess issue #22), so spaces, dots and hyphens are removed first.
- **Département** (error): the first two characters, among the FINESS département codes of the
  DREES/ANS "Dossier Etude Détaillée PHAR-FINESS" v1.5 (ansforge/finess,
  `docs/flux/in/PHARMA-SI/`, annex B "Règle de transcodage : département"): 01-19, 2A, 2B, 21-95 and
  the overseas départements (numbers beginning with 97); "20" (the old Corsica code) and the
  collectivities 98x are rejected there.
- **Check key** (warning only): no primary source publishing the algorithm was found (searched:
  ANS FINESS repository and its specifications, data.gouv documentation, public pages). The last
  digit behaves as a Luhn key over the nine characters on every number ANS publishes in its sample
  flux and in its specifications (15 of 16 read; one example in the ARHGOS specification does not
  follow it), and the four Corse-du-Sud numbers of an official record (Recueil des actes
  administratifs 2A-2025-178: 2A0000022, 2A0000170, 2A0000386, 2A0002606) follow it when "2A" is
  read as "21". So a key that disagrees is reported as a warning ("probable typing error"), never
  as a reason to reject a member; Haute-Corse (2B) keys are not checked, no 2B number was found
  to settle how its letter is read.
- A number of eight digits is a FINESS whose leading zero a spreadsheet dropped (départements
  01-09): the zero is put back, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

SEPARATORS = re.compile(r"[\s.\-]")
FORMAT = re.compile(r"^[A-Z0-9]{9}$")
METROPOLE = {f"{n:02d}" for n in (*range(1, 20), *range(21, 96))}
CORSICA = {"2A", "2B"}
OVERSEAS_PREFIX = "97"
KEY_LETTERS = {"2A": "21"}  # see the module docstring: 2B unknown


class Zone(StrEnum):
    METROPOLE = "metropole"
    CORSICA = "corse"
    OVERSEAS = "outre-mer"


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a FINESS number: its message key (dossier/messages.toml) and its weight."""

    key: str
    severity: str  # "error" | "warning"
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finess:
    raw: str
    value: str  # normalised (separators removed, upper case, leading zero restored)
    departement: str | None
    zone: Zone | None
    key_checked: bool
    issues: tuple[Issue, ...]

    @property
    def valid(self) -> bool:
        """Usable as an identifier: format and département right (a doubtful key is only a warning)."""
        return not any(i.severity == "error" for i in self.issues)


def luhn_ok(digits: str) -> bool:
    """The Luhn (ISO/IEC 7812-1 annex B) sum of a string of digits, key included, is a multiple of ten."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def _departement(value: str) -> tuple[str | None, Zone | None]:
    head = value[:2]
    if head in CORSICA:
        return head, Zone.CORSICA
    if head == OVERSEAS_PREFIX:
        return value[:3], Zone.OVERSEAS
    if head in METROPOLE:
        return head, Zone.METROPOLE
    return None, None


def check_finess(raw: str) -> Finess:
    """Normalise and check one FINESS number; every problem is an `Issue`, never an exception."""
    value = SEPARATORS.sub("", raw or "").upper()
    issues: list[Issue] = []
    if not value:
        return Finess(raw, value, None, None, False, (Issue("finess-empty", "error"),))
    if len(value) == 8 and value.isdigit() and value[0] != "0":
        issues.append(Issue("finess-leading-zero", "warning", {"value": value, "fixed": "0" + value}))
        value = "0" + value
    if not FORMAT.match(value):
        issues.append(Issue("finess-format", "error", {"value": raw.strip()}))
        return Finess(raw, value, None, None, False, tuple(issues))
    departement, zone = _departement(value)
    if zone is None:
        issues.append(Issue("finess-departement", "error", {"value": value, "code": value[:2]}))
        return Finess(raw, value, None, None, False, tuple(issues))
    body = value[2:]
    if not body.isdigit():
        issues.append(Issue("finess-format", "error", {"value": raw.strip()}))
        return Finess(raw, value, departement, zone, False, tuple(issues))
    head = KEY_LETTERS.get(value[:2], value[:2])
    key_checked = head.isdigit()
    if key_checked and not luhn_ok(head + body):
        issues.append(Issue("finess-key", "warning", {"value": value}))
    return Finess(raw, value, departement, zone, key_checked, tuple(issues))
