"""What a DMP request holds, for the checks of each part: one code path for scenarios and validate.

A ProvideAndRegister request carries its XDS metadata (judged with the document parts it
describes: hash, size, coherence with each CDA, the XAdES signature of the lot) and the documents
themselves (each judged as a CDA). The mock DMP's captured request and a saved request given to
`conformance validate` are expanded by this one function, so a defect in the metadata or in a
document fails the same requirement in both (`conformance.registry.expander`).

Which part is a CDA is decided from its content (a streaming parse, `formats.sniff`) or from the
DocumentEntry that declares it a CDA (mimeType text/xml or application/xslt+xml): a part declared a
CDA but holding something else is judged as a CDA, so its reader refuses it (DMP-C02) rather than
letting it pass unjudged. The signature part is the XAdES of the lot, judged with the metadata.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from conformance.formats.ebrim import SAML, SOAP12, WSSE
from conformance.formats.sniff import is_cda_bytes
from conformance.model import Artifact, CheckContext
from conformance.registry import expander

from .readers import DMP, ConsultRequest, SoapRequest
from .xds_model import is_signature, read_metadata

CDA_MIME_TYPES = ("text/xml", "application/xslt+xml")


@expander("soap", DMP)
def feed_parts(request: SoapRequest, art: Artifact, ctx: CheckContext) -> Iterator[Artifact]:
    yield Artifact(
        "xds-metadata",
        f"{art.name}#envelope",
        request.envelope_bytes,
        {"documents": request.documents, "tree": request.envelope},
    )
    md, _ = read_metadata(request.envelope, request.documents)
    if md is None:
        return  # the metadata's reader says why (DMP-X01)
    entries = {e.id: e for e in md.entries}
    # the parts, MTOM attachments or inline base64 alike (an unresolved or undecodable one is DMP-X04's)
    for doc_id, part in md.documents.items():
        data = part.data
        if data is None:
            continue
        entry = entries.get(doc_id)
        if entry is not None and is_signature(entry):
            continue
        mime = entry.el.get("mimeType", "") if entry is not None else ""
        if is_cda_bytes(data) or mime.strip().lower() in CDA_MIME_TYPES:
            yield Artifact("cda", f"{art.name}#{doc_id}", data, {"declared_mime_type": mime})


@expander("dmp-consult", DMP)
def consult_parts(request: ConsultRequest, art: Artifact, ctx: CheckContext) -> Iterator[Artifact]:
    """A search or retrieval holds the VIHF it presents: judged by the VIHF rules like a feed's token
    (DMP-H04 judges the call itself). Only a single assertion is handed on; DMP-H04 fails any other count."""
    found = request.envelope.findall(f"{{{SOAP12}}}Header/{{{WSSE}}}Security/{{{SAML}}}Assertion")
    if len(found) == 1:
        yield Artifact("vihf", f"{art.name}#vihf", etree.tostring(found[0]))
