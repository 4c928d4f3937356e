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


def test_the_evidence_store_reads_no_link_out_of_its_folder_nor_a_fifo(tmp_path: Path) -> None:
    """A listed name is read only as a regular file of the evidence folder: a symbolic link to a file
    outside (listed with that file's true digest) and a FIFO (which would block a reader) are refused as
    missing, and a name that climbs out is never opened."""
    import os

    from conformance.engine.evidence_store import open_evidence

    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"outside")
    journal = EvidenceJournal(tmp_path / "evidence")
    kept = journal.record("email", "a.eml", b"inside")
    journal.close()
    root = tmp_path / "evidence"
    (root / "00002-link").symlink_to(secret)
    os.mkfifo(root / "00003-fifo")
    index = json.loads((root / "index.json").read_text())
    digest = hashlib.sha256(b"outside").hexdigest()
    for name in ("00002-link", "00003-fifo", "../secret.txt"):
        index["entries"].append({"path": name, "sha256": digest, "size": 7, "kind": "email", "role": "dui"})
    (root / "index.json").write_text(json.dumps(index))
    store = open_evidence(root)
    assert store.read(kept.path) == b"inside"
    assert store.read("00002-link") is None and store.read("00003-fifo") is None
    assert store.read("../secret.txt") is None and store.read_ref(digest) is None
    problems = store.problems()
    assert any("00002-link is missing" in p for p in problems) and any("00003-fifo is missing" in p for p in problems)
    assert any("'../secret.txt' is not a plain file name" in p for p in problems)
