"""The certificates a grappe hands in: found in a folder, verified, and given a trust level.

This module is the dossier's ONE adapter to certificate verification
(`conformance.certificate.verify.verify_certificate`); the rest of the dossier only sees
`CertificateCheck`. Mapping of the verifier's answer to the dossier's trust levels:

- `invalid`: the verifier says `invalid` (not a certificate, altered, bad signature, a signer that may
  not sign certificates, a non-standard counting policy presented as the standard one...);
- `auto-attested`: intact, signed by the installation's own key (read from the signer certificate,
  never from the payload);
- `witnessed`: intact and `valid` against the trust anchors given to `conformance dossier --trust FILE`;
- `untrusted`: intact, but no anchors given or the chain does not reach them ("intact, signer not
  trusted").

Evidence: when the certificate's run folder sits beside it (`evidence/` with its index, or
`evidence.zip`), every evidence file is re-hashed against the index the certificate signs and the
verdicts are re-judged from it when asked (`conformance dossier --rejudge`;
`verify_certificate(..., evidence=..., rejudge_evidence=True)`): evidence `verified` or `altered`,
re-judgement `confirmed` or `contradicted`; otherwise `absent` and `unavailable`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.certificate.trust import INVALID, VALID
from conformance.certificate.verify import MAX_CERTIFICATE_BYTES, verify_certificate
from conformance.dossier.problems import ERROR, Problem, problem

MAX_FILES = 2000
SKIPPED_DIRS = {"evidence", ".git", "__pycache__"}
CANDIDATE_SUFFIXES = (".html", ".htm")
_NOT_EVIDENCE = ("contradicted:", "cannot re-judge")  # about the verdicts or the installed catalog, not the files


def short_label(name: str, title_fr: str) -> str:
    """A socle's short label from its own title: the text in parentheses when short ("... (MSSanté)"), else NAME."""
    found = re.search(r"\(([^()]{1,16})\)\s*$", title_fr or "")
    return found.group(1) if found else name.upper()


@dataclass
class CertificateCheck:
    path: Path
    name: str  # path relative to the certificates folder, as the dossier prints it
    sha256: str
    trust: str  # witnessed | auto-attested | untrusted | invalid
    problems: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict)
    evidence: str = "absent"  # verified | altered | absent
    evidence_problems: list[str] = field(default_factory=list)
    rejudge: str = "unavailable"  # confirmed | contradicted | unavailable
    verified_signer: str = ""  # the subject of the verified signing certificate, never the payload's say

    @property
    def is_certificate(self) -> bool:
        return bool(self.payload)

    @property
    def solution(self) -> str:
        return str(self._declared.get("name") or "")

    @property
    def version(self) -> str:
        return str(self._declared.get("version") or "")

    @property
    def _declared(self) -> dict[str, Any]:
        """The software the run declared (the certificate says separately whether the exchanges agree)."""
        solution = self.payload.get("solution") or {}
        declared = solution.get("declared") if isinstance(solution, dict) else None
        return declared if isinstance(declared, dict) else {}

    @property
    def certificate_id(self) -> str:
        return str(self.payload.get("certificate_id") or "")

    @property
    def signer(self) -> str:
        return self.verified_signer

    @property
    def complete(self) -> bool:
        return bool((self.payload.get("completeness") or {}).get("complete"))

    def socles(self) -> list[dict[str, Any]]:
        """Per socle of the certificate: name, French title, verdict, counted or not and why not."""
        out = []
        for name, s in (self.payload.get("socles") or {}).items():
            if isinstance(s, dict):
                out.append(
                    {
                        "name": name,
                        "title_fr": str(s.get("title_fr") or name),
                        "label": short_label(name, str(s.get("title_fr") or "")),
                        "verdict": str(s.get("verdict") or ""),
                        "counts": bool(s.get("counts")),
                        "reasons_fr": [str(r) for r in s.get("reasons_fr") or []],
                    }
                )
        return out

    def counted(self, among: tuple[str, ...]) -> list[str]:
        return [s["name"] for s in self.socles() if s["counts"] and s["name"] in among]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "sha256": self.sha256,
            "certificate_id": self.certificate_id,
            "solution": {"name": self.solution, "version": self.version},
            "issued_at": self.payload.get("issued_at"),
            "signer": self.signer,
            "trust": self.trust,
            "problems": self.problems,
            "evidence": self.evidence,
            "evidence_problems": self.evidence_problems[:20],
            "rejudge": self.rejudge,
            "run_status": self.payload.get("status"),
            "counting_policy": {k: (self.payload.get("policy") or {}).get(k) for k in ("id", "version", "sha256")},
            "socles": self.socles(),
        }


