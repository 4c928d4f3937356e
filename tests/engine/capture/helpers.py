"""The loopback platform: the harness's own mock services played as a remote test platform.

They run with a second, independent test PKI (`PLATFORM_PKI`, its own keys: nothing of the harness's
PKI chains to it), so a relay that works here has two TLS sessions that cannot be one: the DUI trusts
only the harness's CA, the platform only its own. The DUI's signatures (VIHF, XAdES) must satisfy the
platform, so the profile gives the demonstration DUI the platform PKI's signing certificate, as a vendor
configures its DUI with the test certificate the real IGC-Santé issued it.

`python -m tests.engine.capture.helpers [PROFILE]` serves the platform on the ports of PROFILE
(default: loopback-sandbox.toml beside this module) until interrupted, for the acceptance command:

    conformance run --socle mssante --socle dmp --sandbox tests/engine/capture/loopback-sandbox.toml --dui demo
"""

from __future__ import annotations

import sys
import threading
import tomllib
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from conformance import identities
from conformance.engine.evidence import EvidenceJournal
from conformance.formats.pki import TestPKI

HERE = Path(__file__).resolve().parent
LOOPBACK_PROFILE = HERE / "loopback-sandbox.toml"
PLATFORM_PKI = HERE / ".platform-pki"
PROVOKED = ("test_refusal_is_reported",)  # scenarios whose traffic is deliberately bad (see export_captures)


def platform_pki(directory: Path = PLATFORM_PKI) -> TestPKI:
    return TestPKI.load_or_create(directory)


class LoopbackPlatform:
    """The mocks of the selected socles on loopback, with the platform PKI; `profile()` describes them."""

    def __init__(
        self,
        evidence: Path,
        socles: tuple[str, ...] = ("mssante", "dmp", "eprescription"),
        *,
        ports: dict[str, int] | None = None,
        pki_dir: Path = PLATFORM_PKI,
    ) -> None:
        self.journal = EvidenceJournal(evidence)
        self.pki = platform_pki(pki_dir)
        self.socles = socles
        self.ports = dict(ports or {})
        self.services: dict[str, Any] = {}
        self._stack = ExitStack()

    def __enter__(self) -> LoopbackPlatform:
        try:
            if "mssante" in self.socles:
                from conformance.socles.mssante.service import Operator

                op = Operator(
                    self.journal,
                    self.pki,
                    whitelist=identities.whitelist(),
                    smtp_port=self.ports.get("smtp", 0),
                    imap_port=self.ports.get("imap", 0),
                )
                op.start()
                self._stack.callback(op.stop)
                self.services["mssante"] = op
            if "dmp" in self.socles:
                from conformance.socles.dmp.service.app import DmpService

                dmp = DmpService(self.journal, self.pki, port=self.ports.get("dmp", 0))
                dmp.start()
                self._stack.callback(dmp.stop)
                self.services["dmp"] = dmp
            if "eprescription" in self.socles:
                from conformance.socles.eprescription.service import PrescriptionService

                ep = PrescriptionService(self.journal, self.pki)
                ep.start()
                self._stack.callback(ep.stop)
                self.services["eprescription"] = ep
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.journal.close()

    def profile(self, path: Path, *, extra: str = "", **overrides: str) -> Path:
        """Write a sandbox profile for the running services (paths to the platform PKI made absolute)."""
        p = self.pki
        creds = f'ca = "{p.ca_bundle}"\nclient_cert = "{p.client_cert}"\nclient_key = "{p.client_key}"\n'
        parts = [
            '[platform]\nname = "loopback"\ntitle_fr = "Services simulés en boucle locale, AC indépendante"\n'
            'title_en = "Loopback mock services, independent CA"\nsource = "tests/engine/capture/helpers.py"\n'
        ]
        if "mssante" in self.services:
            op = self.services["mssante"]
            parts.append(
                f'[mssante]\n\n[mssante.smtp]\nhost = "127.0.0.1"\nport = {op.smtp_port}\nserver_name = "localhost"\n'
                f'{creds}\n[mssante.imap]\nhost = "127.0.0.1"\nport = {op.imap_port}\n'
                f'server_name = "localhost"\n{creds}'
            )
        if "dmp" in self.services:
            dmp = self.services["dmp"]
            parts.append(
                f'[dmp]\nsigning_cert = "{p.signing_cert}"\nsigning_key = "{p.signing_key}"\n\n'
                f'[dmp.https]\nurl = "https://localhost:{dmp.port}"\n{creds}'
            )
        if "eprescription" in self.services:
            ep = self.services["eprescription"]
            parts.append(f'[eprescription]\n\n[eprescription.https]\nurl = "https://127.0.0.1:{ep.port}/fhir"\n{creds}')
        text = "\n".join(parts) + extra
        for key, value in overrides.items():
            text = text.replace(key, value)
        path.write_text(text, encoding="utf-8")
        return path


