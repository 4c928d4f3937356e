"""Property: whatever bytes arrive, `conformance validate` answers a verdict with located findings in
both languages, no check crashes, in bounded time and memory (helpers.judge), for every artifact kind:
the good artifacts mutated byte by byte and tree by tree, and zip, MIME and JSON shapes from scratch."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .helpers import (
    byte_mutation,
    email_message,
    fhir_json,
    good_artifacts,
    judge,
    judge_kind,
    mime_tree,
    observed_record,
    xml_mutation,
    zip_archive,
)

KINDS = ["cda.xml", "soap.xml", "vihf.xml", "message.eml", "IHE_XDM.zip", "copie.pdf", "bundle.json"]
XML = ["cda.xml", "soap.xml", "vihf.xml"]


@pytest.mark.parametrize("name", KINDS)
@given(data=st.data())
def test_byte_mutations_of_every_kind(name: str, data: st.DataObject) -> None:
    judge(name, data.draw(byte_mutation(good_artifacts()[name])))


@pytest.mark.parametrize("name", XML)
@given(data=st.data())
def test_tree_mutations_of_xml_kinds(name: str, data: st.DataObject) -> None:
    judge(name, data.draw(xml_mutation(good_artifacts()[name])))


@given(archive=zip_archive())
def test_zip_archives(archive: bytes) -> None:
    judge("IHE_XDM.zip", archive)


@given(message=email_message())
def test_mime_messages(message: bytes) -> None:
    judge("message.eml", message)


@given(entity=mime_tree())
def test_mtom_packages(entity: bytes) -> None:
    head = (
        b'Content-Type: multipart/related; type="application/xop+xml"; start-info="application/soap+xml"; '
        b"boundary=b0\r\n\r\n"
    )
    judge(
        "request.mime",
        head
        + b"--b0\r\nContent-Type: application/xop+xml\r\n\r\n"
        + good_artifacts()["soap.xml"]
        + b"\r\n--b0\r\n"
        + entity
        + b"\r\n--b0--\r\n",
    )


@given(bundle=fhir_json())
def test_fhir_json(bundle: bytes) -> None:
    judge("bundle.json", bundle)


# -- the kinds only scenarios produce (the operator's and the DMP's records), through run_checks ------------


@pytest.mark.parametrize("kind", ["smtp-session", "imap-session", "dmp-exchange", "dmp-step", "dmp-chain"])
@given(data=st.data())
def test_observed_records(kind: str, data: st.DataObject) -> None:
    record = data.draw(observed_record(kind))
    judge_kind(kind, record)
