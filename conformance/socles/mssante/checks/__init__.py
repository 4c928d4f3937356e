"""MSSanté checks (registered on import).

Artifact checks live here, one module per family of rules; the session checks (SMTP/IMAP traffic)
are another module, imported when present.
"""

from importlib import import_module
from importlib.util import find_spec

from conformance.engine.validate import register_input_rule

from . import acks, cda, documents, message, patient, pdf, xdm  # noqa: F401  (registration)

for _kind, _rid in (
    ("email", "MSS-MSG-01"),
    ("xdm", "MSS-XDM-01"),
    ("pdf", "MSS-DOC-03"),
    ("cda", "MSS-XDM-04"),
):
    register_input_rule(_kind, "mssante", _rid)

if find_spec(f"{__name__}.session") is not None:
    import_module(f"{__name__}.session")
