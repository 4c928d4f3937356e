"""conformance.formats.xmlsafe: a DOCTYPE is judged the same wherever it sits and whatever the encoding."""

from __future__ import annotations

import pytest

from conformance.formats.xmlsafe import EXTERNAL_DTD, INTERNAL_SUBSET, XmlRefused, parse_xml

FAR = b"<!--" + b"x" * 70_000 + b"-->"  # past the quick scan of the first 64 KB
UTF16 = '<?xml version="1.0" encoding="UTF-16"?>'


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("external near", b'<!DOCTYPE e SYSTEM "file:///etc/passwd"><e/>', EXTERNAL_DTD),
        ("external far", FAR + b'<!DOCTYPE e SYSTEM "file:///etc/passwd"><e/>', EXTERNAL_DTD),
        ("public far", FAR + b'<!DOCTYPE e PUBLIC "-//x//y" "http://x/y.dtd"><e/>', EXTERNAL_DTD),
        ("external utf-16", (UTF16 + '<!DOCTYPE e SYSTEM "/etc/passwd"><e/>').encode("utf-16"), EXTERNAL_DTD),
        ("entity near", b'<!DOCTYPE e [<!ENTITY a "b">]><e>&a;</e>', INTERNAL_SUBSET),
        ("entity far", FAR + b'<!DOCTYPE e [<!ENTITY a "b">]><e>&a;</e>', INTERNAL_SUBSET),
        ("attlist far", FAR + b"<!DOCTYPE e [<!ATTLIST e id ID #IMPLIED>]><e/>", INTERNAL_SUBSET),
        ("empty subset far", FAR + b"<!DOCTYPE e []><e/>", INTERNAL_SUBSET),
        ("subset utf-16", (UTF16 + '<!DOCTYPE e [<!ATTLIST e a CDATA "x">]><e/>').encode("utf-16"), INTERNAL_SUBSET),
    ],
)
def test_doctype_refused_with_one_reason_wherever_it_sits(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_xml(data)
    assert str(refused.value) == reason, name


@pytest.mark.parametrize(
    "data", [b"<!DOCTYPE e><e/>", FAR + b"<!DOCTYPE e ><e/>", (UTF16 + "<!DOCTYPE e><e/>").encode("utf-16"), b"<e/>"]
)
def test_a_bare_doctype_is_harmless(data: bytes) -> None:
    assert parse_xml(data).tag == "e"


def test_limits_are_refusals() -> None:
    with pytest.raises(XmlRefused, match="exceeds"):
        parse_xml(b"<e/>", max_bytes=3)
    with pytest.raises(XmlRefused, match="deeper than 5"):
        parse_xml(b"<a>" * 6 + b"</a>" * 6, max_depth=5)
    with pytest.raises(XmlRefused, match="malformed"):
        parse_xml(b"<a><b></a>")
