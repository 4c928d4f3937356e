"""The evidence journal: hashed, append-only, safe names, readable after a kill."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from conformance.engine.evidence import EvidenceJournal, read_journal, safe_name


def test_record_hashes_and_indexes(tmp_path: Path) -> None:
    j = EvidenceJournal(tmp_path)
    ref = j.record("message", "a.eml", b"hello", meta={"k": 1}, requirements=["MSS-MSG-01"])
    assert ref.sha256 == hashlib.sha256(b"hello").hexdigest() and ref.size == 5
    assert (tmp_path / ref.path).read_bytes() == b"hello"
    j.close()
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["schema"] == "dui-conformance/evidence-index/2"
    assert index["entries"][0]["requirements"] == ["MSS-MSG-01"]
    assert index["entries"][0]["role"] == "dui" and index["entries"][0]["time"].endswith("Z")


def test_hostile_names_stay_inside(tmp_path: Path) -> None:
    j = EvidenceJournal(tmp_path / "ev")
    ref = j.record("../../kind", "../../../etc/passwd", b"x")
    assert (tmp_path / "ev" / ref.path).exists()
    assert "/" not in ref.path and ".." not in ref.path
    assert safe_name("..\\..\\x") == "x"
    assert safe_name("") == "artifact"


def test_concurrent_records_are_all_kept(tmp_path: Path) -> None:
    j = EvidenceJournal(tmp_path)
    threads = [
        threading.Thread(target=lambda i=i: [j.record("k", f"n{i}", bytes([i]) * 10) for _ in range(50)])
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(j.refs()) == 400 and len({r.path for r in j.refs()}) == 400
    assert len(read_journal(tmp_path)) == 400


def test_journal_survives_a_cut_last_line(tmp_path: Path) -> None:
    j = EvidenceJournal(tmp_path)
    j.record("k", "one", b"1")
    j.record("k", "two", b"2")
    with open(tmp_path / "journal.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"seq": 3, "path": "trunc')  # what a kill in the middle of a write leaves
    rows = read_journal(tmp_path)
    assert [r["seq"] for r in rows] == [1, 2]
