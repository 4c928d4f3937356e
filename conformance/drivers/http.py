"""The http driver: any DUI, in any language, implements two JSON endpoints (docs/driver-protocol.md).

POST {base}/configure  body: settings          -> 200 {"status": "ok"}
POST {base}/act        body: {"verb", "params"} -> 200 {"status": "ok"|"refused"|"error", "data", "detail"}

Before any scenario the harness greets the DUI (`hello`): a first `/configure` whose only section is
`harness` (who calls, which socles the run selects). A DUI ignores sections it does not know, so any
implementation of the protocol answers it; an address where nothing listens, or something that is not
a driver bridge, is then a usage error in seconds instead of a run of failed scenarios.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from conformance.drivers.base import Action, Driver, DriverError, Outcome

MAX_ANSWER_BYTES = 16 * 1024 * 1024
HELLO_TIMEOUT = 3.0  # seconds: the preflight must answer within 5 s


class HttpDriver(Driver):
    name = "http"

    def __init__(self, base_url: str, traffic_timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if not parts.hostname:
            raise DriverError(f"no host in {base_url!r}", "dui-unknown", spec=base_url)
        self.base = base_url.rstrip("/")
        self.traffic_timeout = traffic_timeout

    def _post(self, path: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        url = self.base + path
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL given by the user
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise DriverError(
                f"{url} answered HTTP {exc.code}", "dui-http-status", url=self.base, status=exc.code
            ) from exc
        except OSError as exc:  # URLError, TimeoutError, a reset connection...
            raise self._unreachable(url, exc, timeout) from exc
        if len(raw) > MAX_ANSWER_BYTES:
            raise DriverError(f"{url} answered more than {MAX_ANSWER_BYTES} bytes")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise DriverError(f"{url} answered invalid JSON: {exc}", "dui-http-not-json", url=self.base) from exc
        if not isinstance(data, dict):
            raise DriverError(f"{url} answered JSON that is not an object", "dui-http-not-json", url=self.base)
        return data

    def _unreachable(self, url: str, exc: OSError, timeout: float) -> DriverError:
        """Nothing answered: a timeout, or the reason the connection failed (refused, unknown host...)."""
        reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError | socket.timeout):
            seconds = f"{timeout:.0f}"
            return DriverError(
                f"{url} did not answer within {seconds} s", "dui-http-timeout", url=self.base, seconds=seconds
            )
        text = getattr(reason, "strerror", None) or str(reason)
        return DriverError(f"{url} unreachable: {text}", "dui-http-unreachable", url=self.base, reason=text)

    def hello(self, harness: dict[str, Any], timeout: float = HELLO_TIMEOUT) -> None:
        """The preflight handshake: `/configure` with the `harness` section only, answered within `timeout`."""
        answer = self._post("/configure", {"harness": harness}, timeout)
        if answer.get("status") != "ok":
            detail = str(answer.get("detail") or answer)[:300]
            raise DriverError(f"DUI refused the handshake: {detail}", "dui-http-refused", url=self.base, detail=detail)

    def configure(self, settings: dict[str, Any]) -> None:
        answer = self._post("/configure", settings, 30.0)
        if answer.get("status") != "ok":
            raise DriverError(f"DUI refused its configuration: {answer.get('detail', answer)}")

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        return Outcome.from_json(self._post("/act", action.to_json(), timeout))
