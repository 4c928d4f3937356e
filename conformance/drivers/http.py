"""The http driver: any DUI, in any language, implements two JSON endpoints (docs/driver-protocol.md).

POST {base}/configure  body: settings          -> 200 {"status": "ok"}
POST {base}/act        body: {"verb", "params"} -> 200 {"status": "ok"|"refused"|"error", "data", "detail"}
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from conformance.drivers.base import Action, Driver, DriverError, Outcome

MAX_ANSWER_BYTES = 16 * 1024 * 1024


class HttpDriver(Driver):
    name = "http"

    def __init__(self, base_url: str, traffic_timeout: float = 30.0) -> None:
        self.base = base_url.rstrip("/")
        self.traffic_timeout = traffic_timeout

    def _post(self, path: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.base + path,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL given by the user
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise DriverError(f"{self.base}{path} answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DriverError(f"{self.base}{path} unreachable: {exc}") from exc
        if len(raw) > MAX_ANSWER_BYTES:
            raise DriverError(f"{self.base}{path} answered more than {MAX_ANSWER_BYTES} bytes")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise DriverError(f"{self.base}{path} answered invalid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise DriverError(f"{self.base}{path} answered JSON that is not an object")
        return data

    def configure(self, settings: dict[str, Any]) -> None:
        answer = self._post("/configure", settings, 30.0)
        if answer.get("status") != "ok":
            raise DriverError(f"DUI refused its configuration: {answer.get('detail', answer)}")

    def act(self, action: Action, timeout: float = 30.0) -> Outcome:
        return Outcome.from_json(self._post("/act", action.to_json(), timeout))
