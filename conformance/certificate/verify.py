"""`conformance verify`: is this certificate what the harness produced, who signed it, and does it hold?

The HTML file alone is enough for the first questions: its embedded payload and signature are read, the
signer is checked as a PKI checks a signer (`trust`: `valid` / `intact, signer not trusted` / `invalid`),
and the whole page is re-rendered from the signed content and compared byte for byte, so an edit of the
visible text is caught as surely as an edit of the data. The certificate must also say what its own
content implies: its counting is computed again from its verdicts under its policy, which must be a
registered one.

With `--evidence` (a run folder, its evidence/ folder or evidence.zip): every evidence file is re-hashed
against the index whose hash the certificate signs, results.json and junit.xml against theirs, and the
software named in the exchanges is read again and compared with what the certificate says. With
`--rejudge`: every recorded judgement is made again and each requirement's verdict compared
(`conformance.engine.rejudge`); a verdict the evidence does not support makes the certificate invalid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from lxml import etree
from lxml import html as lxml_html

from conformance.certificate.payload import RUN_FILES, SCHEMA
from conformance.certificate.policy import Policy, count_socle, run_blockers
from conformance.certificate.render import LABELS, render_certificate
from conformance.certificate.trust import (
    INVALID,
    NOT_TRUSTED,
    VALID,
    SignerCheck,
    TrustError,
    check_signer,
    load_anchors,
)
from conformance.engine.evidence_store import EvidenceError, evidence_folder, open_evidence
from conformance.engine.rejudge import CONTRADICTED, Comparison, compare, rejudge
from conformance.identity import IdentityFact, assess, observed_facts

MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024
EXIT_CODES = {VALID: 0, INVALID: 1, NOT_TRUSTED: 3}


@dataclass
class Verification:
    status: str
    problems: list[str] = field(default_factory=list)  # why invalid
    notes: list[str] = field(default_factory=list)  # what an instructor must know although it is not invalid
    payload: dict[str, Any] | None = None
    signer: SignerCheck | None = None
    comparisons: list[Comparison] | None = None  # with --rejudge
    rejudged: int = 0  # judgements replayed

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def contradicted(self) -> list[Comparison]:
        return [c for c in self.comparisons or [] if c.status == CONTRADICTED]

    def to_json(self) -> dict[str, Any]:
        payload = self.payload or {}
        return {
            "status": self.status,
            "valid": self.valid,
            "problems": self.problems,
            "notes": self.notes,
            "certificate_id": payload.get("certificate_id"),
            "signer": self.signer.to_json() if self.signer else None,
            "counts": (payload.get("at_least_two") or {}).get("verdict"),
            "counting": (payload.get("at_least_two") or {}).get("counting"),
            "policy": {k: (payload.get("policy") or {}).get(k) for k in ("id", "version", "sha256", "registered")},
            "solution": payload.get("solution"),
            "complete": (payload.get("completeness") or {}).get("complete"),
            "witness": payload.get("witness"),
            "rejudge": None
            if self.comparisons is None
            else {
                "judgements": self.rejudged,
                "confirmed": sum(1 for c in self.comparisons if c.status != CONTRADICTED),
                "contradicted": [c.to_json() for c in self.contradicted],
            },
        }


def _invalid(*problems: str) -> Verification:
    return Verification(INVALID, list(problems))


def _blocks(data: bytes) -> tuple[dict[str, Any], dict[str, Any], str]:
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=False, huge_tree=False)
    doc = lxml_html.document_fromstring(data, parser=parser)
    found: dict[str, Any] = {}
    for block in ("certificate-payload", "certificate-signature"):
        nodes = doc.xpath(f"//script[@id='{block}']")
        if len(nodes) != 1:
            raise ValueError(f"expected exactly one <script id={block!r}>, found {len(nodes)}")
        found[block] = json.loads(nodes[0].text or "")
        if not isinstance(found[block], dict):
            raise ValueError(f"{block} is not a JSON object")
    return found["certificate-payload"], found["certificate-signature"], str(doc.get("lang", ""))


def _rendering_problems(payload: dict[str, Any], envelope: dict[str, Any], lang: str, data: bytes) -> list[str]:
    if lang not in LABELS:
        return [f"unknown certificate language {lang!r}"]
    try:
        rendered = render_certificate(payload, envelope, lang).encode("utf-8")
    except Exception as exc:  # a payload edited into a shape the template cannot render
        return [f"the certificate content cannot be rendered: {type(exc).__name__}"]
    if rendered == data:
        return []
    at = next(
        (i for i, (a, b) in enumerate(zip(rendered, data, strict=False)) if a != b), min(len(rendered), len(data))
    )
    return [f"the page differs from what its signed content renders, from byte {at}"]


def _consistency_problems(payload: dict[str, Any]) -> list[str]:
    """What the certificate's own content implies: its counting, under a registered policy."""
    try:
        policy = Policy.from_json(payload["policy"])
        complete = bool(payload["completeness"]["complete"])
        identity = str(payload["solution"]["status"])
        evidence_ok = bool(payload["evidence"]["verified"])
        socles = payload["socles"]
        claimed = payload["at_least_two"]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"certificate content incomplete: {exc}"]
    out: list[str] = []
    if not policy.registered:
        out.append(
            f"the counting policy {policy.id} {policy.version} (SHA-256 {policy.sha256}) is not a registered "
            "policy: its 'at least two services socles' verdict is not the programme's (politique non standard)"
        )
    blockers = run_blockers(complete, identity)
    for name, s in socles.items():
        count = count_socle(policy, name, s, str(payload.get("mode", "")), evidence_ok, blockers)
        if count.counts != bool(s.get("counts")):
            out.append(
                f"{name}: the certificate says it {'counts' if s.get('counts') else 'does not count'}, "
                f"its own verdicts say otherwise"
            )
    counting = sorted(n for n, s in socles.items() if s.get("counts"))
    if claimed.get("counting") != counting or bool(claimed.get("verdict")) != (len(counting) >= policy.minimum):
        out.append("the 'at least two services socles' verdict does not follow from the socles that count")
    return out


