"""The DMP checks: how each artifact kind is read (`readers`) and the rule groups judged on it.

Kinds: "cda" (a CDA R2 document, plain or self-presentable), "xds-metadata" (a
SubmitObjectsRequest, a ProvideAndRegisterDocumentSetRequest or a SOAP Envelope carrying one),
"soap" (the ITI-41 request as captured), "vihf" (a VIHF token), "dmp-consult" (an ITI-18 or ITI-43
request), and the observations of a feed ("dmp-exchange", "dmp-step", "dmp-chain",
"dmp-client-cert"). The modules register on import; the socle lists them (`SOCLE.checks`), so
this package imports none of them.
"""
