"""Fixtures of the e-prescription tests: one stand-in service per module and a mutual-TLS client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI, pki_cache_dir
from conformance.socles.eprescription.service import PrescriptionService
from tests.socles.eprescription.helpers import Client


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrescriptionService]:
    journal = EvidenceJournal(Path(tmp_path_factory.mktemp("ep-evidence")))
    svc = PrescriptionService(journal, TestPKI.load_or_create(pki_cache_dir()))
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()
        journal.close()


@pytest.fixture
def client(service: PrescriptionService) -> Client:
    service.policy = "strict"
    return Client(service)
