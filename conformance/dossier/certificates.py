"""The certificates a grappe hands in: found in a folder, verified, and given a trust level.

This module is the dossier's ONE adapter to certificate verification
(`conformance.certificate.verify.verify_certificate`); the rest of the dossier only sees
`CertificateCheck`. Mapping of today's verification to the dossier's trust levels:

- `invalid`: `verify_certificate(path)` is not valid (not a certificate, altered, bad signature);
- `auto-attested`: intact and the payload's signer says `auto_attested` (the installation's own key);
- `witnessed`: intact, not auto-attested, and `verify_certificate(path, trust=ANCHORS)` is valid with
  the trust anchors given to `conformance dossier --trust FILE`;
- `untrusted`: intact, but neither (no anchors given, or the chain does not reach them).

Evidence: when the certificate's run folder sits beside it (`evidence/` with its index, or
`evidence.zip`), every evidence file is re-hashed against the index the certificate signs
(`verify_certificate(path, evidence=...)`): `verified` or `altered`; otherwise `absent`. Re-judging
the verdicts from that evidence needs the certificate verifier to offer it: until it does the
dossier says "re-jugement non disponible" rather than claiming it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.certificate.verify import MAX_CERTIFICATE_BYTES, verify_certificate
from conformance.dossier.problems import ERROR, Problem, problem

MAX_FILES = 2000
SKIPPED_DIRS = {"evidence", ".git", "__pycache__"}
CANDIDATE_SUFFIXES = (".html", ".htm")


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
    rejudge: str = "unavailable"

    @property
    def is_certificate(self) -> bool:
        return bool(self.payload)

    @property
    def solution(self) -> str:
        return str((self.payload.get("solution") or {}).get("name") or "")

    @property
    def version(self) -> str:
        return str((self.payload.get("solution") or {}).get("version") or "")

    @property
    def certificate_id(self) -> str:
        return str(self.payload.get("certificate_id") or "")

    @property
    def signer(self) -> str:
        return str((self.payload.get("signer") or {}).get("subject") or "")

    @property
    def complete(self) -> bool:
        return self.payload.get("status") == "complete"

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


def check_certificate(path: Path, name: str, trust: Path | None = None) -> CertificateCheck:
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
    result = verify_certificate(path)
    check.payload = dict(result.payload or {})
    if not result.valid:
        check.problems = list(result.problems)
        return check
    if (check.payload.get("signer") or {}).get("auto_attested"):
        check.trust = "auto-attested"
    elif trust is not None and verify_certificate(path, trust=trust).valid:
        check.trust = "witnessed"
    else:
        check.trust = "untrusted"
    evidence = _evidence_beside(path)
    if evidence is not None:
        with_evidence = verify_certificate(path, evidence=evidence)
        check.evidence = "verified" if with_evidence.valid else "altered"
        check.evidence_problems = list(with_evidence.problems)
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


def find_certificates(folder: Path, trust: Path | None = None) -> Found:
    """Every HTML file under `folder` (evidence folders skipped, links not followed), verified once."""
    out = Found()
    paths, truncated = _candidates(Path(folder))
    if truncated:
        out.problems.append(problem(str(folder), None, "", ERROR, "certificate-too-many", limit=MAX_FILES))
    kept: dict[str, CertificateCheck] = {}
    for path in paths:
        name = path.relative_to(folder).as_posix()
        check = check_certificate(path, name, trust)
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
