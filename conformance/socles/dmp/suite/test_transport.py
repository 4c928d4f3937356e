"""The DUI's TLS with the DMP: it authenticates the server (another CA, an expired certificate: it
sends nothing), and it authenticates itself with the structure's certificate."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, document

# the server certificates the DUI must refuse (the judge names each)
SERVERS = ("rogue-ca", "expired")


@pytest.mark.parametrize("variant", [pytest.param(v, marks=pytest.mark.requirements("DMP-H01"), id=v) for v in SERVERS])
def test_refuse_untrusted_dmp_server(dmp: DmpHarness, verify: Verifier, variant: str) -> None:
    """Serveur DMP non authentifiable : le DUI refuse la connexion et n'envoie rien"""
    fed = dmp.feed("resident-qualified", document("suivi"), variant=variant)
    facts = {**fed.facts(), "variant": variant}
    verify.observe("DMP-H01", "transport.server", facts, "TLS handshake + DMP traffic")


@pytest.mark.requirements("DMP-H02")
def test_feed_with_the_structure_certificate(dmp: DmpHarness, verify: Verifier) -> None:
    """Versement authentifié par le certificat de la structure (IGC-Santé ORG)"""
    fed = dmp.feed("resident-qualified", document("suivi"))
    fed.check(verify)
