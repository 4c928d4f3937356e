"""The artifact kinds the DMP socle recognises in a file, beyond the generic ones."""

from __future__ import annotations

from conformance.formats.ebrim import QUERY, XDSB
from conformance.formats.sniff import Sniffed, soap_body

_CONSULT = {(QUERY, "AdhocQueryRequest"), (XDSB, "RetrieveDocumentSetRequest")}


def is_consult(s: Sniffed) -> bool:
    """A DMP search or retrieval (ITI-18, ITI-43): a SOAP envelope whose Body carries the query, not a feed."""
    return soap_body(s.xml) in _CONSULT
