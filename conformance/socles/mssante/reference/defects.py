"""The seeded MSSanté defects of the reference DUI: `--dui demo:<name>` turns on exactly one.

Each row is one realistic mistake and the one place it is named: name, the requirement it must fail
(and nothing else: tests/test_sensitivity.py), what it does, and the switch it turns on in the MSSanté
part (a `Deviations` of what is built, a `TlsFlaws` of the transport or a `Lapse` of the DUI's
decisions, see `switches`).
"""

from __future__ import annotations

from conformance.socle import Defect, defect_row
from conformance.socles.mssante.build.inputs import Deviations
from conformance.socles.mssante.reference.client import TlsFlaws
from conformance.socles.mssante.reference.switches import Lapse

_mss = defect_row("mssante")


DEFECTS: tuple[Defect, ...] = (
    # transport and authentication
    _mss(
        "plaintext-fallback",
        "MSS-TLS-01",
        "SMTP: when the server offers no STARTTLS, sends the message in clear",
        TlsFlaws(plaintext_fallback=True),
    ),
    _mss(
        "imap-auth-before-starttls",
        "MSS-TLS-02",
        "IMAP: tries AUTHENTICATE before STARTTLS",
        TlsFlaws(imap_auth_before_starttls=True),
    ),
    _mss("accept-tls10", "MSS-TLS-03", "accepts TLS 1.0/1.1", TlsFlaws(allow_tls10=True)),
    _mss(
        "accept-rogue-ca",
        "MSS-TLS-05",
        "accepts a server certificate from a CA outside IGC-Santé",
        TlsFlaws(any_issuer=True),
    ),
    _mss("accept-expired", "MSS-TLS-06", "accepts an expired server certificate", TlsFlaws(ignore_dates=True)),
    _mss(
        "no-crl-check",
        "MSS-TLS-07",
        "does not check the CRL: accepts a revoked server certificate",
        TlsFlaws(check_crl=False),
    ),
    _mss(
        "client-cert-late",
        "MSS-AUTH-04",
        "first connects without the ORG certificate, presents it only once the operator refused",
        TlsFlaws(client_cert_late=True),
    ),
    _mss(
        "send-as-other-bal",
        "MSS-AUTH-04",
        "sends first as the establishment's secretariat BAL under the certificate of its own BAL",
        TlsFlaws(sender_first="secretariat@ehpad-essai.mssante.fr"),
    ),
    _mss(
        "error-swallowed",
        "MSS-CONF-02",
        "operator unreachable: reports the message as sent",
        Lapse.REPORTS_UNSENT_AS_SENT,
    ),
    # message
    _mss("no-message-id", "MSS-MSG-01", "messages have no Message-ID header", Deviations(message_id=False)),
    _mss(
        "reply-no-references", "MSS-MSG-02", "replies carry In-Reply-To but no References", Deviations(references=False)
    ),
    _mss(
        "latin1-body",
        "MSS-MSG-03",
        "text body declared and encoded in ISO-8859-1",
        Deviations(text_charset="iso-8859-1"),
    ),
    _mss("bare-from", "MSS-MSG-05", "From: without display name", Deviations(from_display_name=False)),
    _mss("missing-nil", "MSS-MSG-06", "no X-MSS-NIL header", Deviations(nil_header=False)),
    # documents in the message
    _mss("two-patients", "MSS-DOC-01", "the second document of a message is another usager's", Lapse.MIXES_PATIENTS),
    _mss(
        "no-pdf-copy",
        "MSS-DOC-02",
        "only the first document gets its PDF copy",
        Deviations(pdf_copy_per_document=False),
    ),
    _mss("pdf-not-pdfa", "MSS-DOC-03", "PDF copies do not declare PDF/A-1 in XMP", Deviations(pdfa_declared=False)),
    _mss(
        "subject-no-prefix", "MSS-DOC-04", "subject without the XDM/1.0/DDM+ prefix", Deviations(subject_prefix=False)
    ),
    _mss(
        "codecda-wrong",
        "MSS-DOC-05",
        "X-MSS-CODECDA carries the XDS classCode instead of the CDA code",
        Deviations(codecda_from_cda=False),
    ),
    _mss(
        "x-mss-ins-only-to-usagers",
        "MSS-DOC-06",
        "X-MSS-INS only on messages to usagers, not to professionals",
        Deviations(x_mss_ins_to_professionals=False),
    ),
    # IHE_XDM archive
    _mss("no-readme", "MSS-XDM-01", "IHE_XDM.zip without README.TXT", Deviations(readme=False)),
    _mss(
        "metadata-no-association",
        "MSS-XDM-02",
        "METADATA.XML without HasMember associations",
        Deviations(associations=False),
    ),
    _mss(
        "wrong-hash",
        "MSS-XDM-03",
        "METADATA hash is the SHA-1 of the embedded PDF, not of the CDA file",
        Deviations(hash_of_document=False),
    ),
    _mss(
        "bad-nir-key",
        "MSS-XDM-04",
        "METADATA patientId with a wrong NIR key (the CDA is right)",
        Deviations(patient_id_key_valid=False),
    ),
    _mss(
        "typecode-mismatch",
        "MSS-XDM-05",
        "METADATA typeCode differs from the CDA code",
        Deviations(typecode_from_cda=False),
    ),
    _mss(
        "cda-declared-pdf",
        "MSS-XDM-07",
        "METADATA declares the CDA files application/pdf (the mimeType of their PDF copy)",
        Deviations(mime_type="application/pdf"),
    ),
    # receiving
    _mss(
        "integrate-by-subject",
        "MSS-RCV-01",
        "identifies the usager from the subject, not METADATA patientId",
        Lapse.IDENTIFIES_BY_SUBJECT,
    ),
    _mss("prefix-shown", "MSS-RCV-03", "message list shows the XDM/1.0/DDM+ prefix", Lapse.SHOWS_ROUTING_PREFIX),
    _mss(
        "patient-not-flagged", "MSS-RCV-04", "messages from usagers are not distinguished", Lapse.HIDES_PATIENT_SENDER
    ),
    # receipts
    _mss(
        "dnt-missing",
        "MSS-ACK-02",
        "read receipt asked but no Disposition-Notification-To",
        Deviations(read_receipt_header=False),
    ),
    _mss(
        "receipts-ignored",
        "MSS-ACK-03",
        "incoming DSN/MDN are not correlated to the sent messages",
        Lapse.IGNORES_RECEIPTS,
    ),
    _mss(
        "mdn-no-original-id",
        "MSS-ACK-04",
        "MDNs without Original-Message-ID",
        Deviations(mdn_original_message_id=False),
    ),
    # usager (Mon espace santé)
    _mss(
        "patient-address-unqualified",
        "MSS-PAT-01",
        "writes to the usager's address without a qualified INS",
        Lapse.WRITES_TO_UNQUALIFIED,
    ),
    _mss("mes-lowercase", "MSS-PAT-02", "X-MSS-MES: fin (lower case)", Deviations(mes_value="fin")),
    _mss(
        "send-invisible-doc",
        "MSS-PAT-03",
        "sends a document flagged invisible to the patient to the usager",
        Lapse.SENDS_MASKED_DOCUMENT,
    ),
    _mss(
        "ignore-opposition",
        "MSS-PAT-04",
        "ignores the usager's opposition to MSSanté sending",
        Lapse.IGNORES_OPPOSITION,
    ),
    # trust domain and traceability
    _mss("no-audit", "MSS-TRC-01", "BAL operations are not traced", Lapse.KEEPS_NO_TRAIL),
    _mss(
        "send-outside-whitelist",
        "MSS-NEG-01",
        "sends health documents to a domain outside the liste blanche",
        Lapse.IGNORES_WHITELIST,
    ),
)
