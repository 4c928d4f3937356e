"""A sandbox run: the profile read, its platforms probed, and what the relays met on the way.

`prepare` runs before the run folder exists: it reads the profile and probes every upstream, so an
unreachable or impersonated platform stops the run with a usage error (exit 2) and no certificate.
`plugin.join` then ties the run to the pytest session.

A socle's fixture asks `platform_of(config, socle)`: `None` in a run against the mocks, else the run
and the socle's `Platform`, from which it starts its relay instead of its mock service. Relays report
a platform that failed mid-exchange through `SandboxRun.failed`; the plugin turns it into failing
findings of the scenario that was running, naming the platform.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from conformance.engine.capture.probe import Observed, probe
from conformance.engine.capture.profile import Platform, SandboxProfile, Upstream, read_profile
from conformance.messages import Text

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceRef
    from conformance.engine.request import RunRequest
    from conformance.socle import Socle

SANDBOX_KEY = pytest.StashKey["SandboxRun"]()
MODES = ("as-is", "tester", "no")  # the values of @pytest.mark.sandbox(mode, reason)


class NotInSandbox(Exception):  # noqa: N818 - a reason, not an error: the scenario is reported "not run"
    """Raised by a relay (or a fixture) asked for what a platform the harness does not control cannot do."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


@dataclass(frozen=True)
class UpstreamFailure:
    platform: str
    upstream: str  # the endpoint
    what: str
    evidence: str  # the journal file that keeps the exchange
    scenario: str | None


class SandboxRun:
    """The profile of the run, what its probe saw, and the failures of its platforms."""

    def __init__(self, profile: SandboxProfile, observed: Sequence[Observed], tester: bool = False) -> None:
        self.profile = profile
        self.observed = list(observed)
        self.tester = tester
        self._lock = threading.Lock()
        self._failures: list[UpstreamFailure] = []

    def platform(self, socle: str) -> Platform:
        return self.profile.platforms[socle]

    def failed(self, up: Upstream | str, what: str, evidence: EvidenceRef | None, scenario: str | None) -> None:
        """A platform answered garbage or closed mid-exchange: the running scenario will say so."""
        endpoint = up.endpoint if isinstance(up, Upstream) else up
        ref = evidence.path if evidence is not None else ""
        with self._lock:
            self._failures.append(UpstreamFailure(self.profile.name, endpoint, what, ref, scenario))

    def failures_of(self, scenario: str) -> list[UpstreamFailure]:
        with self._lock:
            return [f for f in self._failures if f.scenario == scenario]

    def public(self) -> dict[str, Any]:
        return {**self.profile.public(), "observed": [o.to_json() for o in self.observed]}


def prepare(request: RunRequest, socles: Sequence[Socle]) -> SandboxRun | None:
    """Read the profile and probe its platforms (SandboxError: exit 2); None for a run against the mocks."""
    if request.sandbox is None:
        return None
    profile = read_profile(request.sandbox, socles)
    observed = [probe(up) for up in profile.upstreams()]
    return SandboxRun(profile, observed, tester=request.sandbox_tester)


def platform_of(config: pytest.Config, socle: str) -> tuple[SandboxRun, Platform] | None:
    """For a socle's fixture: the sandbox run and the socle's platform, or None against the mocks."""
    run = config.stash.get(SANDBOX_KEY, None)
    if run is None or socle not in run.profile.platforms:
        return None
    return run, run.platform(socle)
