"""The answers of the mock DMP: ebXML RegistryResponse (Success or RegistryErrorList) and SOAP 1.2
faults, each inside a SOAP 1.2 envelope with wsa:Action and wsa:RelatesTo (IHE ITI TF-2 appendix V).

Error codes are the IHE XDS.b ones (ITI TF-3 table 4.2.4.1-2). The DMP's own codes for a closed
DMP or an opposition are in SEL-MP-037, which is not public: the mock answers XDSRegistryError
with a codeContext that says which, a documented stand-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from conformance.formats.ebrim import RS, SOAP12, WSA

SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
SEVERITY_ERROR = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
ITI41_RESPONSE = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"


@dataclass(frozen=True)
class RegistryError:
    code: str
    context: str
    location: str = ""

    def to_json(self) -> dict[str, str]:
        return {"errorCode": self.code, "codeContext": self.context, "location": self.location}


def response_envelope(action: str, relates_to: str | None) -> tuple[etree._Element, etree._Element]:
    env = etree.Element(f"{{{SOAP12}}}Envelope", nsmap={"soap": SOAP12, "wsa": WSA})
    header = etree.SubElement(env, f"{{{SOAP12}}}Header")
    etree.SubElement(header, f"{{{WSA}}}Action").text = action
    etree.SubElement(header, f"{{{WSA}}}MessageID").text = f"urn:uuid:{uuid.uuid4()}"
    if relates_to:
        etree.SubElement(header, f"{{{WSA}}}RelatesTo").text = relates_to
    return env, etree.SubElement(env, f"{{{SOAP12}}}Body")


def registry_response(errors: list[RegistryError], relates_to: str | None) -> bytes:
    env, body = response_envelope(ITI41_RESPONSE, relates_to)
    resp = etree.SubElement(body, f"{{{RS}}}RegistryResponse", nsmap={"rs": RS}, status=FAILURE if errors else SUCCESS)
    add_errors(resp, errors)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def add_errors(parent: etree._Element, errors: list[RegistryError]) -> None:
    """The rs:RegistryErrorList of `errors` under `parent` (nothing when there is none)."""
    if not errors:
        return
    lst = etree.SubElement(parent, f"{{{RS}}}RegistryErrorList")
    for e in errors:
        etree.SubElement(
            lst,
            f"{{{RS}}}RegistryError",
            errorCode=e.code,
            codeContext=e.context,
            location=e.location,
            severity=SEVERITY_ERROR,
        )


def soap_fault(code: str, reason: str, relates_to: str | None = None, subcode: str | None = None) -> bytes:
    """`code` is Sender or Receiver (SOAP 1.2 §5.4.6)."""
    env, body = response_envelope("http://www.w3.org/2005/08/addressing/soap/fault", relates_to)
    fault = etree.SubElement(body, f"{{{SOAP12}}}Fault")
    c = etree.SubElement(fault, f"{{{SOAP12}}}Code")
    etree.SubElement(c, f"{{{SOAP12}}}Value").text = f"soap:{code}"
    if subcode:
        sub = etree.SubElement(c, f"{{{SOAP12}}}Subcode")
        etree.SubElement(sub, f"{{{SOAP12}}}Value").text = subcode
    r = etree.SubElement(fault, f"{{{SOAP12}}}Reason")
    t = etree.SubElement(r, f"{{{SOAP12}}}Text")
    t.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    t.text = reason
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")
