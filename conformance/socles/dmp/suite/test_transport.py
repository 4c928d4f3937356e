"""The DUI's TLS with the DMP: it authenticates the server (another CA, an expired certificate: it
sends nothing), and it authenticates itself with the structure's certificate."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, document
from conformance.socles.dmp.messages import M

# the server certificates the DUI must refuse, and how a finding names each
SERVERS = {"rogue-ca": M.text("transport.rogue-ca"), "expired": M.text("transport.expired")}


@pytest.mark.sandbox("as-is")
@pytest.mark.parametrize("variant", [pytest.param(v, marks=pytest.mark.requirements("DMP-H01"), id=v) for v in SERVERS])
def test_refuse_untrusted_dmp_server(dmp: DmpHarness, verify: Verifier, variant: str) -> None:
    """Serveur DMP non authentifiable : le DUI refuse la connexion et n'envoie rien"""
    fed = dmp.feed("resident-qualified", document("suivi"), variant=variant)
    label = SERVERS[variant]
    verify.expect(
        "DMP-H01",
        not fed.outcome.ok and not fed.exchanges,
        label + M.text("transport.server-reached", status=fed.outcome.status, count=len(fed.exchanges)),
        ok_text=label + M.text("transport.server-refused", detail=fed.outcome.detail[:160]),
        location="TLS handshake + DMP traffic",
        evidence={"outcome": fed.outcome.to_json(), "requests": len(fed.exchanges)},
    )


@pytest.mark.sandbox("as-is")
@pytest.mark.requirements("DMP-H02")
def test_feed_with_the_structure_certificate(dmp: DmpHarness, verify: Verifier) -> None:
    """Versement authentifié par le certificat de la structure (IGC-Santé ORG)"""
    fed = dmp.feed("resident-qualified", document("suivi"))
    fed.check(verify)
