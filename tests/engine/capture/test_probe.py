"""Before any scenario: each upstream is reached as its relay will reach it, and must be the profile's."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.engine.capture.probe import probe
from conformance.engine.capture.profile import SandboxError, read_profile
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socle import get_socle
from tests.engine.capture.helpers import LoopbackPlatform

SOCLES = [get_socle("mssante"), get_socle("dmp"), get_socle("eprescription")]


def test_every_upstream_is_probed_with_its_protocol(platform: LoopbackPlatform, profile: Path) -> None:
    leaf = platform.pki.certificate("server_cert")
    from conformance.engine.capture.profile import cert_sha256

    for up in read_profile(profile, SOCLES).upstreams():
        seen = probe(up)
        assert seen.sha256 == cert_sha256(leaf), up.label
        assert seen.tls_version in ("TLSv1.2", "TLSv1.3") and "TEST SERV SSL" in seen.subject


def test_a_platform_vouched_for_by_another_ca_is_refused(platform: LoopbackPlatform, profile: Path) -> None:
    harness_ca = TestPKI.load_or_create(pki_cache_dir()).ca_bundle  # the harness's CA, not the platform's
    for up in read_profile(profile, SOCLES).upstreams():
        with pytest.raises(SandboxError, match="does not match the profile") as caught:
            probe(replace(up, ca=harness_ca))
        assert up.endpoint in str(caught.value)


def test_a_pinned_certificate_must_be_the_one_presented(platform: LoopbackPlatform, profile: Path) -> None:
    up = read_profile(profile, SOCLES).platforms["dmp"].upstreams["https"]
    with pytest.raises(SandboxError, match="presented certificate .* the profile expects 0000"):
        probe(replace(up, fingerprint="0" * 64))


def test_the_name_on_the_certificate_is_checked(platform: LoopbackPlatform, profile: Path) -> None:
    up = read_profile(profile, SOCLES).platforms["mssante"].upstreams["imap"]
    with pytest.raises(SandboxError, match="does not match the profile"):
        probe(replace(up, server_name="operator.example"))


def test_an_unreachable_platform(profile: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    for up in read_profile(profile, SOCLES).upstreams():
        with pytest.raises(SandboxError, match="unreachable"):
            probe(replace(up, port=free), timeout=2)
