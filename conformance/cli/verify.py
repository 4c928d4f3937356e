"""`conformance verify CERTIFICATE`: is a certificate someone handed you valid, signed by whom, and true?

Prints one of `valid` (exit 0: intact, and the signer chains to one of your `--trust` anchors),
`intact, signer not trusted` (exit 3: auto-attested, or a signer none of your anchors vouches for) or
`invalid` (exit 1), then the reasons; a usage error (unreadable anchors or CRLs) exits 2. `--json` prints
the same as one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import UsageFailure, echo_json


@click.command()
@click.argument("certificate", type=click.Path(path_type=Path))
@click.option(
    "--evidence",
    type=click.Path(path_type=Path),
    default=None,
    help="Run folder, its evidence/ folder, or evidence.zip: re-hash every evidence file (and, for a run folder, "
    "results.json and junit.xml) and read the software the exchanges name.",
)
@click.option(
    "--rejudge",
    is_flag=True,
    help="With --evidence: run every recorded check again on the evidence, at its capture time, and compare "
    "each requirement's verdict with the certificate's (a contradicted verdict makes it invalid).",
)
@click.option(
    "--trust",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Trust list: a PEM bundle, a certificate, or a directory of them (*.pem, *.crt, *.cer, *.der): the "
    "witnesses and signers you accept. Without it a signer is at best 'intact, signer not trusted'.",
)
@click.option(
    "--crl",
    "crls",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    multiple=True,
    help="CRL (PEM or DER, repeatable) to check the signer's chain against, besides those embedded at signing.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (status, reasons, signer, re-judgement).")
def verify(
    certificate: Path, evidence: Path | None, rejudge: bool, trust: Path | None, crls: tuple[Path, ...], as_json: bool
) -> None:
    """Answer valid / intact, signer not trusted / invalid for a certificate.html (exit 0 / 3 / 1; 2 usage)."""
    from conformance.certificate.trust import TrustError, load_anchors, read_crls
    from conformance.certificate.verify import verify_certificate

    if rejudge and evidence is None:
        raise UsageFailure("--rejudge re-judges the evidence: give --evidence RUN_DIR (or evidence.zip)")
    try:
        anchors = load_anchors(trust) if trust is not None else None
        revocations = read_crls(crls)
    except TrustError as exc:
        raise UsageFailure(str(exc)) from exc
    result = verify_certificate(certificate, evidence, anchors, revocations, rejudge_evidence=rejudge)
    if as_json:
        echo_json(result.to_json())
        sys.exit(result.exit_code)
    click.echo(result.status)
    if result.signer is not None and result.signer.subject:
        click.echo(f"  signer: {result.signer.subject}")
        click.echo(f"  signer certificate SHA-256: {result.signer.fingerprint}")
    witness = (result.payload or {}).get("witness")
    if witness:
        click.echo(f"  witnessed by: {witness.get('statement')}")
    for problem in result.problems:
        click.echo(f"  - {problem}")
    for note in result.notes:
        click.echo(f"  * {note}")
    if result.comparisons is not None:
        confirmed = len(result.comparisons) - len(result.contradicted)
        click.echo(
            f"  re-judged {result.rejudged} judgements: {confirmed} requirement(s) confirmed, "
            f"{len(result.contradicted)} contradicted"
        )
    sys.exit(result.exit_code)