def _run_file_problems(payload: dict[str, Any], source: Path) -> tuple[list[str], list[str]]:
    """results.json and junit.xml beside the evidence, against the hashes the certificate signs."""
    run_dir = source if source.is_dir() and (source / "evidence").is_dir() else None
    if run_dir is None:
        return [], ["results.json and junit.xml not checked: give the run folder as --evidence"]
    problems: list[str] = []
    for name in RUN_FILES:
        signed = (payload.get("files") or {}).get(name)
        path = run_dir / name
        actual = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        if signed != actual:
            problems.append(f"{name} is not the one the certificate signs ({'altered' if actual else 'missing'})")
    return problems, []


def _identity_problems(payload: dict[str, Any], facts: list[IdentityFact]) -> list[str]:
    solution = payload.get("solution") or {}
    stated = {IdentityFact.from_json(f) for f in solution.get("observed") or []}
    again = assess(solution.get("declared") or {}, facts)
    out: list[str] = []
    if stated != set(again.facts):
        out.append("the software the exchanges name is not what the certificate says they name")
    if again.status != solution.get("status"):
        out.append(
            f"the solution's identity is {again.status} from the evidence, {solution.get('status')} on the certificate"
        )
    return out


def load_certificate(path: Path) -> tuple[bytes, dict[str, Any], dict[str, Any], str]:
    data = Path(path).read_bytes()
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValueError(f"{path} is larger than any certificate ({len(data)} bytes)")
    data.decode("utf-8")
    payload, envelope, lang = _blocks(data)
    return data, payload, envelope, lang


