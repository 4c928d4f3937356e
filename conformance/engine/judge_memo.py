"""The checks run once per run for the same judgement: the forty-eight DMP rule scenarios judge one shared feed.

A scenario judges an artifact with every check of a socle and keeps the findings of the requirements it
declares; several scenarios share one exchange (the N1 feed's rule scenarios, the MSSanté receipts of one
message), and each ran every check again: a full XAdES and VIHF verification, MTOM and CDA reading and the PDF/A
checks, forty-eight times over the same bytes (about a second of a three-socle run).

The verdicts of a judgement depend on what its record holds and nothing else: that is what makes a run
re-judgeable from its evidence (`engine.judgement`). So a judgement is kept under the digest of exactly those
inputs: whose checks ran, the artifact's kind, name, bytes and meta, and the whole `CheckContext` (bytes and
files by their SHA-256, the capture time included). Two judgements that would write the same record are
computed once; any difference (another capture time, another expected patient, another file's content) is
another key. The memo belongs to one run session: the checks registered in the process cannot change under
it. Every scenario still records its own evidence, parts and judgement record, as before.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from conformance.engine.judgement import encode_context, encode_meta
from conformance.kept import Kept
from conformance.model import Artifact, CheckContext
from conformance.registry import Judged, judge

SIZE = 16  # judgements kept: the scenarios sharing one exchange judge it between their own observations
# a kept judgement holds the artifact and its parts: one of a larger artifact (a 10 MB message and its
# attachments) is made again when asked again rather than kept, so the memo stays within a few tens of MB
MAX_BYTES = 2 * 1024 * 1024


def _fingerprint(data: bytes, what: str) -> str:
    return f"{what}:{hashlib.sha256(data).hexdigest()}"


def judgement_key(art: Artifact, ctx: CheckContext, checks: str) -> str | None:
    """The digest of everything a judgement's verdicts may depend on; None when the inputs cannot be written
    down (the verifier refuses such a judgement anyway: it could not be re-judged)."""
    try:
        inputs: dict[str, Any] = {
            "checks": checks,
            "kind": art.kind,
            "name": art.name,
            "sha256": art.sha256,
            "meta": encode_meta(art.meta, _fingerprint),
            "context": encode_context(ctx, _fingerprint),
        }
    except TypeError:
        return None
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class JudgeMemo:
    def __init__(self, size: int = SIZE) -> None:
        self._kept: Kept[list[Judged]] = Kept(size)
        self.made = 0  # judgements computed (the rest were kept ones): for tests and benches

    def judge(self, art: Artifact, ctx: CheckContext, checks: str) -> list[Judged]:
        """`registry.judge(art, ctx, [checks])`, computed once per key. The nodes are shared between the
        scenarios that ask: callers read them and never change them."""
        key = judgement_key(art, ctx, checks) if len(art.data) <= MAX_BYTES else None
        if key is None:
            return self._judge(art, ctx, checks)
        return self._kept.get(key, lambda: self._judge(art, ctx, checks))

    def _judge(self, art: Artifact, ctx: CheckContext, checks: str) -> list[Judged]:
        self.made += 1
        return judge(art, ctx, [checks])
