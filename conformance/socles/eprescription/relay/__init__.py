"""The e-prescription socle's recording relay: the DUI's FHIR calls go to a real test service.

`RELAY` is what a sandbox profile gives: `[eprescription.https]`, the service's FHIR base URL (the
DUI's calls are relayed below it: `Bundle`, `Bundle/{number}/$cancel`...), its CA and the vendor's
authentication certificate; and `number_system` in `[eprescription]` when the service identifies the
prescriptions it registers with another identifier system than the stand-in's.
"""

from conformance.socle import Relay

RELAY = Relay(upstreams={"https": "https"}, texts=("number_system",))