def verify_certificate(
    path: Path,
    evidence: Path | None = None,
    anchors: list[x509.Certificate] | Path | None = None,
    crls: list[x509.CertificateRevocationList] | None = None,
    *,
    rejudge_evidence: bool = False,
) -> Verification:
    """The verdict on one certificate.html (see the module docstring). `anchors` and `crls` are best loaded
    first (`trust.load_anchors`, `trust.read_crls`: unreadable ones are a usage error, not a verdict); a
    path of anchors is loaded here, and an unreadable one makes the answer invalid."""
    if isinstance(anchors, Path | str):
        try:
            anchors = load_anchors(Path(anchors))
        except TrustError as exc:
            return _invalid(str(exc))
    try:
        data, payload, envelope, lang = load_certificate(path)
    except OSError as exc:
        return _invalid(f"cannot read {path}: {exc.strerror or exc}")
    except (UnicodeDecodeError, ValueError, etree.LxmlError) as exc:
        return _invalid(f"not a readable dui-conformance certificate: {exc}")
    if payload.get("schema") != SCHEMA:
        return _invalid(f"certificate schema is {payload.get('schema')!r}, expected {SCHEMA}")
    signer = check_signer(payload, envelope, anchors, crls)
    out = Verification(signer.status, list(signer.problems), [], payload, signer)
    if not out.problems:
        out.problems += _rendering_problems(payload, envelope, lang, data)
    if not out.problems:
        out.problems += _consistency_problems(payload)
    _describe(out, payload)
    if evidence is not None:
        _check_evidence(out, payload, Path(evidence), rejudge_evidence)
    elif rejudge_evidence:
        out.problems.append("--rejudge needs the evidence (--evidence RUN_DIR or evidence.zip)")
    if out.problems:
        out.status = INVALID
    return out


def _describe(out: Verification, payload: dict[str, Any]) -> None:
    """Notes for a certificate that holds but does not count."""
    run = payload.get("completeness") or {}
    if not run.get("complete", False):
        out.notes.append("exécution partielle (partial run): " + "; ".join(run.get("reasons_en") or []))
    for b in payload.get("blockers") or []:
        if b.get("code") != "partial-run":
            out.notes.append(f"does not count: {b.get('en')}")
    if out.signer and out.signer.auto_attested:
        out.notes.append("auto-attesté: signed by the producing installation's own key")
    out.notes.extend(f"not trusted: {r}" for r in (out.signer.reasons if out.signer else []) if "auto" not in r)


def _check_evidence(out: Verification, payload: dict[str, Any], source: Path, again: bool) -> None:
    folder = evidence_folder(source)
    try:
        store = open_evidence(folder)
        out.problems.extend(store.problems())
        if store.index_sha256 != (payload.get("evidence") or {}).get("index_sha256"):
            out.problems.append("the evidence index is not the one the certificate signs (index.json altered)")
        files, notes = _run_file_problems(payload, source)
        out.problems.extend(files)
        out.notes.extend(notes)
        facts = observed_facts(payload.get("socles") or {}, store.entries, store.read)
        out.problems.extend(_identity_problems(payload, facts))
        if again and not out.problems:
            _rejudge(out, payload, store)
        store.close()
    except EvidenceError as exc:
        out.problems.append(str(exc))


def _rejudge(out: Verification, payload: dict[str, Any], store: Any) -> None:
    from conformance.requirements import catalog_for

    stated_sets = {
        m.get("socle"): m.get("sha256")
        for m in payload.get("rule_sets") or []
        if m.get("kind") == "requirement-catalog"
    }
    for socle, sha in stated_sets.items():
        installed = catalog_for(str(socle)).sha256
        if installed != sha:
            out.problems.append(
                f"cannot re-judge: the {socle} catalog installed (SHA-256 {installed[:12]}…) is not the one the "
                f"certificate used ({str(sha)[:12]}…); use dui-conformance {payload.get('harness', {}).get('version')}"
            )
    if out.problems:
        return
    result = rejudge(store)
    out.rejudged = result.judgements
    out.problems.extend(f"re-judgement: {p}" for p in result.problems)
    stated = {name: [(q["id"], q["verdict"]) for q in s["requirements"]] for name, s in payload["socles"].items()}
    out.comparisons = compare(stated, result)
    out.problems.extend(f"contradicted: {c.describe()}" for c in out.contradicted)