def serve(profile: Path = LOOPBACK_PROFILE) -> None:
    """Serve the loopback platform on the ports `profile` names, until Ctrl-C."""
    data = tomllib.loads(profile.read_text(encoding="utf-8"))
    ports = {"smtp": data["mssante"]["smtp"]["port"], "imap": data["mssante"]["imap"]["port"]}
    ports["dmp"] = int(data["dmp"]["https"]["url"].rsplit(":", 1)[1].split("/")[0])
    evidence = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("reports") / "loopback-platform"
    with LoopbackPlatform(evidence, ("mssante", "dmp"), ports=ports, pki_dir=profile.parent / ".platform-pki"):
        print(f"loopback platform for {profile} (ports {ports}); Ctrl-C to stop", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    serve(Path(sys.argv[1]) if len(sys.argv) > 1 else LOOPBACK_PROFILE)


def export_captures(run: Path, out: Path, *, har: bool = False) -> Path:
    """A capture folder made from a run's evidence, as a vendor's tools would have captured the exchanges:
    the e-mails the DUI sent (.eml), its DMP requests with the DMP's answers and its FHIR posts with the
    service's answers (request/response pairs with their HTTP heads, or one HAR file), and trust.pem.
    The scenarios that hand the DUI deliberately broken data (`PROVOKED`: a prescriber directory entry with
    a truncated RPPS, to see the refusal reported) are left out: a vendor's capture holds what its DUI
    does with good data."""
    import base64
    import json
    from datetime import datetime
    from email.utils import format_datetime

    from conformance.formats.pki import pki_cache_dir

    def parse_iso(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    evidence = run / "evidence"
    entries = [json.loads(line) for line in (evidence / "journal.jsonl").read_text().splitlines()]
    out.mkdir(parents=True, exist_ok=True)
    (out / "trust.pem").write_bytes((pki_cache_dir() / "ca_bundle.pem").read_bytes())
    answers = {e["meta"].get("for_request"): e for e in entries if e["kind"] == "dmp-response"}
    responses = [e for e in entries if e["kind"] == "dmp-response"]
    har_entries: list[dict[str, Any]] = []
    http: list[tuple[str, str, str, bytes, int, str, bytes]] = []  # name, method, path, body, status, type, answer
    dates: dict[str, str] = {}
    for i, e in enumerate(entries):
        if any(p in str(e.get("scenario") or "") for p in PROVOKED):
            continue
        data = (evidence / e["path"]).read_bytes()
        dates[f"{e['seq']:05d}-{'fhir' if e['kind'] == 'fhir' else 'dmp'}"] = e["time"]
        if e["kind"] == "message":
            (out / f"{e['seq']:05d}.eml").write_bytes(data)
        elif e["kind"] == "dmp-request" and e["meta"].get("transaction") != "TD0.2":
            answer = answers.get(e["sha256"]) or next((r for r in responses if r["seq"] == e["seq"] + 1), None)
            body = (evidence / answer["path"]).read_bytes() if answer else b""
            status = int(answer["meta"].get("http_status", 200)) if answer else 0
            http.append(
                (f"{e['seq']:05d}-dmp", "POST", e["meta"]["path"], data, status, e["meta"]["content_type"], body)
            )
        elif e["kind"] == "fhir":
            summary = next((s for s in entries[i + 1 :] if s["kind"] == "eprescription-exchange"), None)
            info = json.loads((evidence / summary["path"]).read_text()) if summary else {}
            http.append(
                (
                    f"{e['seq']:05d}-fhir",
                    info.get("method", "POST"),
                    info.get("path", "/fhir/Bundle"),
                    data,
                    int(info.get("status", 0)),
                    "application/fhir+json",
                    str(info.get("response", "")).encode(),
                )
            )
    for name, method, path, body, status, ctype, answer in http:
        if har:
            har_entries.append(
                {
                    "startedDateTime": dates.get(name, ""),
                    "request": {
                        "method": method,
                        "url": f"https://dmp.example{path}",
                        "headers": [{"name": "Content-Type", "value": ctype}],
                        "postData": {"mimeType": ctype, "text": base64.b64encode(body).decode(), "encoding": "base64"},
                    },
                    "response": {
                        "status": status,
                        "headers": [],
                        "content": {"text": answer.decode("utf-8", "replace")},
                    },
                }
            )
            continue
        date = f"Date: {format_datetime(parse_iso(dates[name]))}\r\n" if name in dates else ""
        head = f"{method} {path} HTTP/1.1\r\nContent-Type: {ctype}\r\n{date}\r\n".encode()
        (out / f"{name}.request.http").write_bytes(head + body)
        if status:
            (out / f"{name}.response.http").write_bytes(f"HTTP/1.1 {status} OK\r\n\r\n".encode() + answer)
    if har:
        (out / "exchanges.har").write_text(json.dumps({"log": {"version": "1.2", "entries": har_entries}}))
    return out


class BrokenServer:
    """A loopback server with the platform's certificate (the probe and the relay trust it), serving each
    connection with `_session(raw socket)` on its own thread; a context manager that stops it."""

    def __init__(self, pki: TestPKI, mode: str) -> None:
        import socket
        import ssl

        self.mode = mode
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(pki.server_cert), str(pki.server_key))
        self.ctx.load_verify_locations(str(pki.ca_bundle))
        self.ctx.verify_mode = ssl.CERT_OPTIONAL
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        import socket

        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the serving thread
        self.sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(raw,), daemon=True).start()

    def _session(self, raw: Any) -> None:
        raise NotImplementedError


