"""Which scenarios a sandbox run runs: the `sandbox` marker, read by the engine."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.engine.capture.plugin import plan
from conformance.engine.capture.sandbox import NotInSandbox
from conformance.messages import Text

REASON = Text("needs the mock", "nécessite le service simulé")


class Item:
    """What `plan` reads of a pytest item: its closest `sandbox` mark."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.mark = pytest.mark.sandbox(*args, **kwargs).mark if args or kwargs else None

    def get_closest_marker(self, name: str) -> Any:
        return self.mark if name == "sandbox" else None


def test_as_is_runs() -> None:
    assert plan(Item("as-is"), tester=False) is None  # type: ignore[arg-type]


def test_no_is_not_run_with_its_reason() -> None:
    assert plan(Item("no", REASON), tester=True) == REASON  # type: ignore[arg-type]


def test_tester_runs_only_with_the_tester() -> None:
    assert plan(Item("tester", REASON), tester=True) is None  # type: ignore[arg-type]
    said = plan(Item("tester", REASON), tester=False)  # type: ignore[arg-type]
    assert said is not None and said.fr.startswith("nécessite le testeur") and said.fr.endswith(REASON.fr)


def test_a_scenario_that_says_nothing_is_not_run() -> None:
    said = plan(Item(), tester=True)  # type: ignore[arg-type]
    assert said is not None and "ne déclare pas" in said.fr


def test_an_unknown_mode_is_not_run_and_says_so() -> None:
    said = plan(Item("maybe"), tester=True)  # type: ignore[arg-type]
    assert said is not None and "'maybe'" in said.en


def test_relays_refuse_what_only_a_mock_can_do(tmp_path: Any) -> None:
    from conformance.engine.capture.profile import Platform, Upstream
    from conformance.engine.capture.sandbox import SandboxRun
    from conformance.engine.evidence import EvidenceJournal
    from conformance.formats.pki import TestPKI, pki_cache_dir
    from conformance.socles.dmp.relay.service import DmpRelay

    pki = TestPKI.load_or_create(pki_cache_dir())
    up = Upstream("dmp", "https", "https", "127.0.0.1", 1, "implicit", pki.ca_bundle, "localhost")
    relay = DmpRelay(EvidenceJournal(tmp_path), pki, SandboxRun.__new__(SandboxRun), Platform("dmp", {"https": up}))
    relay.variant = "rogue-ca"  # the DUI's leg is the harness's: its TLS variants still apply
    with pytest.raises(NotInSandbox) as caught:
        relay.td02_stale = True
    assert "plateforme réelle" in caught.value.reason.fr
    relay.pki.close()
