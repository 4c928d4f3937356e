"""The seeded defects of the reference DUI: `--dui demo:<name>` turns on exactly one.

Each defect is one realistic mistake that breaks exactly one requirement (an EXIGENCE) and
nothing else; a full run with it must fail that requirement only (tests/test_sensitivity.py).
This module is data; how each defect changes the DUI is in conformance/demo/switches.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    name: str
    socle: str
    requirement: str
    description: str


def _mss(name: str, requirement: str, description: str) -> Defect:
    return Defect(name, "mssante", requirement, description)


DEFECTS: tuple[Defect, ...] = (
    # transport and authentication
    _mss(
        "plaintext-fallback",
        "MSS-TLS-01",
        "SMTP: when the server offers no STARTTLS, sends the message in clear",
    ),
    _mss("imap-auth-before-starttls", "MSS-TLS-02", "IMAP: tries AUTHENTICATE before STARTTLS"),
    _mss("accept-tls10", "MSS-TLS-03", "accepts TLS 1.0/1.1"),
    _mss("accept-rogue-ca", "MSS-TLS-05", "accepts a server certificate from a CA outside IGC-Santé"),
    _mss("accept-expired", "MSS-TLS-06", "accepts an expired server certificate"),
    _mss("no-crl-check", "MSS-TLS-07", "does not check the CRL: accepts a revoked server certificate"),
    _mss(
        "client-cert-late",
        "MSS-AUTH-04",
        "first connects without the ORG certificate, presents it only once the operator refused",
    ),
    _mss("error-swallowed", "MSS-CONF-02", "operator unreachable: reports the message as sent"),
    # message
    _mss("no-message-id", "MSS-MSG-01", "messages have no Message-ID header"),
    _mss("reply-no-references", "MSS-MSG-02", "replies carry In-Reply-To but no References"),
    _mss("latin1-body", "MSS-MSG-03", "text body declared and encoded in ISO-8859-1"),
    _mss("bare-from", "MSS-MSG-05", "From: without display name"),
    _mss("missing-nil", "MSS-MSG-06", "no X-MSS-NIL header"),
    # documents in the message
    _mss("two-patients", "MSS-DOC-01", "the second document of a message is another usager's"),
    _mss("no-pdf-copy", "MSS-DOC-02", "only the first document gets its PDF copy"),
    _mss("pdf-not-pdfa", "MSS-DOC-03", "PDF copies do not declare PDF/A-1 in XMP"),
    _mss("subject-no-prefix", "MSS-DOC-04", "subject without the XDM/1.0/DDM+ prefix"),
    _mss("codecda-wrong", "MSS-DOC-05", "X-MSS-CODECDA carries the XDS classCode instead of the CDA code"),
    _mss(
        "x-mss-ins-only-to-usagers",
        "MSS-DOC-06",
        "X-MSS-INS only on messages to usagers, not to professionals",
    ),
    # IHE_XDM archive
    _mss("no-readme", "MSS-XDM-01", "IHE_XDM.zip without README.TXT"),
    _mss("metadata-no-association", "MSS-XDM-02", "METADATA.XML without HasMember associations"),
    _mss("wrong-hash", "MSS-XDM-03", "METADATA hash is the SHA-1 of the embedded PDF, not of the CDA file"),
    _mss("bad-nir-key", "MSS-XDM-04", "METADATA patientId with a wrong NIR key (the CDA is right)"),
    _mss("typecode-mismatch", "MSS-XDM-05", "METADATA typeCode differs from the CDA code"),
    # receiving
    _mss(
        "integrate-by-subject", "MSS-RCV-01", "identifies the usager from the subject, not METADATA patientId"
    ),
    _mss("prefix-shown", "MSS-RCV-03", "message list shows the XDM/1.0/DDM+ prefix"),
    _mss("patient-not-flagged", "MSS-RCV-04", "messages from usagers are not distinguished"),
    # receipts
    _mss("dnt-missing", "MSS-ACK-02", "read receipt asked but no Disposition-Notification-To"),
    _mss("receipts-ignored", "MSS-ACK-03", "incoming DSN/MDN are not correlated to the sent messages"),
    _mss("mdn-no-original-id", "MSS-ACK-04", "MDNs without Original-Message-ID"),
    # usager (Mon espace santé)
    _mss(
        "patient-address-unqualified", "MSS-PAT-01", "writes to the usager's address without a qualified INS"
    ),
    _mss("mes-lowercase", "MSS-PAT-02", "X-MSS-MES: fin (lower case)"),
    _mss(
        "send-invisible-doc", "MSS-PAT-03", "sends a document flagged invisible to the patient to the usager"
    ),
    _mss("ignore-opposition", "MSS-PAT-04", "ignores the usager's opposition to MSSanté sending"),
    # trust domain and traceability
    _mss("no-audit", "MSS-TRC-01", "BAL operations are not traced"),
    _mss(
        "send-outside-whitelist", "MSS-NEG-01", "sends health documents to a domain outside the liste blanche"
    ),
)


def defects_for(socle: str) -> list[Defect]:
    return [d for d in DEFECTS if d.socle == socle]


def find(name: str) -> Defect | None:
    return next((d for d in DEFECTS if d.name == name), None)
