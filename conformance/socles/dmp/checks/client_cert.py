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

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .collector import Collector
from .readers import ClientCertificate

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


@check("dmp-client-cert", "dmp", RID)
def check_client_certificate(client: ClientCertificate, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    cert = client.cert
    loc = "TLS handshake (client certificate)"
    bundle_path = str(ctx.extra.get("ca_bundle") or "")
    if bundle_path:
        bundle = x509.load_pem_x509_certificates(Path(bundle_path).read_bytes())
        if not _issuer_in(cert, bundle):
            out.fail(RID, M.text("cert.issuer", issuer=cert.issuer.rfc4514_string()), loc)
    try:
        usages = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = []
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        out.fail(RID, M.text("cert.usage"), loc)
    units = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    structure = client.vihf_structure
    if structure and not any(u and structure.endswith(u) for u in units):
        text = (
            M.text("cert.structure", units=units, structure=structure)
            if units
            else M.text("cert.no-structure", structure=structure)
        )
        out.fail(RID, text, loc)
    out.cover(RID, M.text("cert.ok"), loc)
    return out.finish()
