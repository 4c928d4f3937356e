"""Sending one CDA N1 document (with its PDF) to a professional's BAL."""

from __future__ import annotations

import pytest

from conformance.engine.verifier import Verifier
from conformance.socles.mssante.fixtures import MssHarness, Sent, doc_request

pytestmark = pytest.mark.sandbox("as-is")  # how it runs against a sandbox (conformance.engine.capture.plugin)


@pytest.fixture(scope="module")
def sent(mss: MssHarness) -> Sent:
    return mss.send("resident-qualified", [doc_request("lettre")], ["doctor"])


@pytest.mark.requirements("MSS-MSG-01", "MSS-MSG-05", "MSS-MSG-06")
def test_message_headers(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : en-têtes RFC 5322, nom affiché, X-MSS-NIL"""
    sent.check(verify)


@pytest.mark.requirements("MSS-MSG-03", "MSS-MSG-04")
def test_text_parts(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : corps texte en UTF-8"""
    sent.check(verify)


@pytest.mark.requirements("MSS-DOC-02", "MSS-DOC-03")
def test_attachments_and_pdf_copies(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : IHE_XDM.zip et copie PDF/A-1 nommée selon la règle"""
    sent.check(verify)


@pytest.mark.requirements("MSS-DOC-04")
def test_subject(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : objet XDM/1.0/DDM+"""
    sent.check(verify)


@pytest.mark.requirements("MSS-DOC-05", "MSS-DOC-06")
def test_mss_headers(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : en-têtes X-MSS-CODECDA et X-MSS-INS"""
    sent.check(verify)


@pytest.mark.requirements("MSS-XDM-01", "MSS-XDM-02", "MSS-XDM-03")
def test_xdm_package(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : structure de l'archive IHE_XDM, hash, taille et URI"""
    sent.check(verify)


@pytest.mark.requirements("MSS-XDM-04", "MSS-DOC-01")
def test_patient_identity(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : INS de l'usager dans METADATA et le CDA, un seul usager"""
    sent.check(verify)


@pytest.mark.requirements("MSS-XDM-05", "MSS-XDM-07")
def test_metadata_codes(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : métadonnées XDS cohérentes avec l'en-tête CDA, les jeux de valeurs et le contenu"""
    sent.check(verify)


@pytest.mark.requirements("MSS-TLS-01", "MSS-TLS-03", "MSS-TLS-04", "MSS-AUTH-04")
def test_submission_transport(sent: Sent, verify: Verifier) -> None:
    """Envoi à un professionnel : STARTTLS, TLS ≥ 1.2, suite robuste, certificat ORG présenté"""
    sent.check_sessions(verify, variant="good")
