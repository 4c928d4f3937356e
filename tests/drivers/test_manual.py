"""The manual driver: concrete instructions, steps that end on the wire, on an answer, or time out and fail."""

from __future__ import annotations

import io
import json
import queue
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import identities
from conformance.demo import DemoDriver
from conformance.drivers.base import Action, DriverError, Outcome
from conformance.drivers.manual import ManualDriver
from conformance.drivers.registry import load
from conformance.drivers.steps import parse_answer
from conformance.engine.preflight import PreflightError, load_driver
from conformance.socles.dmp.fixtures import document
from conformance.socles.eprescription.fixtures import line
from conformance.socles.mssante.fixtures import doc_request

PATIENT = identities.patient("resident-qualified")
PARAMS: dict[str, dict[str, Any]] = {  # what the suites ask, one per verb
    "mssante.send_documents": {
        "patient": PATIENT,
        "documents": [doc_request("dlu", extra_bytes=11_000_000, invisible_patient=True)],
        "to": ["dr.medecin-essai@test-ci-sis.mssante.fr"],
        "to_patient": True,
        "read_receipt": True,
        "delivery_receipt": True,
        "block_reply": True,
    },
    "mssante.reply": {"message_id": "<m@x>", "body": "Bien reçu,\nmerci."},
    "mssante.send_mdn": {"message_id": "<m@x>", "disposition": "displayed"},
    "mssante.receive": {},
    "dui.audit_trail": {},
    "dmp.feed": {"patient": PATIENT, "document": document("dlu"), "replace_of": "1.2.3"},
    "dmp.find": {"patient": PATIENT, "include_deprecated": True},
    "dmp.retrieve": {"patient": PATIENT, "repository_id": "1.2", "unique_id": "1.2.3"},
    "eprescription.prescribe": {
        "patient": PATIENT,
        "prescriber": {"rpps": "10000000000", "family": "ESSAI", "given": "Paul"},
        "lines": [line("paracetamol-ucd", 1, "comprimé", 3, 5, conditional="douleur")],
    },
    "eprescription.cancel": {"prescription_number": "N-1"},
    "eprescription.share": {
        "prescription_number": "N-1",
        "patient": PATIENT,
        "to_dmp": True,
        "to_patient_mssante": True,
    },
}


