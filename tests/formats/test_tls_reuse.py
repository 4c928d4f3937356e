"""Client TLS contexts kept while their files are unchanged (`conformance.formats.tls_reuse`): the reference
DUI's contexts are built once, and again as soon as a CRL or a certificate they read is replaced."""

from __future__ import annotations

import os
import shutil
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance.formats import tls_reuse
from conformance.formats.pki import TestPKI


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    tls_reuse.forget()
    yield
    tls_reuse.forget()


def counting(pki_files: tuple[Path, ...]) -> tuple[list[ssl.SSLContext], Callable[[], ssl.SSLContext]]:
    built: list[ssl.SSLContext] = []

    def build() -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(pki_files[0]))
        built.append(ctx)
        return ctx

    return built, build


def test_the_same_files_give_the_same_context(session_pki: TestPKI, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    shutil.copyfile(session_pki.ca_bundle, bundle)
    built, build = counting((bundle,))
    first = tls_reuse.reused("p", (bundle, None), build)
    assert tls_reuse.reused("p", (bundle, None), build) is first
    assert len(built) == 1
    # other parameters (another set of seeded flaws) are another context
    assert tls_reuse.reused("q", (bundle, None), build) is not first
    assert len(built) == 2


def test_a_replaced_file_gives_a_new_context(session_pki: TestPKI, tmp_path: Path) -> None:
    """A CRL rewritten during a run (atomic replace: a new inode; or in place: a new time or size) is read again."""
    bundle, crl = tmp_path / "ca.pem", tmp_path / "crl.pem"
    shutil.copyfile(session_pki.ca_bundle, bundle)
    shutil.copyfile(session_pki.crl, crl)
    built, build = counting((bundle,))
    first = tls_reuse.reused("p", (bundle, crl), build)
    fresh = tmp_path / "crl.new"
    shutil.copyfile(session_pki.crl, fresh)
    os.replace(fresh, crl)  # same bytes, new file
    second = tls_reuse.reused("p", (bundle, crl), build)
    assert second is not first and len(built) == 2
    with crl.open("ab") as f:  # rewritten in place
        f.write(b"\n")
    assert tls_reuse.reused("p", (bundle, crl), build) is not second
    crl.unlink()  # gone: its own identity, built again (and the builder says what is missing)
    tls_reuse.reused("p", (bundle, crl), build)
    assert len(built) == 4


def test_a_failing_build_is_not_kept(tmp_path: Path) -> None:
    calls = []

    def build() -> ssl.SSLContext:
        calls.append(1)
        raise ssl.SSLError("no key")

    for _ in range(2):
        with pytest.raises(ssl.SSLError):
            tls_reuse.reused("p", (tmp_path / "absent.pem",), build)
    assert len(calls) == 2


def test_the_reference_dui_reuses_its_dmp_context(session_pki: TestPKI) -> None:
    """What the reference DUI asks for twice with the same configuration is one context."""
    from conformance.socles.dmp.reference.client import DmpConfig, DmpTls, tls_context

    p = session_pki
    files = (p.ca_bundle, p.crl, p.client_cert, p.client_key, p.signing_cert, p.signing_key)
    cfg = DmpConfig("https://localhost:1/", *files)
    assert tls_context(cfg, DmpTls()) is tls_context(cfg, DmpTls())
    assert tls_context(cfg, DmpTls(any_issuer=True)) is not tls_context(cfg, DmpTls())
    assert tls_context(cfg, DmpTls(any_issuer=True)).verify_mode == ssl.CERT_NONE  # the defect's own context
    assert tls_context(cfg, DmpTls()).verify_mode == ssl.CERT_REQUIRED
