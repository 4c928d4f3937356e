"""DMP-H02 on the certificate a DUI authenticated its TLS session with (kind "dmp-client-cert").

Input: the DER certificate the mock DMP saw in the handshake; `meta["vihf_structure"]`, the
Identifiant_Structure of the VIHF sent in that session; `ctx.extra["ca_bundle"]`, the test
IGC-Santé. The certificate must be a structure certificate of the IGC-Santé (issued by a CA of
the bundle), made for TLS client authentication, and name the same structure as the VIHF. The
exact IGC-Santé profile the DMP requires is in SEL-MP-037, not public: the rule is a
PRECONISATION (warning).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance.model import Artifact, CheckContext, Finding
from conformance.registry import check

from .collector import Collector

RID = "DMP-H02"


def _issuer_in(cert: x509.Certificate, bundle: list[x509.Certificate]) -> bool:
    for ca in bundle:
        if ca.subject != cert.issuer:
            continue
        key = ca.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey) and cert.signature_hash_algorithm is not None:
                key.verify(
                    cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
                )
                return True
        except Exception:  # noqa: BLE001 - any verification error means "not this issuer"
            continue
    return False


@check("dmp-client-cert", "dmp")
def check_client_certificate(artifact: Artifact, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector(evidence=artifact.sha256)
    loc = "TLS handshake (client certificate)"
    if not artifact.data:
        out.fail(RID, "no client certificate was presented", "aucun certificat client présenté", loc)
        return out.finish()
    try:
        cert = x509.load_der_x509_certificate(artifact.data)
    except ValueError as exc:
        out.fail(RID, f"unreadable client certificate: {exc}", f"certificat client illisible : {exc}", loc)
        return out.finish()
    bundle_path = str(ctx.extra.get("ca_bundle") or "")
    if bundle_path:
        bundle = x509.load_pem_x509_certificates(Path(bundle_path).read_bytes())
        if not _issuer_in(cert, bundle):
            out.fail(
                RID,
                f"client certificate issued by {cert.issuer.rfc4514_string()}, not the IGC-Santé",
                f"certificat client émis par {cert.issuer.rfc4514_string()}, hors IGC-Santé",
                loc,
            )
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = []
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        out.fail(
            RID,
            "the certificate is not made for TLS client authentication (no clientAuth usage)",
            "le certificat n'est pas un certificat d'authentification (pas d'usage clientAuth)",
            loc,
        )
    units = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    structure = str(artifact.meta.get("vihf_structure") or "")
    if structure and not any(u and structure.endswith(u) for u in units):
        out.fail(
            RID,
            f"the certificate names structure {units or 'none'}, the VIHF {structure}",
            f"le certificat nomme la structure {units or 'aucune'}, le VIHF {structure}",
            loc,
        )
    out.cover(
        RID,
        "TLS client authenticated with the structure's IGC-Santé authentication certificate",
        "client TLS authentifié par le certificat d'authentification IGC-Santé de la structure",
        loc,
    )
    return out.finish()
