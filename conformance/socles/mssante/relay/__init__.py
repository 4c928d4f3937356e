"""The MSSanté socle's recording relay: the DUI's SMTP submission and IMAP go to a real operator.

`RELAY` is what a sandbox profile gives: `[mssante.smtp]` and `[mssante.imap]`, the operator's
submission and IMAP servers (host, port, `tls` = "starttls" or "implicit", the CA its certificate must
chain to) with the vendor's credentials for its test BAL: its certificate (`client_cert`,
`client_key`) and/or an account (`user` and `password_env` / `password_file`).
"""

from conformance.socle import Relay

RELAY = Relay(upstreams={"smtp": "smtp", "imap": "imap"})
