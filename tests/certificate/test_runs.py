"""The issue's acceptance on real runs: re-judged, validated, counted, and read the way an instructor reads.

The runs are made once per session (tests/certificate/conftest.py); tests that change one work on a copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.certificate.payload import paris
from conformance.certificate.trust import NOT_TRUSTED, VALID, load_anchors
from conformance.certificate.verify import verify_certificate
from conformance.engine.validate_evidence import validate_evidence
from conformance.formats.pki import TestPKI
from tests.certificate.helpers import ACME_OPTIONS, conformance, copy_run, run


def _payload(run_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((run_dir / "certificate.json").read_text(encoding="utf-8"))


def test_the_demo_run_is_confirmed_requirement_by_requirement(demo_run: Path) -> None:
    result = verify_certificate(demo_run / "certificate.html", demo_run, rejudge_evidence=True)
    assert result.status == NOT_TRUSTED, result.problems  # auto-attested: intact, but nobody vouches
    comparisons = result.comparisons or []
    stated = sum(len(s["requirements"]) for s in _payload(demo_run)["socles"].values())
    assert len(comparisons) == stated and not result.contradicted and result.rejudged > 300


def test_the_demo_run_never_counts_whatever_name_it_is_given(demo_run: Path) -> None:
    payload = _payload(demo_run)
    assert payload["solution"]["status"] == "demo" and payload["solution"]["declared"]["name"] == "ACME DUI"
    assert payload["at_least_two"]["verdict"] is False and not payload["at_least_two"]["counting"]
    html = (demo_run / "certificate.html").read_text(encoding="utf-8")
    assert "DUI DE DÉMONSTRATION" in html and "DUI-CONFORMANCE-DEMO" in html


def test_validating_the_evidence_finds_nothing_the_certificate_does_not_report(demo_run: Path) -> None:
    results = validate_evidence(demo_run)
    index = json.loads((demo_run / "evidence" / "index.json").read_text())
    judged = {r.file for r in results}
    roles = {e["path"]: e["role"] for e in index["entries"]}
    assert judged and all(roles[f] in ("dui", "observed") for f in judged)
    assert not any(roles[p] == "harness" for p in judged)  # the bad messages the harness sent are not judged
    reported = {
        q["id"] for s in _payload(demo_run)["socles"].values() for q in s["requirements"] if q["verdict"] != "pass"
    }
    bad = {f.requirement for r in results for f in r.findings if f.verdict.value in ("fail", "warn")}
    assert not any(r.verdict == "fail" for r in results)
    assert bad <= reported, bad - reported


def test_a_request_in_the_evidence_is_validated_with_what_it_holds(demo_run: Path) -> None:
    """An ITI-41 request is judged with its XDS metadata and CDA (the socle's expander, as in the scenario)
    at its capture time; the parts the scenario recorded (`part_of`) are judged with it, never alone."""
    results = validate_evidence(demo_run)
    index = json.loads((demo_run / "evidence" / "index.json").read_text())
    parts = {e["path"] for e in index["entries"] if (e.get("meta") or {}).get("part_of")}
    assert parts and not parts & {r.file for r in results}
    feeds = [r for r in results if r.kind == "soap"]
    assert feeds and all({"xds-metadata", "cda"} <= {p.kind for p in r.parts} for r in feeds)
    assert all(r.reference_source == "capture" and r.reference_time for r in feeds)


def test_validate_command_over_a_run_folder(demo_run: Path) -> None:
    done = conformance("validate", demo_run, "--json")
    assert done.returncode == 0, done.stdout[-2000:]
    assert len(json.loads(done.stdout)) == len(validate_evidence(demo_run))


def test_a_vendors_dui_counts_when_named_and_witnessed(acme_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    payload = _payload(acme_run)
    assert payload["at_least_two"] == {
        "verdict": True,
        "counting": ["dmp", "eprescription", "mssante"],
        "minimum": 2,
        "standard_policy": True,
    }
    assert payload["run_date_paris"] == paris(json.loads((acme_run / "results.json").read_text())["finished"])
    witnessed = copy_run(acme_run, tmp_path / "run")
    signing = ("--sign-key", pki.signing_key, "--sign-cert", pki.signing_cert)
    assert conformance("report", witnessed, "--witness", "ARS Essai, pôle SI", "--lang", "en", *signing).returncode == 0
    html = (witnessed / "certificate.html").read_text(encoding="utf-8")
    assert "Essai conduit et signé par un tiers" in html and "ARS Essai, pôle SI" in html
    assert "At least two services socles" in (witnessed / "certificate.en.html").read_text(encoding="utf-8")
    done = conformance("verify", witnessed / "certificate.html", "--evidence", witnessed, "--trust", pki.root_cert)
    assert done.returncode == 0 and done.stdout.startswith("valid") and "witnessed by: ARS Essai" in done.stdout
    assert _payload(witnessed)["run_date_paris"] == payload["run_date_paris"]  # report keeps the run's date
    refused = conformance("report", witnessed, "--witness", "ARS Essai")
    assert refused.returncode == 2 and "--sign-key" in refused.stderr + refused.stdout


def test_one_broken_socle_does_not_count_and_says_why(broken_run: Path) -> None:
    payload = _payload(broken_run)
    mss = payload["socles"]["mssante"]
    assert mss["counts"] is False and any("MSS-MSG-06" in r for r in mss["reasons_fr"])
    assert payload["at_least_two"]["verdict"] is True  # DMP and e-prescription still count
    assert 'class="big v-yes">OUI<' in (broken_run / "certificate.html").read_text(encoding="utf-8")


def test_without_a_declared_solution_nothing_counts(acme_run: Path, tmp_path: Path) -> None:
    run_dir = copy_run(acme_run, tmp_path / "run")
    results = json.loads((run_dir / "results.json").read_text())
    results["solution"] = {"name": "", "version": "", "vendor": "", "domain": ""}
    (run_dir / "results.json").write_text(json.dumps(results))
    assert conformance("report", run_dir).returncode == 0
    payload = _payload(run_dir)
    assert payload["solution"]["status"] == "not-declared" and payload["at_least_two"]["verdict"] is False
    assert "solution non identifiée" in (run_dir / "certificate.html").read_text(encoding="utf-8")


def test_a_partial_run_never_counts(tmp_path: Path) -> None:
    out = run(tmp_path / "run", "python:tests.certificate.helpers:AcmeDui", *ACME_OPTIONS, "-k", "size_limit")
    payload = _payload(out)
    assert payload["completeness"]["complete"] is False and payload["completeness"]["deselected"] > 50
    assert payload["at_least_two"]["verdict"] is False
    assert any(b["code"] == "partial-run" for b in payload["blockers"])
    html = (out / "certificate.html").read_text(encoding="utf-8")
    assert "EXÉCUTION PARTIELLE" in html
    done = conformance("verify", out / "certificate.html", "--json")
    assert done.returncode == 3 and json.loads(done.stdout)["complete"] is False
    assert any("exécution partielle" in n for n in json.loads(done.stdout)["notes"])


def test_verify_exit_codes_and_json(acme_run: Path, demo_run: Path, pki: TestPKI, tmp_path: Path) -> None:
    cert = acme_run / "certificate.html"
    trusted = conformance("verify", cert, "--trust", pki.root_cert, "--json")
    assert trusted.returncode == 0 and json.loads(trusted.stdout)["status"] == VALID
    assert json.loads(trusted.stdout)["signer"]["organization"] == "TEST DUI-CONFORMANCE"
    assert conformance("verify", demo_run / "certificate.html").returncode == 3
    assert conformance("verify", cert, "--rejudge").returncode == 2  # re-judging needs the evidence
    bad_trust = tmp_path / "trust.pem"
    bad_trust.write_text("not a certificate")
    assert conformance("verify", cert, "--trust", bad_trust).returncode == 2
    altered = copy_run(acme_run, tmp_path / "run") / "certificate.html"
    altered.write_text(altered.read_text(encoding="utf-8").replace("3.2.1", "3.2.2"), encoding="utf-8")
    done = conformance("verify", altered, "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["status"] == "invalid"
    assert verify_certificate(cert, anchors=load_anchors(pki.root_cert)).status == VALID


@pytest.mark.parametrize("lang", ["fr"])
def test_the_french_certificate_speaks_french_only(demo_run: Path, lang: str) -> None:
    from lxml import html as lxml_html

    doc = lxml_html.fromstring((demo_run / "certificate.html").read_bytes())
    for script in doc.xpath("//script"):
        script.getparent().remove(script)
    text = " ".join(doc.text_content().split())
    for internal in ("UNSURE", "specs/", "as read", "as summarised", "(S1)", "(S3)", "quoted through", "harness"):
        assert internal not in text, internal
    english = [q["title_en"] for s in _payload(demo_run)["socles"].values() for q in s["requirements"] if q["title_en"]]
    assert not [t for t in english if t in text]
    not_checked = [q["not_checked_reason"] for s in _payload(demo_run)["socles"].values() for q in s["requirements"]]
    assert not [r for r in not_checked if r and r[:40] in text]
    assert "Non exécuté (pack non fourni)" in text and "Sans objet" in text
    assert "Vérifier cette attestation" in text and "--rejudge" in text


def test_evidence_written_before_judgement_2_is_still_re_judged(demo_run: Path, tmp_path: Path) -> None:
    """Certificates issued before judgement/2 hold records that name entries by file name: the demo run's
    evidence rewritten that way (each digest replaced by the file holding it) is re-judged to the same
    verdicts, and a record naming a file that is not listed is a problem, never a pass."""
    import hashlib

    from conformance.engine.evidence_store import open_evidence
    from conformance.engine.judgement import BY_NAME
    from conformance.engine.rejudge import compare, rejudge

    run_dir = copy_run(demo_run, tmp_path / "run")
    root = run_dir / "evidence"
    index = json.loads((root / "index.json").read_text())
    first = {}
    for e in index["entries"]:
        first.setdefault(e["sha256"], e["path"])

    def by_name(value: object) -> object:
        if isinstance(value, list):
            return [by_name(v) for v in value]
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)) in ("$evidence", "$file"):
                ((k, v),) = value.items()
                return {k: first[v]}
            return {k: by_name(v) for k, v in value.items()}
        return value

    records = [e for e in index["entries"] if e["kind"] == "judgement"]
    for e in records:
        body = json.loads((root / e["path"]).read_text())
        body["schema"] = BY_NAME
        if body.get("artifact"):
            body["artifact"] = {**body["artifact"], "path": first[body["artifact"]["sha256"]]}
            body["artifact"]["meta"] = by_name(body["artifact"].get("meta"))
        body["context"] = by_name(body.get("context"))
        data = json.dumps(body).encode()
        (root / e["path"]).write_bytes(data)
        e["sha256"], e["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / "index.json").write_text(json.dumps(index))
    results = json.loads((run_dir / "results.json").read_text())
    stated = {s: [(rid, r["verdict"]) for rid, r in v["requirements"].items()] for s, v in results["socles"].items()}

    store = open_evidence(run_dir)
    again = rejudge(store)
    store.close()
    assert not again.problems and again.judgements == len(records)
    assert all(c.status == "confirmed" for c in compare(stated, again))

    broken = json.loads((root / records[0]["path"]).read_text())
    broken["artifact"]["path"] = "00000-not-listed"
    data = json.dumps(broken).encode()
    (root / records[0]["path"]).write_bytes(data)
    records[0]["sha256"], records[0]["size"] = hashlib.sha256(data).hexdigest(), len(data)
    (root / "index.json").write_text(json.dumps(index))
    store = open_evidence(run_dir)
    assert any("00000-not-listed is missing or altered" in p for p in rejudge(store).problems)
    store.close()
