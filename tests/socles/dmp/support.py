"""Shared pieces of the DMP service, VIHF and feed tests: the test PKI, a running mock DMP and a
reference DUI configured for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from conformance import identities
from conformance.demo import DemoDriver
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI
from conformance.socles.dmp.build.vihf import VihfInput, signed_vihf
from conformance.socles.dmp.service import DmpService

PATIENT = identities.patient("resident-qualified")
INS_CX = f"{PATIENT['ins']}^^^&{PATIENT['ins_oid']}&ISO^NH"


def vihf(pki: TestPKI, cert: str = "signing_cert", key: str = "signing_key", **overrides: object) -> etree._Element:
    inp = VihfInput(structure_id="1990000001", resource_id=INS_CX)
    for name, value in overrides.items():
        setattr(inp, name, value)
    return signed_vihf(inp, pki.path(key).read_bytes(), pki.path(cert).read_bytes())


def vihf_bytes(pki: TestPKI, **overrides: object) -> bytes:
    return etree.tostring(vihf(pki, **overrides))


@contextmanager
def running_dmp(pki: TestPKI, folder: Path) -> Iterator[DmpService]:
    service = DmpService(EvidenceJournal(folder / "evidence"), pki)
    service.start()
    try:
        yield service
    finally:
        service.stop()


def demo_for(service: DmpService, defect: str | None = None) -> DemoDriver:
    dui = DemoDriver(defect)
    dui.configure({"dmp": {**service.settings(), "patients": identities.patients()}})
    return dui


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
