"""Client TLS contexts kept while the files they were built from stay unchanged.

A real client builds its TLS context once and reuses it for every connection; the reference DUI built
one per exchange, reading the CA bundle, the CRL and its key each time (about 3 ms a context, a few
hundred contexts a run). A context is kept under a key made of the builder's own parameters and the
identity of every file it reads (path, inode, modification time, size): a CRL or a certificate the
harness replaces during a run (an atomic rename gives a new inode) makes a new context, so a revocation
is never missed. Kept contexts are only read after they are built (`wrap_socket`), which OpenSSL allows
from several threads.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Hashable
from pathlib import Path

from conformance.kept import Kept

KEEP = 64  # contexts kept (least recently used dropped first): a run uses a few dozen combinations

_kept: Kept[ssl.SSLContext] = Kept(KEEP)


def file_identity(path: str | Path | None) -> tuple[str, int, int, int] | None:
    """What makes a file's content the same as when it was read; a missing file is its own identity."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), -1, -1, -1)
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def reused(
    params: Hashable, files: tuple[str | Path | None, ...], build: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    """The context `build()` makes for `params` and `files`, built again only when a file changed.

    A failing `build` (a missing CRL, a bad key) raises every time: nothing is kept for it."""
    return _kept.get((params, tuple(file_identity(f) for f in files)), build)


def forget() -> None:
    """Drop every kept context (tests that count context builds)."""
    _kept.clear()
