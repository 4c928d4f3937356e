"""`conformance run --from-capture DIR`: exchanges captured elsewhere, judged into a run folder and a certificate.

No DUI is driven and no service started: each exchange of the folder (`captures.read_captures`) is
offered to every selected socle's capture reader (`Socle.captures`), which says what it can judge in it
(the e-mail, the SOAP request and its parts, the FHIR Bundle...) as artifacts with the context the
capture itself gives. Each exchange a socle judges is one scenario of the run ("Échange importé : NAME"),
run through the same `Verifier` and checks as a scenario's artifacts, with every requirement the checks
spoke about, and re-judgeable as any run (judgement records, `verify --rejudge`). The captured requests are
the run's evidence as what the DUI sent (role `dui`, meta `imported`, the socles that judge them), their
answers as what the platform said (role `platform`), each at the exchange's own capture time: time-bound
rules are judged then, not at the import. The requirements no capture could judge are "not-run-imported"
with that reason, never passed. The run's mode is "imported": the certificate says "échanges importés",
and the counting policy decides whether such a run counts (the shipped one: only on a witnessed
certificate, `--witness`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conformance.engine.capture.captures import CapturedExchange, CaptureFolder, read_captures
from conformance.engine.evidence import DUI, PLATFORM, EvidenceRef
from conformance.engine.messages import M
from conformance.engine.options import OptionError, apply, reset
from conformance.engine.recorder import RunInfo, RunRecorder, new_run_id
from conformance.engine.request import RunRequest
from conformance.engine.results import exit_code
from conformance.engine.verifier import Verifier
from conformance.model import Artifact, CheckContext, Verdict
from conformance.requirements import catalog_for
from conformance.socle import Socle, get_socle, resolve

USAGE = 2


@dataclass
class Judged:
    """One artifact a socle judges in a captured exchange, with the context the capture gives."""

    artifact: Artifact
    ctx: CheckContext = field(default_factory=CheckContext)


Reader = Callable[[CapturedExchange, Path | None], Sequence[Judged] | None]


def _record(recorder: RunRecorder, ex: CapturedExchange, socles: list[str]) -> EvidenceRef:
    """The captured request (and its answer) as the run's evidence, before anything judges them. `socles`:
    those that judge it (their identity hooks read what the DUI says of itself in it)."""
    journal = recorder.journal
    meta: dict[str, object] = {"imported": True, "capture": ex.name, "method": ex.method, "url": ex.url}
    meta.update(captured_at=ex.captured_at, headers=ex.request_headers, socles=socles)
    meta.update(content_type=ex.content_type, user_agent=ex.request_headers.get("user-agent", "")[:300])
    kind = "message" if ex.kind == "email" else "capture-request"
    at = ex.captured_at or None
    ref = journal.record(kind, ex.name, ex.request, meta=meta, role=DUI, time=at)
    if ex.status or ex.response:
        journal.record(
            "capture-response",
            ex.name,
            ex.response,
            meta={"imported": True, "status": ex.status, "headers": ex.response_headers, "for_request": ref.sha256},
            role=PLATFORM,
            time=at,
        )
    return ref


def _judge(recorder: RunRecorder, socle: str, ex: CapturedExchange, judged: Sequence[Judged], ref: EvidenceRef) -> None:
    nodeid = f"capture::{ex.name}::{socle}"
    started = time.monotonic()
    recorder.begin(nodeid, socle, ex.name, M.text("capture-title", name=ex.name).fr, [])
    verifier = Verifier(recorder, nodeid, socle, [])
    for one in judged:
        art = one.artifact
        if art.data == ex.request and "evidence_ref" not in art.meta:
            art.meta["evidence_ref"] = ref
        elif "evidence_ref" not in art.meta:  # a part cut from the capture: its role and capture time
            art.meta.setdefault("source_ref", ref)
        verifier.artifact(art, one.ctx, only_declared=False)
    record = recorder.scenarios[nodeid]
    record.requirements = sorted({f.requirement for f in verifier.findings})
    failed = any(f.verdict is Verdict.FAIL for f in verifier.findings)
    recorder.end(nodeid, "failed" if failed else "passed", time.monotonic() - started)


def _not_judged(recorder: RunRecorder, socle: Socle) -> None:
    """The catalog's checked requirements no capture spoke about: not run, with the reason."""
    judged = {r for s in recorder.scenarios.values() if s.socle == socle.name for r in s.requirements}
    missing = [r.id for r in catalog_for(socle.name).requirements.values() if r.checked and r.id not in judged]
    if not missing:
        return
    nodeid = f"capture::{socle.name}::not-judged"
    recorder.begin(nodeid, socle.name, "not-judged", M.text("capture-not-judged-title").fr, missing)
    said = M.text("capture-not-judged")
    recorder.not_run(nodeid, {"fr": said.fr, "en": said.en})
    recorder.end(nodeid, "skipped", 0.0, said.en)


def run_import(request: RunRequest, folder: CaptureFolder, readers: dict[str, Reader]) -> dict:
    """Judge the folder into the request's run folder; the results (the certificate is issued too)."""
    from conformance.certificate.issue import issue_certificate

    run_id = new_run_id()
    request = request.with_out(run_id)
    assert request.out is not None
    info = RunInfo(run_id, request.out, list(request.socles), "import", request.solution.to_json(), mode="imported")
    info.imported = folder.summary()
    recorder = RunRecorder(info)
    unread: list[str] = []
    for ex in folder.exchanges:
        by_socle = {name: judged for name, reader in readers.items() if (judged := reader(ex, folder.trust))}
        ref = _record(recorder, ex, sorted(by_socle))
        for name, judged in by_socle.items():
            _judge(recorder, name, ex, judged, ref)
        if not by_socle:
            unread.append(ex.name)
    info.imported["not_judged"] = unread
    for name in request.socles:
        _not_judged(recorder, get_socle(name))
    recorder.expected_total = len(recorder.scenarios)
    results = recorder.finish("complete")
    issue_certificate(
        recorder.out,
        results,
        policy=request.policy,
        key=request.signing.key,
        cert=request.signing.cert,
        crls=request.signing.crls,
        witness=request.signing.witness,
        langs=request.certificate_langs,
    )
    return results


def execute_import(request: RunRequest) -> int:
    """`run --from-capture`: 0/1 as a run, 2 when the folder or the selection cannot be used."""
    socles = [get_socle(name) for name in request.socles]
    assert request.from_capture is not None
    try:
        from conformance.engine.preflight import check_policy, check_signing

        check_signing(request.signing.key, request.signing.cert)  # a witness's key: checked before any work
        check_policy(request.policy)
        apply(request.values(), socles)
        readers: dict[str, Reader] = {s.name: resolve(s.captures) for s in socles if s.captures}
        if not readers:
            raise OptionError("--from-capture: none of the selected socles reads captured exchanges")
        for socle in socles:
            socle.load_checks()
        folder = read_captures(request.from_capture)
        results = run_import(request, folder, readers)
    except OptionError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return USAGE
    finally:
        reset(socles)
    for skipped in folder.skipped:
        print(f"skipped {skipped['file']}: {skipped['reason']}", file=sys.stderr)
    return exit_code(results)