def _evidence_beside(path: Path) -> Path | None:
    folder = path.parent
    if (folder / "evidence" / "index.json").is_file():
        return folder / "evidence"
    if (folder / "evidence.zip").is_file():
        return folder / "evidence.zip"
    return None


def check_certificate(path: Path, name: str, trust: Path | None = None, *, rejudge: bool = False) -> CertificateCheck:
    """Verify one file and map the result to a trust level (the mapping is in the module docstring)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return CertificateCheck(path, name, "", "invalid", ["not a regular file"])
        if info.st_size > MAX_CERTIFICATE_BYTES:
            return CertificateCheck(path, name, "", "invalid", [f"larger than any certificate ({info.st_size} bytes)"])
        data = path.read_bytes()
    except OSError as exc:
        return CertificateCheck(path, name, "", "invalid", [f"cannot read: {exc.strerror or exc}"])
    check = CertificateCheck(path, name, hashlib.sha256(data).hexdigest(), "invalid")
    result = verify_certificate(path, anchors=trust)
    check.payload = dict(result.payload or {})
    if result.signer is not None:
        check.verified_signer = result.signer.subject
    if result.status == INVALID:
        check.problems = list(result.problems)
        return check
    if result.signer is not None and result.signer.auto_attested:
        check.trust = "auto-attested"
    elif result.status == VALID:
        check.trust = "witnessed"
    else:
        check.trust = "untrusted"
    evidence = _evidence_beside(path)
    if evidence is not None:
        again = verify_certificate(path, evidence=evidence, anchors=trust, rejudge_evidence=rejudge)
        contradicted = [p for p in again.problems if p.startswith("contradicted:")]
        check.evidence_problems = [p for p in again.problems if not p.startswith(_NOT_EVIDENCE)]
        check.evidence = "altered" if check.evidence_problems else "verified"
        if rejudge and again.comparisons is not None:
            check.rejudge = "contradicted" if contradicted else "confirmed"
    return check


@dataclass
class Found:
    checks: list[CertificateCheck] = field(default_factory=list)  # verified certificates, one per id
    by_name: dict[str, CertificateCheck] = field(default_factory=dict)  # every candidate file read
    problems: list[Problem] = field(default_factory=list)


def _candidates(folder: Path) -> tuple[list[Path], bool]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for file in sorted(files):
            path = Path(root) / file
            if path.suffix.lower() in CANDIDATE_SUFFIXES and not path.is_symlink():
                found.append(path)
                if len(found) >= MAX_FILES:
                    return sorted(found), True
    return sorted(found), False


def find_certificates(folder: Path, trust: Path | None = None, *, rejudge: bool = False) -> Found:
    """Every HTML file under `folder` (evidence folders skipped, links not followed), verified once."""
    out = Found()
    paths, truncated = _candidates(Path(folder))
    if truncated:
        out.problems.append(problem(str(folder), None, "", ERROR, "certificate-too-many", limit=MAX_FILES))
    kept: dict[str, CertificateCheck] = {}
    for path in paths:
        name = path.relative_to(folder).as_posix()
        check = check_certificate(path, name, trust, rejudge=rejudge)
        out.by_name[name] = check
        if not check.is_certificate:
            reason = "; ".join(check.problems[:2]) or "?"
            out.problems.append(problem(name, None, "", ERROR, "certificate-not-certificate", reason=reason))
            continue
        if check.trust == "invalid":
            reason = "; ".join(check.problems[:2])
            out.problems.append(problem(name, None, "", ERROR, "certificate-invalid", reason=reason))
            continue
        if check.evidence == "altered":
            reason = "; ".join(check.evidence_problems[:2])
            out.problems.append(problem(name, None, "", ERROR, "certificate-evidence-altered", reason=reason))
        first = kept.get(check.certificate_id)
        if first is None:
            kept[check.certificate_id] = check
            out.checks.append(check)
        elif first.payload != check.payload:  # same id, different content: both intact means two issuings
            out.checks.append(check)
    return out
