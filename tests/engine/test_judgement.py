"""Judgement records: contexts written down with their parts and files, read back from the evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.engine.evidence import EvidenceJournal
from conformance.engine.evidence_store import open_evidence
from conformance.engine.judgement import Judgement, JudgementError, decode, decode_context, encode, encode_context
from conformance.engine.verifier import at_capture_time
from conformance.model import CheckContext


def test_a_context_round_trips_through_the_evidence(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(b"CA BUNDLE")
    journal = EvidenceJournal(tmp_path / "evidence")

    def attach(data: bytes, what: str) -> str:
        return journal.attach("part", what, data).sha256

    ctx = CheckContext(
        patient={"ins": "1"},
        whitelist=("a.fr",),
        extra={"ca_bundle": bundle, "documents": {"D1": b"%PDF"}, "n": 3},
    )
    data = encode_context(ctx, attach)
    again = encode_context(ctx, attach)
    assert data == again and len(journal.refs()) == 2  # the same bytes are recorded once
    journal.close()
    store = open_evidence(tmp_path / "evidence")
    back = decode_context(data, store)
    assert back.whitelist == ("a.fr",) and back.patient == {"ins": "1"}
    assert back.extra["documents"] == {"D1": b"%PDF"} and back.extra["n"] == 3
    assert Path(back.extra["ca_bundle"]).read_bytes() == b"CA BUNDLE"
    store.close()


def test_the_reference_time_is_the_capture_time_and_is_written_down(tmp_path: Path) -> None:
    """One mechanism for "now": the evidence entry's capture time becomes `CheckContext.at` (source
    capture) in the scenario, its re-judgement and the validation of its evidence; the record keeps it."""
    ctx = at_capture_time(CheckContext(), "2026-03-01T10:00:00.123Z")
    assert ctx.reference_time() == (datetime(2026, 3, 1, 10, 0, 0, 123000, tzinfo=UTC), "capture")
    assert at_capture_time(CheckContext(), "") == CheckContext()  # no capture time: the validation time
    data = encode_context(ctx, lambda b, what: "p")
    assert data["at"] == "2026-03-01T10:00:00.123000+00:00" and data["at_source"] == "capture"
    journal = EvidenceJournal(tmp_path / "evidence")
    journal.close()
    store = open_evidence(tmp_path / "evidence")
    assert decode_context(data, store).reference_time() == ctx.reference_time()
    with pytest.raises(JudgementError):
        decode_context({**data, "at": "yesterday"}, store)
    store.close()


def test_what_cannot_be_written_down_is_refused() -> None:
    with pytest.raises(TypeError):
        encode({"x": object()}, lambda data, what: "p")
    with pytest.raises(TypeError):
        encode({"$evidence": "forged"}, lambda data, what: "p")


def test_a_record_pointing_at_missing_or_edited_evidence(tmp_path: Path) -> None:
    journal = EvidenceJournal(tmp_path)
    journal.close()
    store = open_evidence(tmp_path)
    with pytest.raises(JudgementError):
        decode({"$evidence": "00001-part-x"}, store)
    with pytest.raises(JudgementError):
        decode({"$evidence": "00001-part-x"}, store, by_digest=False)
    with pytest.raises(JudgementError):
        Judgement.from_json({"schema": "other"})
    with pytest.raises(JudgementError):
        Judgement.from_json({"schema": "dui-conformance/judgement/2", "scenario": "s", "socle": "a", "checks": "a"})


def test_a_reference_is_a_digest_that_survives_renaming_and_refuses_altered_bytes(tmp_path: Path) -> None:
    """judgement/2 names entries by SHA-256: a renamed file is still found, an altered one never read, and
    the same bytes listed twice are read from the copy that is intact."""
    journal = EvidenceJournal(tmp_path)
    first = journal.record("part", "a", b"PART")
    second = journal.record("other", "b", b"PART")
    empty = journal.record("part", "c", b"")
    journal.close()
    ref = {"$evidence": first.sha256}
    assert decode(ref, open_evidence(tmp_path)) == b"PART"
    assert decode({"$evidence": empty.sha256}, open_evidence(tmp_path)) == b""  # empty bytes, not missing ones
    (tmp_path / first.path).write_bytes(b"EDIT")
    assert decode(ref, open_evidence(tmp_path)) == b"PART"  # read from the intact copy
    (tmp_path / second.path).write_bytes(b"EDIT")
    with pytest.raises(JudgementError, match=first.sha256):
        decode(ref, open_evidence(tmp_path))


def test_a_judgement_1_record_is_read_by_file_name(tmp_path: Path) -> None:
    """Certificates issued before judgement/2 name entries by file name: their records are still replayed."""
    journal = EvidenceJournal(tmp_path)
    part = journal.record("part", "a", b"PART")
    journal.close()
    record = {"schema": "dui-conformance/judgement/1", "scenario": "s", "socle": "a", "checks": "a", "at": "t"}
    old = Judgement.from_json({**record, "artifact": {"path": part.path, "sha256": part.sha256}})
    assert not old.by_digest and old.to_json()["schema"] == "dui-conformance/judgement/1"
    store = open_evidence(tmp_path)
    assert decode({"$evidence": part.path}, store, old.by_digest) == b"PART"
    with pytest.raises(JudgementError):
        decode({"$evidence": part.sha256}, store, old.by_digest)  # a digest is not a file name
    new = Judgement.from_json({**record, "schema": "dui-conformance/judgement/2", "artifact": {"sha256": "x"}})
    assert new.by_digest
