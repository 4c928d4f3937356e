"""The artifact kinds the DMP socle recognises in a file, beyond the generic ones."""

from __future__ import annotations

import re

from conformance.formats.sniff import Sniffed

_CONSULT = re.compile(rb"<(\w+:)?(AdhocQueryRequest|RetrieveDocumentSetRequest)\b")


def is_consult(s: Sniffed) -> bool:
    """A DMP search or retrieval (ITI-18, ITI-43): a SOAP envelope carrying the query, not a feed."""
    return s.xml_root == b"Envelope" and _CONSULT.search(s.head) is not None
