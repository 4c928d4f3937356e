"""A scripted tester for the manual console: a person at the DUI, played by the reference DUI's clients.

It reads the step the console shows, downloads the settings the console offers (as a person would
configure the DUI from them), performs the step with the reference DUI, and answers as a person
would: nothing when the exchange ends the step by itself, else the DUI's result (ok, refused or error
with the message it displayed, and the data only the DUI knows). How it reads and answers is given:
through the page's JSON state (`http_reader`, `http_answer`) or through a real browser.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance.demo import DemoDriver
from conformance.drivers.base import Action, Outcome
from tests.helpers import fixed_ports

BIN = Path(sys.executable).parent
Reader = Callable[[], dict[str, Any] | None]
Answer = Callable[[int, Outcome], None]


def http_reader(url: str) -> Reader:
    def read() -> dict[str, Any] | None:
        with urllib.request.urlopen(url + "state.json", timeout=10) as answer:
            step: dict[str, Any] | None = json.loads(answer.read())["step"]
            return step

    return read


def http_answer(url: str) -> Answer:
    def answer(number: int, outcome: Outcome) -> None:
        form = {
            "step": str(number),
            "status": outcome.status,
            "detail": outcome.detail,
            "data": json.dumps(outcome.data),
        }
        request = urllib.request.Request(url + "answer", data=urllib.parse.urlencode(form).encode())
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as exc:
            if exc.code != 409:  # the step ended meanwhile (its exchange arrived): nothing to say any more
                raise

    return answer


class ScriptedTester(threading.Thread):
    def __init__(self, url: str, read: Reader, answer: Answer) -> None:
        super().__init__(name="scripted-tester", daemon=True)
        self.url = url
        self.read = read
        self.answer = answer
        self.stop = threading.Event()
        self.done: list[tuple[int, str, str]] = []  # (step, verb, status) performed
        self.errors: list[BaseException] = []
        self.dui = DemoDriver()
        self.configured: dict[str, Any] = {}

    def configure(self) -> None:
        """Download the settings the console offers and configure the DUI with what is new."""
        with urllib.request.urlopen(self.url + "files/settings.json", timeout=10) as answer:
            settings = json.loads(answer.read())
        new = {k: v for k, v in settings.items() if self.configured.get(k) != v}
        if new:
            self.dui.configure(new)
            self.configured.update(new)

    def run(self) -> None:
        handled = 0
        while not self.stop.is_set():
            try:
                step = self.read()
                if step is None or step["number"] <= handled:
                    time.sleep(0.1)
                    continue
                handled = step["number"]
                self.configure()
                outcome = self.dui.act(Action(step["verb"], step["params"]), 20.0)
                self.done.append((handled, step["verb"], outcome.status))
                if step["automatic"] and outcome.ok and self._ends_by_itself(handled):
                    continue
                self.answer(handled, outcome)
            except Exception as exc:  # kept for the test to report
                self.errors.append(exc)
                time.sleep(0.2)

    def _ends_by_itself(self, number: int, within: float = 5.0) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            step = self.read()
            if step is None or step["number"] != number:
                return True
            time.sleep(0.1)
        return False


@contextmanager
def manual_run(out: Path, *args: str, timeout: float = 60.0) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """`conformance run --dui manual:0 ...` in a subprocess; yields it, the console's URL and its output lines.
    The manual driver's services listen on their documented ports: one such run at a time (`fixed_ports`)."""
    with fixed_ports():
        yield from _manual_run(out, *args, timeout=timeout)


def _manual_run(out: Path, *args: str, timeout: float) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    env = {"CONFORMANCE_MANUAL_TIMEOUT": str(timeout)}
    proc = subprocess.Popen(
        [str(BIN / "conformance"), "run", "--dui", "manual:0", "--out", str(out), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**__import__("os").environ, **env},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    url = ""
    for line in proc.stdout:
        lines.append(line)
        if "http://127.0.0.1:" in line:
            url = line.strip().rsplit(" ", 1)[-1]
            break
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        yield proc, url, lines
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        reader.join(timeout=10)


class Browser:
    """Debian's headless Chromium driven through the DevTools protocol (a websocket, no browser download)."""

    def __init__(self, binary: str, profile: Path, width: int = 1280, height: int = 1500) -> None:
        import websocket

        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                f"--window-size={width},{height}",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        endpoint = ""
        deadline = time.monotonic() + 30
        while not endpoint and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if "DevTools listening on " in line:
                endpoint = line.strip().rsplit(" ", 1)[-1]
        if not endpoint:
            self.close()
            raise RuntimeError("Chromium did not open its DevTools endpoint")
        port = urllib.parse.urlsplit(endpoint).port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.loads(answer.read()) if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self._id = 0
        self.lock = threading.Lock()
        self.call("Page.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        with self.lock:
            self._id += 1
            self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
            while True:
                message = json.loads(self.ws.recv())
                if message.get("id") == self._id:
                    if "error" in message:
                        raise RuntimeError(f"{method}: {message['error']}")
                    result: dict[str, Any] = message.get("result", {})
                    return result

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.05)

    def screenshot(self, path: Path) -> Path:
        import base64

        data = self.call("Page.captureScreenshot", format="png")["data"]  # what the window shows
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            ws = getattr(self, "ws", None)
            if ws is not None:
                ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def browser_reader(browser: Browser) -> Reader:
    """What a person reads: the step on the page as it is now (the page reloads itself on a new step)."""

    def read() -> dict[str, Any] | None:
        try:
            text = browser.evaluate("(document.getElementById('step-data') || {textContent: 'null'}).textContent")
        except RuntimeError:  # the page is reloading: read it again next time
            return None
        step: dict[str, Any] | None = json.loads(text or "null")
        return step

    return read


ANSWER_SCRIPT = """
(function (number, status, detail, data) {
  if (document.body.dataset.step !== String(number)) return false;
  document.getElementById('detail').value = detail;
  const box = document.getElementById('data');
  if (box) box.value = data;
  document.getElementById('button-' + status).click();
  return true;
})"""


def browser_answer(browser: Browser) -> Answer:
    """What a person does: type the message and the data in the form, press the button for the DUI's result."""

    def answer(number: int, outcome: Outcome) -> None:
        values = ", ".join(json.dumps(v) for v in (number, outcome.status, outcome.detail, json.dumps(outcome.data)))
        script = ANSWER_SCRIPT + f"({values})"
        if browser.evaluate(script):  # then wait for the page the form's answer leads to
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    if browser.evaluate("(document.body || {dataset: {}}).dataset.step") != str(number):
                        return
                except RuntimeError:  # between two pages
                    pass
                time.sleep(0.1)

    return answer
