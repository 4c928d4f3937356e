"""A Python driver skeleton: `conformance run --dui python:my_dui.driver:Driver` (PYTHONPATH=examples/python-driver).

The harness creates `Driver()` once per run, greets it (the import and the instantiation are the
preflight: a mistake here is a usage error, exit 2), calls `configure(settings)` once per socle with
the mock services' endpoints and test certificates, then `act(action, timeout)` for every step of
every scenario. The verbs, their parameters and the data to answer are in docs/driver-protocol.md.

Each verb is one method below: replace its body with calls to your DUI's own API (its REST API, a
service layer, a UI automation). A verb you have not implemented answers "unsupported verb": the
scenarios about it fail, which is the honest outcome. Answer:
- `Outcome("ok", data)` when the DUI did it;
- `Outcome("refused", detail=...)` when a rule made the DUI decline (the message it shows its user);
- `Outcome("error", detail=...)` when it tried and failed (operator unreachable, TLS refused...).
Never let an exception escape for a refusal: the harness would count it as a crash of the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.drivers.base import Action, Outcome
from conformance.drivers.base import Driver as BaseDriver


class NotYet(Exception):
    """A verb this driver does not implement yet."""


class Driver(BaseDriver):
    name = "my-dui"
    traffic_timeout = 30.0  # seconds the harness waits for your DUI's traffic after an action

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.verbs: dict[str, Callable[[dict[str, Any]], Outcome]] = {
            "mssante.send_documents": self.send_documents,
            "mssante.reply": self.reply,
            "mssante.send_mdn": self.send_mdn,
            "mssante.receive": self.receive,
            "dui.audit_trail": self.audit_trail,
            "dmp.feed": self.dmp_feed,
            "dmp.find": self.dmp_find,
            "dmp.retrieve": self.dmp_retrieve,
            "eprescription.prescribe": self.prescribe,
            "eprescription.cancel": self.cancel,
            "eprescription.share": self.share,
        }

    def configure(self, settings: dict[str, Any]) -> None:
        """One section per socle: `mssante` (host, smtp_port, imap_port, ca_bundle, crl, client_cert,
        client_key, bal, nil, whitelist, patients), `dmp` (url, query_url, ..., signing_cert), ...

        Point your DUI test instance at these endpoints and certificates (or configure it once with
        `conformance kit`, whose settings.json holds the same sections on the fixed ports).
        """
        self.settings.update(settings)

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        verb = self.verbs.get(action.verb)
        if verb is None:
            return Outcome("error", detail="unsupported verb")
        try:
            return verb(dict(action.params))
        except NotYet:
            return Outcome("error", detail="unsupported verb")

    # -- MSSanté ---------------------------------------------------------------------------------

    def send_documents(self, p: dict[str, Any]) -> Outcome:
        """Send `p["documents"]` of `p["patient"]` to `p["to"]` (and the usager's own address when
        `p["to_patient"]`), with the options asked; answer {"message_id": "<...>"}."""
        raise NotYet

    def reply(self, p: dict[str, Any]) -> Outcome:
        """Reply to the received message `p["message_id"]` with `p["body"]`; answer {"message_id"}."""
        raise NotYet

    def send_mdn(self, p: dict[str, Any]) -> Outcome:
        """Send the read receipt the received message `p["message_id"]` asked for; answer {"message_id"}."""
        raise NotYet

    def receive(self, p: dict[str, Any]) -> Outcome:
        """Read the BAL by IMAP, integrate what arrived; answer integrated, rejected, receipts, inbox."""
        raise NotYet

    def audit_trail(self, p: dict[str, Any]) -> Outcome:
        """Every BAL operation: {"entries": [{time, author, action, bal, request, message_id}]}."""
        raise NotYet

    # -- DMP -------------------------------------------------------------------------------------

    def dmp_feed(self, p: dict[str, Any]) -> Outcome:
        """Feed `p["document"]` to the DMP of `p["patient"]`; answer registry_status, errors, document_unique_id."""
        raise NotYet

    def dmp_find(self, p: dict[str, Any]) -> Outcome:
        raise NotYet

    def dmp_retrieve(self, p: dict[str, Any]) -> Outcome:
        raise NotYet

    # -- e-prescription --------------------------------------------------------------------------

    def prescribe(self, p: dict[str, Any]) -> Outcome:
        """Prescribe `p["lines"]` for `p["patient"]`; answer prescription_number, bundle, ordonnance_pdf."""
        raise NotYet

    def cancel(self, p: dict[str, Any]) -> Outcome:
        raise NotYet

    def share(self, p: dict[str, Any]) -> Outcome:
        raise NotYet
