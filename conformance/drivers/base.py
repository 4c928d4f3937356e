"""The driver contract, the same for every kind of driver.

The harness `configure`s the DUI once per run with the endpoints and credentials of the mock
services, then asks it to `act` (one verb, JSON-able parameters) and reads the `Outcome`. The
verbs are documented in docs/driver-protocol.md; the http driver carries exactly these objects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


class DriverError(Exception):
    """The driver itself failed (crash, timeout, protocol error): the scenario fails clearly.

    `key` and `params` name the problem for the run's console (`engine/console.toml`), which words it
    in the console's language before any scenario runs (the preflight); `str(exc)` is the English text.
    """

    def __init__(self, message: str, key: str = "", **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass
class Action:
    verb: str  # "<socle>.<verb>", e.g. "<socle>.send_documents" (docs/driver-protocol.md)
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"verb": self.verb, "params": self.params}


@dataclass
class Outcome:
    status: str  # "ok" | "refused" | "error"
    data: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "data": self.data, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        status = data.get("status")
        if status not in ("ok", "refused", "error"):
            raise DriverError(f"driver answered an invalid status: {status!r}")
        payload = data.get("data") or {}
        if not isinstance(payload, dict):
            raise DriverError("driver answered a 'data' that is not an object")
        return cls(status=status, data=payload, detail=str(data.get("detail", "")))


class Driver(ABC):
    """One DUI under test."""

    name: str = "driver"

    @abstractmethod
    def configure(self, settings: dict[str, Any]) -> None:
        """Give the DUI the endpoints, CA bundle, client certificate, BAL, etc. of this run."""

    @abstractmethod
    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        """Ask the DUI to do one thing; must return within `timeout` or raise DriverError."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the driver holds."""
