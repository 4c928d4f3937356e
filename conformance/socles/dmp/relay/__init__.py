"""The DMP's recording relay: the DUI's ITI-41, ITI-18, ITI-43 and TD0.2 go to a real test platform.

`RELAY` is what a sandbox profile gives for the DMP: `[dmp.https]` (the platform's URL, CA and the
vendor's authentication certificate) and, in `[dmp]`, the paths of the transactions below that URL
when they are not the mock's, the CA that must vouch for the DUI's signatures (`signature_ca`,
default: the platform's CA) and, for the demonstration DUI only, the certificate it signs its VIHF and
XAdES with (`signing_cert`, `signing_key`: a real DUI signs with its own), and the platform's repository
uniqueId (`repository_id`) when it is not the mock's.
"""

from conformance.socle import Relay

RELAY = Relay(
    upstreams={"https": "https"},
    files=("signing_cert", "signing_key", "signature_ca"),
    texts=("iti41", "iti18", "iti43", "td02", "repository_id"),
)
