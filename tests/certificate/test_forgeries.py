"""The issue's "What was found", tried as a hostile vendor would: no forgery ever comes out `valid`.

Each case is verified with the test PKI's root as trust anchor (what an instructor would trust): the
answer must be `invalid` or `intact, signer not trusted`. The genuine certificate, signed with the
cachet of the same PKI, is `valid`, so a refusal below is never a verifier that refuses everything.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from conformance.certificate.sign import installation_signer, load_signer
from conformance.certificate.trust import INVALID, NOT_TRUSTED, VALID, load_anchors, read_crls
from conformance.certificate.verify import Verification, load_certificate, verify_certificate
from conformance.formats.pki import TestPKI
from tests.certificate.helpers import Forge, conformance, copy_run, reissue


def _verify(
    run_dir: Path, pki: TestPKI, *, evidence: bool = False, rejudge: bool = False, crls: tuple[Path, ...] = ()
) -> Verification:
    return verify_certificate(
        run_dir / "certificate.html",
        run_dir if evidence else None,
        load_anchors(pki.root_cert),
        read_crls(crls),
        rejudge_evidence=rejudge,
    )


def test_the_genuine_certificate_is_valid_and_counts(acme_run: Path, pki: TestPKI) -> None:
    result = _verify(acme_run, pki, evidence=True, rejudge=True)
    assert result.status == VALID, result.problems
    assert result.signer is not None and result.signer.organization == "TEST DUI-CONFORMANCE"
    payload = result.payload or {}
    assert payload["solution"]["status"] == "identified"
    assert payload["at_least_two"]["verdict"] is True and payload["policy"]["registered"] is True
    assert not result.contradicted and len(result.comparisons or []) > 100


@pytest.mark.parametrize(
    ("key", "cert", "why"),
    [
        ("client_key", "client_cert", "extended key usage"),
        ("server_key", "server_cert", "extended key usage"),
        ("intermediate_key", "intermediate_cert", "CA certificate"),
    ],
    ids=["tls-client-key", "server-key", "ca-key"],
)
def test_keys_that_may_not_sign_documents(
    acme_run: Path, pki: TestPKI, tmp_path: Path, key: str, cert: str, why: str
) -> None:
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, load_signer(pki.path(key), pki.path(cert)))
    result = _verify(run_dir, pki)
    assert result.status == INVALID and any(why in p for p in result.problems), result.problems


def test_a_leaf_minted_under_a_client_certificate(acme_run: Path, pki: TestPKI, forge: Forge, tmp_path: Path) -> None:
    client = (pki.certificate("client_cert"), pki.private_key("client_key"))
    key, leaf = forge.leaf("ACME SIGNATAIRE", issuer=client)
    chain = [leaf, client[0], pki.certificate("intermediate_cert"), pki.certificate("root_cert")]
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, forge.signer(key, chain))
    assert _verify(run_dir, pki).status == INVALID
    reissue(run_dir, forge.signer(key, chain[:2]))  # without the chain above it: the broken link is seen
    result = _verify(run_dir, pki)
    assert result.status == INVALID and any("not a certification authority" in p for p in result.problems)


@pytest.mark.parametrize("where", ["given", "embedded"])
def test_a_revoked_key(acme_run: Path, pki: TestPKI, forge: Forge, tmp_path: Path, where: str) -> None:
    key, leaf = forge.leaf("ACME CACHET REVOQUE")
    crl = forge.crl_revoking(leaf)
    chain = [leaf, pki.certificate("intermediate_cert")]
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, forge.signer(key, chain, crls=(crl,) if where == "embedded" else ()))
    if where == "given":
        assert _verify(run_dir, pki).status == VALID  # a revocation nobody shows cannot be seen...
    result = _verify(run_dir, pki, crls=(crl,) if where == "given" else ())  # ...shown, it is
    assert result.status == INVALID and any("revoked" in p for p in result.problems), result.problems


def test_an_expired_key_with_a_back_dated_signing_time(
    acme_run: Path, pki: TestPKI, forge: Forge, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    key, leaf = forge.leaf("ACME CACHET EXPIRE", start=now - dt.timedelta(days=400), end=now - dt.timedelta(days=30))
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, forge.signer(key, [leaf, pki.certificate("intermediate_cert")]), when=now - dt.timedelta(days=60))
    result = _verify(run_dir, pki)
    assert result.status == INVALID and any("not valid now" in p for p in result.problems), result.problems


def test_an_embedded_crl_betrays_a_back_dated_signature(
    acme_run: Path, pki: TestPKI, forge: Forge, tmp_path: Path
) -> None:
    key, leaf = forge.leaf("ACME CACHET")
    crl = forge.crl_revoking(forge.leaf("TIERS")[1])  # a fresh CRL of the ORG CA, not revoking the signer
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(
        run_dir,
        forge.signer(key, [leaf, pki.certificate("intermediate_cert")], crls=(crl,)),
        when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=6),
    )
    result = _verify(run_dir, pki)
    assert result.status == INVALID and any("back-dated" in p for p in result.problems), result.problems


def test_the_signer_shown_is_the_chain_not_the_payload(acme_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, load_signer(pki.signing_key, pki.signing_cert), signer={"subject": "Agence du Numérique en Santé"})
    result = _verify(run_dir, pki)
    assert result.status == VALID and result.signer is not None and result.signer.organization == "TEST DUI-CONFORMANCE"
    html = (run_dir / "certificate.html").read_text(encoding="utf-8")
    row = re.search(r"<th>Signataire</th><td>(.*?)</td>", html, re.S)
    assert row and row.group(1).startswith("TEST DUI-CONFORMANCE") and "Agence du Numérique" not in row.group(1)


def test_the_installation_key_is_never_trusted(acme_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    run_dir = copy_run(acme_run, tmp_path / "run")
    signer = installation_signer()
    reissue(run_dir, signer, auto_attested=False)  # a payload field says nothing: the key's marker does
    trust = tmp_path / "installation.pem"
    trust.write_bytes(signer.chain[0].public_bytes(Encoding.PEM))
    for anchors in (load_anchors(pki.root_cert), load_anchors(trust), None):
        result = verify_certificate(run_dir / "certificate.html", None, anchors)
        assert result.status == NOT_TRUSTED and result.signer is not None and result.signer.auto_attested
    assert "AUTO-ATTESTÉ" in (run_dir / "certificate.html").read_text(encoding="utf-8")


def test_a_self_made_key_without_anchors_is_not_trusted(acme_run: Path, forge: Forge, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Agence du Numérique en Santé")])
    own = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, forge.signer(key, [own]))
    assert verify_certificate(run_dir / "certificate.html").status == NOT_TRUSTED


def test_a_relaxed_policy_keeping_the_official_words(broken_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "profiles" / "policy" / "esms-numerique-2-socles.toml"
    relaxed = tmp_path / "policy.toml"
    relaxed.write_text(
        shipped.read_text(encoding="utf-8").replace("require_all_exigences = true", "require_all_exigences = false")
    )
    assert tomllib.loads(relaxed.read_text())["policy"]["id"] == tomllib.loads(shipped.read_text())["policy"]["id"]
    run_dir = copy_run(broken_run, tmp_path / "run")
    done = conformance(
        "report", run_dir, "--policy", relaxed, "--sign-key", pki.signing_key, "--sign-cert", pki.signing_cert
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads((run_dir / "certificate.json").read_text())
    assert payload["socles"]["mssante"]["counts"] is True and payload["policy"]["registered"] is False
    html = (run_dir / "certificate.html").read_text(encoding="utf-8")
    assert "POLITIQUE NON STANDARD" in html and "selon une politique non standard" in html
    assert '<span class="big v-yes">OUI</span>' not in html
    result = _verify(run_dir, pki, evidence=True)
    assert result.status == INVALID and any("not a registered policy" in p for p in result.problems)


def test_an_all_pass_results_json_reissued_with_the_installation_key(broken_run: Path, tmp_path: Path) -> None:
    run_dir = copy_run(broken_run, tmp_path / "run")
    results = json.loads((run_dir / "results.json").read_text())
    for socle in results["socles"].values():
        socle["verdict"] = "pass"
        for q in socle["requirements"].values():
            if q["verdict"] in ("fail", "warn", "not-tested"):
                q["verdict"], q["findings"] = "pass", []
    (run_dir / "results.json").write_text(json.dumps(results))
    assert conformance("report", run_dir).returncode == 0
    assert json.loads((run_dir / "certificate.json").read_text())["socles"]["mssante"]["verdict"] == "pass"
    plain = verify_certificate(run_dir / "certificate.html", run_dir)
    assert plain.status == NOT_TRUSTED  # every hash holds: the edit is in what was signed
    result = verify_certificate(run_dir / "certificate.html", run_dir, rejudge_evidence=True)
    assert result.status == INVALID
    contradicted = {c.requirement for c in result.contradicted}
    assert "MSS-MSG-06" in contradicted
    [msg06] = [c for c in result.contradicted if c.requirement == "MSS-MSG-06"]
    assert msg06.rejudged == "fail" and msg06.finding is not None and "X-MSS-NIL" in msg06.finding.message_en


def test_results_and_junit_are_covered(acme_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    for name in ("results.json", "junit.xml"):
        run_dir = copy_run(acme_run, tmp_path / name)
        (run_dir / name).write_text((run_dir / name).read_text() + "\n")
        result = _verify(run_dir, pki, evidence=True)
        assert result.status == INVALID and any(name in p for p in result.problems), result.problems


def test_a_spliced_signature(acme_run: Path, demo_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    a = copy_run(acme_run, tmp_path / "a")
    reissue(a, load_signer(pki.signing_key, pki.signing_cert))
    _, payload_b, envelope_b, _ = load_certificate(demo_run / "certificate.html")
    data, payload_a, envelope_a, _ = load_certificate(a / "certificate.html")
    html = data.decode()
    spliced = html.replace(envelope_a["signature"], envelope_b["signature"])
    assert spliced != html
    (a / "certificate.html").write_text(spliced)
    assert _verify(a, pki).status == INVALID


def test_a_swapped_embedded_certificate(acme_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    run_dir = copy_run(acme_run, tmp_path / "run")
    reissue(run_dir, installation_signer())
    data, payload, envelope, _ = load_certificate(run_dir / "certificate.html")
    trusted = load_signer(pki.signing_key, pki.signing_cert).chain
    pems = [c.public_bytes(Encoding.PEM).decode("ascii") for c in trusted]
    html = data.decode()
    old = json.dumps(envelope["chain"], separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    new = json.dumps(pems, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    assert old in html
    (run_dir / "certificate.html").write_text(html.replace(old, new))
    result = _verify(run_dir, pki)
    assert result.status == INVALID and any("signature does not verify" in p for p in result.problems)
    assert base64.b64decode(envelope["signature"])  # the signature itself was left as it was
