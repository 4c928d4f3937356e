"""The words of the model, as plain dataclasses.

Everything that crosses a module boundary (checks, services, drivers, the run folder) speaks in
these types, so that a check written for `conformance validate` is the very same function a
scenario runs on captured traffic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not-applicable"

    @property
    def rank(self) -> int:
        """Severity order used when several findings speak about one requirement."""
        return {"not-applicable": 0, "pass": 1, "warn": 2, "fail": 3}[self.value]


class Level(StrEnum):
    EXIGENCE = "EXIGENCE"  # must
    PRECONISATION = "PRECONISATION"  # should


@dataclass(frozen=True)
class Requirement:
    """One rule of a socle, with where it comes from."""

    id: str
    socle: str
    level: Level
    title_en: str
    text_fr: str
    refs: tuple[str, ...] = ()
    source: str = ""
    source_version: str = ""
    source_quality: str = "primary"  # primary | secondary | harness
    kind: str = "message"  # observed | message | zip | driver ...
    condition: str | None = None
    unsure: bool = False
    checked: bool = True
    not_checked_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "socle": self.socle,
            "level": self.level.value,
            "title_en": self.title_en,
            "text_fr": self.text_fr,
            "refs": list(self.refs),
            "source": self.source,
            "source_version": self.source_version,
            "source_quality": self.source_quality,
            "kind": self.kind,
            "condition": self.condition,
            "unsure": self.unsure,
            "checked": self.checked,
            "not_checked_reason": self.not_checked_reason,
        }


@dataclass
class Finding:
    """One verdict of one check about one requirement, at one place of one artifact."""

    requirement: str
    verdict: Verdict
    message_en: str
    message_fr: str
    location: str = ""
    evidence: str | None = None  # SHA-256 of the artifact the finding was computed from

    @property
    def message(self) -> str:
        return self.message_en

    def text(self, lang: str) -> str:
        """The message in `lang` ("fr" or "en"): the one place a surface picks its language."""
        return self.message_fr if lang == "fr" else self.message_en

    def to_json(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "verdict": self.verdict.value,
            "message": self.message_en,
            "message_fr": self.message_fr,
            "location": self.location,
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            requirement=data["requirement"],
            verdict=Verdict(data["verdict"]),
            message_en=data.get("message", ""),
            message_fr=data.get("message_fr", ""),
            location=data.get("location", ""),
            evidence=data.get("evidence"),
        )


@dataclass
class Artifact:
    """Bytes captured or given, with what they are. Checks only ever see artifacts."""

    kind: str  # email | xdm | cda | soap | vihf | fhir | pdf | mdn ...
    name: str
    data: bytes
    meta: dict[str, Any] = field(default_factory=dict)
    _sha256: str | None = field(default=None, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256


@dataclass
class CheckContext:
    """What a check may know beyond the artifact: the expectations of the scenario.

    In artifact mode (`conformance validate`) most fields are empty and conditional rules
    fall back to what the artifact itself says, or to not-applicable.
    """

    expected_nil: str | None = None  # X-MSS-NIL reference configured for the solution
    sender_bal_type: str | None = None  # PER | ORG | APP
    to_patient: bool | None = None
    block_reply: bool | None = None
    is_reply_to: str | None = None  # Message-ID the message must answer
    read_receipt: bool | None = None
    patient: dict[str, Any] | None = None  # the synthetic identity the scenario used
    whitelist: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # the reference time of time-dependent rules: when the artifact was captured (evidence journal)
    # or the time given with `validate --at`; None for a bare file, where rules say they used the
    # validation time (an upper bound of any capture time) or that they cannot judge without one
    at: datetime | None = None
    at_source: str = ""  # "capture" | "given"

    def reference_time(self) -> tuple[datetime, str]:
        """(reference time, where it comes from: "capture", "given" or "validation")."""
        if self.at is not None:
            at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)
            return at, self.at_source or "given"
        return datetime.now(UTC), "validation"