class Misbehaving(BrokenServer):
    """An HTTPS server that answers every request the way `mode` says:
    "garbage" (bytes that are not HTTP), "cut" (a head announcing more body than it sends, then closes),
    "close" (closes without a word), "ok" (a well-formed answer echoing the request body)."""

    def _session(self, raw: Any) -> None:
        import ssl

        try:
            with self.ctx.wrap_socket(raw, server_side=True) as conn:
                self._answer(conn)
        except (OSError, ssl.SSLError):
            return

    def _answer(self, conn: Any) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        while len(body) < length:
            body += conn.recv(65536)
        self.received.append(body)
        if self.mode == "garbage":
            conn.sendall(b"\x00\x01 this is no HTTP answer \xff\r\n\r\n")
        elif self.mode == "cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<half")
        elif self.mode == "ok":
            answer = b"HTTP/1.1 201 Created\r\nContent-Type: application/octet-stream\r\n"
            answer += (
                f"Location: https://localhost:{self.port}/base/thing/1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            )
            conn.sendall(answer + body)


class MisbehavingSmtp(BrokenServer):
    """An SMTP submission server that greets, offers STARTTLS and answers EHLO and QUIT like an operator (so
    the probe passes), then fails the DUI's transaction as `mode` says: "garbage" answers MAIL with bytes
    that are not an SMTP reply, "cut" takes the message's DATA (kept in `received`) and closes without a
    reply."""

    def _session(self, raw: Any) -> None:
        import ssl

        conn = raw
        try:
            reader = conn.makefile("rb")
            conn.sendall(b"220 broken.example ESMTP\r\n")
            while line := reader.readline(1000):
                verb = line.split(b" ", 1)[0].strip().upper()
                if verb == b"EHLO":
                    conn.sendall(
                        b"250-broken.example\r\n250 STARTTLS\r\n" if conn is raw else b"250 broken.example\r\n"
                    )
                elif verb == b"STARTTLS":
                    conn.sendall(b"220 go ahead\r\n")
                    conn = self.ctx.wrap_socket(raw, server_side=True)
                    reader = conn.makefile("rb")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                elif verb == b"MAIL" and self.mode == "garbage":
                    conn.sendall(b"\x00\xff this is no SMTP reply\r\n")
                    return
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    data = b""
                    while (chunk := reader.readline(65536)) and chunk != b".\r\n":
                        data += chunk
                    self.received.append(data)
                    return  # closes without a word
                else:
                    conn.sendall(b"250 ok\r\n")
        except (OSError, ssl.SSLError):
            return
        finally:
            with suppress(OSError):
                conn.close()
