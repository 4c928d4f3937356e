"""The DUI's TLS with the DMP: it authenticates the server (another CA, an expired certificate: it
sends nothing), and it authenticates itself with the structure's certificate."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.dmp.fixtures import DmpHarness, document

SERVERS = [("rogue-ca", "certificat serveur d'une autorité inconnue"), ("expired", "certificat serveur expiré")]


@pytest.mark.parametrize(
    ("variant", "label"), [pytest.param(*v, marks=pytest.mark.requirements("DMP-H01"), id=v[0]) for v in SERVERS]
)
def test_refuse_untrusted_dmp_server(dmp: DmpHarness, verify: Verifier, variant: str, label: str) -> None:
    """Serveur DMP non authentifiable : le DUI refuse la connexion et n'envoie rien"""
    fed = dmp.feed("resident-qualified", document("suivi"), variant=variant)
    verify.expect(
        "DMP-H01",
        not fed.outcome.ok and not fed.exchanges,
        f"{variant}: the DUI answered {fed.outcome.status} and {len(fed.exchanges)} request(s) reached the server",
        f"{label} : le DUI a répondu {fed.outcome.status} et {len(fed.exchanges)} requête(s) ont atteint le serveur",
        en_ok=f"{variant}: connection refused by the DUI ({fed.outcome.detail[:160]})",
        fr_ok=f"{label} : connexion refusée par le DUI ({fed.outcome.detail[:160]})",
        location="TLS handshake + DMP traffic",
        evidence={"outcome": fed.outcome.to_json(), "requests": len(fed.exchanges)},
    )


@pytest.mark.requirements("DMP-H02")
def test_feed_with_the_structure_certificate(dmp: DmpHarness, verify: Verifier) -> None:
    """Versement authentifié par le certificat de la structure (IGC-Santé ORG)"""
    fed = dmp.feed("resident-qualified", document("suivi"))
    fed.check(verify)
