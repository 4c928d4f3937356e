"""Builders of real MSSanté artifacts, shared by the reference DUI and the harness's incoming messages.

inputs (who and what) -> pdf (the printed document) -> cda (CDA R2 N1 around it) -> documents
(one built document, header read back) -> metadata (ebRIM from the CDA header) -> xdm (IHE_XDM.zip)
-> message (the RFC 5322 message with X-MSS-* headers) ; mdn (RFC 8098) ; receipts (reading DSN/MDN).
Every builder takes a `BuildEnv` (clock and randomness: fixed in tests, live otherwise) and a
`Deviations` (the reference by default; the seeded defects and the odd incoming messages depart
from it at exactly one place each).
"""