class View:
    """The engine's RunView, reduced to what the driver reads: journal rows and their files."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows: list[dict[str, Any]] = []
        self.lang = "fr"

    def record(self, kind: str, name: str, data: bytes) -> None:
        (self.out / "evidence").mkdir(parents=True, exist_ok=True)
        path = f"{len(self.rows) + 1:05d}-{name}"
        (self.out / "evidence" / path).write_bytes(data)
        self.rows.append(
            {
                "seq": len(self.rows) + 1,
                "path": path,
                "kind": kind,
                "time": "2026-12-05T10:00:00Z",
                "size": len(data),
                "meta": {},
            }
        )

    def journal_rows(self, since: int = 0) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["seq"] > since]

    def scenarios(self) -> list[dict[str, Any]]:
        return [
            {
                "id": "t::a",
                "socle": "x",
                "title": "Scénario A",
                "outcome": "pending",
                "findings": [],
                "evidence_files": [],
            }
        ]


@pytest.fixture
def manual() -> Any:
    driver = ManualDriver(port=0, timeout=5, stdout=io.StringIO())
    driver.hello({"lang": "fr"})
    yield driver
    driver.close()


def _act_in_background(driver: ManualDriver, verb: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {}

    def act() -> None:
        try:
            result["outcome"] = driver.act(Action(verb, params or {}))
        except DriverError as exc:
            result["error"] = exc

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    result["thread"] = thread
    deadline = time.monotonic() + 5
    while driver.board.current is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


def _post(url: str, **form: str) -> int:
    request = urllib.request.Request(url + "answer", data=urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_verb_of_the_reference_dui_has_a_concrete_instruction() -> None:
    prompts = ManualDriver(timeout=1).prompts
    assert set(prompts) == set(DemoDriver().verbs) == set(PARAMS)
    for verb, prompt in prompts.items():
        fields = prompt.fields(PARAMS[verb]) if prompt.fields else {}
        for text in (prompt.fr, prompt.en):
            filled = text.format_map(fields)
            assert "{" not in filled and "}" not in filled, (verb, filled)
    send = prompts["mssante.send_documents"]
    fr = send.fr.format_map(send.fields(PARAMS["mssante.send_documents"]))  # type: ignore[misc]
    assert (
        "envoyez par MSSanté (BAL dui-app@ehpad-essai.mssante.fr) le document « Document de liaison d'urgence »" in fr
    )
    assert "de Mme Jeanne MARTIN-ESSAI, née le 12/04/1938 (INS 238047505612394, dossier EHPAD-0001)" in fr
    assert "à la messagerie de l'usager (238047505612394@patient.mssante.fr)" in fr
    assert "marqué « non visible par l'usager »" in fr and "plus que la taille maximale" in fr
    assert "en demandant un accusé de lecture" in fr and "en bloquant la réponse de l'usager" in fr
    assert {v for v, p in prompts.items() if p.done_when} == {
        "mssante.send_documents",
        "mssante.reply",
        "mssante.send_mdn",
    }
    assert all(p.answer and p.template for v, p in prompts.items() if not p.done_when)


def test_a_step_ends_with_the_person_s_answer_on_the_page(manual: ManualDriver) -> None:
    pending = _act_in_background(manual, "dmp.feed", PARAMS["dmp.feed"])
    with urllib.request.urlopen(manual.board.url, timeout=5) as answer:
        page = answer.read().decode()
    assert "Étape 1" in page and "Depuis le DUI, versez au DMP de Mme Jeanne MARTIN-ESSAI" in page
    assert '"registry_status": "Success"' in page  # the answer's skeleton, ready to fill in
    assert _post(manual.board.url, step="1", status="ok", data="[1]") == 400  # not an object
    assert _post(manual.board.url, step="1", status="maybe") == 400
    assert _post(manual.board.url, step="1", status="refused", detail="DMP fermé") == 303 or True
    pending["thread"].join(timeout=5)
    assert pending["outcome"] == Outcome("refused", {}, "DMP fermé")
    assert _post(manual.board.url, step="1", status="ok") == 409  # that step is over
    with urllib.request.urlopen(manual.board.url + "state.json", timeout=5) as answer:
        state = json.loads(answer.read())
    assert state["step"] is None and state["history"][0]["ended_by"] == "person"


def test_a_step_nobody_performs_times_out_and_fails() -> None:
    driver = ManualDriver(mode="terminal", timeout=0.3, stdout=io.StringIO())
    started = time.monotonic()
    with pytest.raises(DriverError) as caught:
        driver.act(Action("mssante.send_documents", PARAMS["mssante.send_documents"]))
    assert time.monotonic() - started < 3
    assert caught.value.key == "step-timeout" and caught.value.params["number"] == 1
    assert driver.board.history[0].ended_by == "timeout"


def test_an_exchange_on_the_wire_ends_the_step(manual: ManualDriver, tmp_path: Path) -> None:
    view = View(tmp_path)
    manual.follow(view)
    pending = _act_in_background(manual, "mssante.send_documents", PARAMS["mssante.send_documents"])
    view.record("smtp-session", "smtp-session-1.json", b"{}")  # not the exchange the step is about
    time.sleep(0.5)
    assert "outcome" not in pending
    view.record("message", "message-1.eml", b"Message-ID: <sent-1@ehpad-essai>\r\nSubject: x\r\n\r\nbody")
    pending["thread"].join(timeout=5)
    assert pending["outcome"].status == "ok" and pending["outcome"].data == {"message_id": "<sent-1@ehpad-essai>"}
    assert manual.board.history[-1].ended_by == "traffic"
    with urllib.request.urlopen(manual.board.url + "evidence/00002-message-1.eml", timeout=5) as answer:
        assert answer.read().startswith(b"Message-ID")
    for hostile in ("..%2F..%2Fetc%2Fpasswd", "00009-absent.eml"):
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(manual.board.url + "evidence/" + hostile, timeout=5)


def test_the_console_offers_the_certificates(manual: ManualDriver) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    with urllib.request.urlopen(manual.board.url + "files/client.p12", timeout=5) as answer:
        key, cert, _ = pkcs12.load_key_and_certificates(answer.read(), b"essai")
    assert key is not None and cert is not None
    manual.configure({"mssante": {"smtp_port": 10587}})
    with urllib.request.urlopen(manual.board.url + "files/settings.json", timeout=5) as answer:
        assert json.loads(answer.read()) == {"mssante": {"smtp_port": 10587}}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ok", Outcome("ok", {}, "")),
        ("refus destinataire hors liste blanche", Outcome("refused", {}, "destinataire hors liste blanche")),
        ("erreur opérateur injoignable", Outcome("error", {}, "opérateur injoignable")),
        ('{"entries": []}', Outcome("ok", {"entries": []}, "")),
        ('{"status": "refused", "detail": "non qualifiée"}', Outcome("refused", {}, "non qualifiée")),
        ("peut-être", None),
        ("{broken", None),
    ],
)
def test_terminal_answers(line: str, expected: Outcome | None) -> None:
    assert parse_answer(line) == expected


def test_the_terminal_alone_works_with_the_prompts_visible() -> None:
    class Terminal:
        """A keyboard: lines typed while the step is shown."""

        def __init__(self) -> None:
            self.typed: queue.Queue[str] = queue.Queue()

        def isatty(self) -> bool:
            return True

        def __iter__(self) -> Iterator[str]:
            while True:
                yield self.typed.get()

    keyboard, shown = Terminal(), io.StringIO()
    driver = ManualDriver(mode="terminal", timeout=5, stdin=keyboard, stdout=shown)  # type: ignore[arg-type]
    driver.hello({"lang": "fr"})
    pending = _act_in_background(driver, "mssante.send_documents", PARAMS["mssante.send_documents"])
    keyboard.typed.put("n'importe quoi\n")
    keyboard.typed.put("refus INS non qualifiée\n")
    pending["thread"].join(timeout=5)
    assert pending["outcome"] == Outcome("refused", {}, "INS non qualifiée")
    text = shown.getvalue()
    assert "=== Étape 1 : mssante.send_documents ===" in text and "Depuis le DUI, envoyez par MSSanté" in text
    assert "réponse illisible" in text and '"to_patient": true' in text  # no web console: the parameters too


def test_the_preflight_of_the_manual_driver() -> None:
    with pytest.raises(PreflightError) as caught:
        load_driver("manual:terminal", ["mssante"])  # pytest's stdin is no terminal
    assert caught.value.key == "dui-manual-terminal"
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        with pytest.raises(PreflightError) as caught:
            load_driver(f"manual:{busy.getsockname()[1]}", ["mssante"])
        assert caught.value.key == "dui-manual-port"
    finally:
        busy.close()
    with pytest.raises(DriverError):
        load("manual:nope")
