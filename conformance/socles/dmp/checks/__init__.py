"""DMP checks (registered on import): CDA header and body, INS, XDS metadata, CDA/XDS coherence.

Two artifact kinds: "cda" (a CDA R2 document, plain or self-presentable) and "xds-metadata" (a
SubmitObjectsRequest, a ProvideAndRegisterDocumentSetRequest or a SOAP Envelope carrying one).
An unreadable input fails the structural rule of its kind.
"""

from conformance.engine.validate import register_input_rule

from . import (  # noqa: F401  (registration)
    cda,
    cda_schema,
    client_cert,
    consult,
    outcome,
    schematron_pack,
    session,
    soap,
    vihf,
    xades,
    xds,
)

register_input_rule("cda", "dmp", "DMP-C02")
register_input_rule("xds-metadata", "dmp", "DMP-X01")
register_input_rule("soap", "dmp", "DMP-T01")
register_input_rule("vihf", "dmp", "DMP-V01")
register_input_rule("dmp-consult", "dmp", "DMP-H04")
