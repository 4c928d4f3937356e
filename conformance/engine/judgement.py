"""Judgement records: how a scenario judged one evidence entry, written so that anyone can do it again.

For every artifact a scenario hands to the checks, the verifier writes a JSON record (role JUDGEMENT)
with the entry judged, the artifact's kind, name and meta, the complete `CheckContext`, the capture
time used as "now", which socle's checks ran, which requirements the scenario kept and, for findings
charged to another requirement (e-prescription's EP-23 over the DMP's rules), the group they are
concluded in. Bytes and files a check reads beside the artifact (the MTOM parts of a request, the CA
bundle a TLS check trusts) are recorded as evidence too and referenced, never inlined.

A record names the entries it reads by their SHA-256 (`judgement/2`): the judged artifact (`artifact.sha256`)
and each part or file (`{"$evidence": sha256}`, `{"$file": sha256}`). A digest is what the index vouches
for, and it stays true when entries are renumbered (a parallel run's merge) or copied into another folder;
file names did neither (records of `judgement/1` name entries by file name and are still read).

`encode_*` turn live objects into that record; `decode_*` give them back from an evidence store.
A value of any other type is refused at recording time (TypeError): a context that cannot be written
down cannot be re-judged, and the suite that builds it must be fixed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.model import CheckContext, Finding

if TYPE_CHECKING:
    from conformance.engine.evidence_store import EvidenceStore

SCHEMA = "dui-conformance/judgement/2"  # 2: entries referenced by their SHA-256
BY_NAME = "dui-conformance/judgement/1"  # entries referenced by their file name in the evidence folder
KIND = "judgement"
BYTES, FILE = "$evidence", "$file"  # markers of values recorded as their own evidence entries
TRANSIENT_META = frozenset({"evidence_ref", "source_ref", "role"})  # the verifier's own, not the checks'

Attach = Callable[[bytes, str], str]  # (data, "bytes" | "file") -> reference of the evidence entry


class JudgementError(ValueError):
    """A judgement record that cannot be replayed (edited, or pointing at missing evidence)."""


def encode(value: Any, attach: Attach, where: str = "value") -> Any:
    """A JSON form of `value`; bytes and paths become references to evidence entries made by `attach`."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray):
        return {BYTES: attach(bytes(value), "bytes")}
    if isinstance(value, Path):
        try:
            data = value.read_bytes()
        except OSError as exc:
            raise TypeError(f"{where}: cannot record file {value}: {exc}") from exc
        return {FILE: attach(data, "file")}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [encode(v, attach, f"{where}[]") for v in items]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or k in (BYTES, FILE):
                raise TypeError(f"{where}: key {k!r} cannot be recorded")
            out[k] = encode(v, attach, f"{where}.{k}")
        return out
    raise TypeError(f"{where}: a {type(value).__name__} cannot be recorded for re-judgement")


def decode(value: Any, store: EvidenceStore, by_digest: bool = True) -> Any:
    """`value` with its references read back (`by_digest`: they are SHA-256, else file names)."""
    if isinstance(value, list):
        return [decode(v, store, by_digest) for v in value]
    if isinstance(value, dict):
        if set(value) == {BYTES}:
            data = store.read_ref(str(value[BYTES]), by_digest)
            if data is None:
                raise JudgementError(f"recorded part {value[BYTES]} is missing or altered")
            return data
        if set(value) == {FILE}:
            path = store.file_ref(str(value[FILE]), by_digest)
            if path is None:
                raise JudgementError(f"recorded file {value[FILE]} is missing or altered")
            return path
        return {k: decode(v, store, by_digest) for k, v in value.items()}
    return value


def encode_context(ctx: CheckContext, attach: Attach) -> dict[str, Any]:
    out = {
        f.name: encode(getattr(ctx, f.name), attach, f"ctx.{f.name}") for f in dataclasses.fields(ctx) if f.name != "at"
    }
    out["at"] = ctx.at.isoformat() if ctx.at is not None else None  # the reference time, as ISO 8601
    return out


def decode_context(data: Mapping[str, Any], store: EvidenceStore, by_digest: bool = True) -> CheckContext:
    kwargs: dict[str, Any] = {}
    defaults = CheckContext()
    for f in dataclasses.fields(CheckContext):
        if f.name not in data:
            continue
        value = decode(data[f.name], store, by_digest)
        if f.name == "at" and value is not None:
            try:
                value = datetime.fromisoformat(str(value))
            except ValueError as exc:
                raise JudgementError(f"context reference time unreadable: {exc}") from exc
        kwargs[f.name] = tuple(value) if isinstance(getattr(defaults, f.name), tuple) and value is not None else value
    if not isinstance(kwargs.get("extra", {}), dict):
        raise JudgementError("context extra is not an object")
    return CheckContext(**kwargs)


def encode_meta(meta: Mapping[str, Any], attach: Attach) -> dict[str, Any]:
    return {k: encode(v, attach, f"meta.{k}") for k, v in meta.items() if k not in TRANSIENT_META}


@dataclass
class Judgement:
    """One record, as written in the journal (see the module docstring)."""

    scenario: str
    socle: str  # the scenario's socle: where its findings count
    checks: str  # whose checks ran over the artifact
    at: str  # capture time: "now" for the checks
    artifact: dict[str, Any] | None = None  # {sha256, kind, name, meta} (judgement/1: also its path)
    context: dict[str, Any] | None = None
    keep: list[str] | None = None  # requirements kept (None: every finding)
    charge: dict[str, str] | None = None  # {"requirement": rid, "group": id}
    replayed: list[dict[str, Any]] | None = None  # harness findings with no artifact (a scenario that died)
    provoked: list[str] | None = None  # rules the harness made the DUI break on purpose (a deliberately bad input)
    schema: str = SCHEMA  # which record format it was read from: how it references entries

    @property
    def by_digest(self) -> bool:
        return self.schema != BY_NAME

    def to_json(self) -> dict[str, Any]:
        """The record as written; its values are shared, not copied (`asdict`'s deep copy of every context
        cost 0.4 ms per record, written at once by `record_json` and never changed)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "schema"}
        return {"schema": self.schema, **fields}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Judgement:
        if data.get("schema") not in (SCHEMA, BY_NAME):
            raise JudgementError(f"judgement schema is {data.get('schema')!r}, expected {SCHEMA}")
        values: dict[str, Any] = {f.name: data.get(f.name) for f in dataclasses.fields(cls)}
        try:
            j = cls(**values)
        except TypeError as exc:
            raise JudgementError(f"judgement record unreadable: {exc}") from exc
        if not all(isinstance(v, str) for v in (j.scenario, j.socle, j.checks, j.at)):
            raise JudgementError("judgement record without scenario, socle, checks or time")
        if j.artifact is None and j.replayed is None:
            raise JudgementError("judgement record with neither an artifact nor replayed findings")
        return j

    def replayed_findings(self) -> list[Finding]:
        return [Finding.from_json(f) for f in self.replayed or []]
