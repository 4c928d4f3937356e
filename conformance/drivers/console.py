"""The manual driver's web console: what the tester configures, does, and sees judged, on one local page.

Starlette + jinja2 on loopback, no JavaScript framework: the page is complete without script (the
answer buttons are a plain form), and a few lines of script refresh its live part every second (the
exchanges the mock services record, the scenarios' verdicts) and reload it when a new step begins.
`/state.json` gives the same state to a program (a scripted tester, a CI dashboard).

Routes: `/` the page, `/live` its live part, `/state.json`, `POST /answer`, `/files/<name>` the test
PKI (PEM, PKCS#12, Java truststore) and the settings received so far, `/evidence/<file>` a file the
run's evidence journal lists (nothing else is ever read).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import uvicorn
from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from conformance.drivers.base import DriverError, Outcome
from conformance.drivers.steps import Board, Step
from conformance.messages import Messages
from conformance.serving import PromptServer
from conformance.templates import environment

L = Messages(Path(__file__).with_name("console.toml"), "console")
P12_PASSWORD = "essai"
MAX_FORM = 4 * 1024 * 1024
PEM = {  # file name -> test PKI attribute
    "ca_bundle.pem": "ca_bundle",
    "crl.pem": "crl",
    "client.pem": "client_cert",
    "client.key": "client_key",
    "signing.pem": "signing_cert",
    "signing.key": "signing_key",
}
P12 = {"client.p12": ("client_cert", "client_key", "client"), "signing.p12": ("signing_cert", "signing_key", "signing")}


class Labels:
    """`t.title` or `t("progress", done=1, total=2)` in the board's language, for the templates."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **params: Any) -> str:
        text = L.text(key, **params)
        return text.en if self.lang == "en" else text.fr

    def __getattr__(self, key: str) -> str:
        name = key.replace("_", "-")
        if key.startswith("_") or name not in L.table:
            raise AttributeError(key)  # jinja probes attributes it does not know
        return self(name)


def _environment() -> Environment:
    env = environment("conformance.drivers", autoescape=select_autoescape())
    env.filters["tojson_pretty"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return env


def _script_json(value: Any) -> str:
    """JSON safe inside <script type="application/json">: no "</" can close the element."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


class WebConsole:
    def __init__(self, board: Board, host: str = "127.0.0.1", port: int = 10080) -> None:
        self.board = board
        self.host = host
        self.port = port
        self.env = _environment()
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(
            routes=[
                Route("/", self.page, methods=["GET"]),
                Route("/live", self.live, methods=["GET"]),
                Route("/state.json", self.state, methods=["GET"]),
                Route("/answer", self.answer, methods=["POST"]),
                Route("/files/{name}", self.file, methods=["GET"]),
                Route("/evidence/{name}", self.evidence, methods=["GET"]),
            ]
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    # -- life ---------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Bind first (a busy port is the preflight's usage error), then serve in a thread."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            reason = exc.strerror or str(exc)
            raise DriverError(
                f"cannot listen on {self.host}:{self.port}: {reason}",
                "dui-manual-port",
                host=self.host,
                port=self.port,
                reason=reason,
            ) from exc
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=2)
        server = PromptServer(config)
        self._server = server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name="manual-console", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise DriverError("the manual console did not start", "dui-failed", reason="web console")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_soon()
        if self._thread is not None:
            self._thread.join(5)

    # -- what the pages show -----------------------------------------------------------------------

    def view(self) -> dict[str, Any]:
        board = self.board
        with board.lock:
            step, history, settings = board.current, list(board.history), dict(board.settings)
        scenarios = board.scenarios()
        rows = board.journal_rows(step.since) if step is not None else []
        done = sum(1 for s in scenarios if s.get("outcome") not in ("planned", "pending"))
        return {
            "t": Labels(board.lang),
            "lang": board.lang,
            "step": step,
            "step_json": Markup(_script_json(step.to_json() if step is not None else None)),
            "template": json.dumps(step.prompt.template or {}, ensure_ascii=False, indent=2) if step else "{}",
            "history": list(reversed(history[-8:])),
            "settings": settings,
            "scenarios": scenarios,
            "exchanges": rows,
            "done": done,
            "total": len(scenarios),
            "out": str(board.run.out) if board.run is not None else "",
            "password": P12_PASSWORD,
            "files": [*PEM, *P12, "truststore.p12", "settings.json"],
        }

    async def page(self, request: Request) -> Response:
        return HTMLResponse(self.env.get_template("console.html.j2").render(**self.view()))

    async def live(self, request: Request) -> Response:
        return HTMLResponse(self.env.get_template("console-live.html.j2").render(**self.view()))

    async def state(self, request: Request) -> Response:
        view = self.view()
        step: Step | None = view["step"]
        return JSONResponse(
            {
                "url": self.url,
                "lang": view["lang"],
                "step": step.to_json() if step is not None else None,
                "history": [s.to_json() for s in view["history"]],
                "settings": view["settings"],
                "scenarios": view["scenarios"],
                "exchanges": view["exchanges"],
            }
        )

    async def answer(self, request: Request) -> Response:
        """The tester's answer to step N: ok / refused / error, the message shown, the JSON data."""
        t = Labels(self.board.lang)
        body = await request.body()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body[:MAX_FORM].decode("utf-8", "replace")).items()}
        status = form.get("status", "")
        if status not in ("ok", "refused", "error"):
            return self._problem(t("answer-bad-status", status=status), 400)
        raw = form.get("data", "").strip() or "{}"
        try:
            data = json.loads(raw)
        except ValueError as exc:
            return self._problem(t("answer-bad-json", reason=str(exc)), 400)
        if not isinstance(data, dict):
            return self._problem(t("answer-bad-json", reason=type(data).__name__), 400)
        try:
            number = int(form.get("step", ""))
        except ValueError:
            return self._problem(t.answer_stale, 409)
        detail = form.get("detail", "").strip()
        if not self.board.answer(number, Outcome(status, data, detail), "person"):
            return self._problem(t.answer_stale, 409)
        return RedirectResponse("/", status_code=303)

    def _problem(self, message: str, status: int) -> Response:
        html = self.env.get_template("console-problem.html.j2").render(t=Labels(self.board.lang), message=message)
        return HTMLResponse(html, status_code=status)

    async def file(self, request: Request) -> Response:
        from conformance.engine.kit import p12_bytes, truststore_bytes
        from conformance.formats.pki import TestPKI, pki_cache_dir

        name = request.path_params["name"]
        if name == "settings.json":
            with self.board.lock:
                settings = dict(self.board.settings)
            return JSONResponse(settings, headers={"Content-Disposition": "attachment; filename=settings.json"})
        pki = TestPKI.load_or_create(pki_cache_dir())
        if name in PEM:
            data, media = pki.path(PEM[name]).read_bytes(), "application/x-pem-file"
        elif name in P12:
            data, media = p12_bytes(pki, *P12[name], P12_PASSWORD), "application/x-pkcs12"
        elif name == "truststore.p12":
            data, media = truststore_bytes(pki, P12_PASSWORD), "application/x-pkcs12"
        else:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(data, media_type=media, headers={"Content-Disposition": f"attachment; filename={name}"})

    async def evidence(self, request: Request) -> Response:
        data = self.board.evidence_file(request.path_params["name"])
        if data is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(data, media_type="application/octet-stream")
