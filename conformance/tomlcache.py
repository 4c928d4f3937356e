"""The harness's own TOML files (requirement catalogs, message tables), parsed once per machine.

Every process of a run reads them: the controller and each worker of a parallel run, the scenario
subprocesses of a test suite. tomllib is pure Python: about 0.1 s per process for the three catalogs and
the message tables. Their parsed form is kept as JSON in the user cache ($CONFORMANCE_TOML_CACHE, else
$XDG_CACHE_HOME/dui-conformance/toml) under the SHA-256 of the file's bytes, so an edited file is another
key and never read from an older parse. Only what JSON gives back identical is kept (strings, integers,
booleans, finite floats, arrays, tables): a TOML date, or a float JSON cannot write, is parsed every time.
A cache entry that cannot be read as a JSON table is parsed again and rewritten; a cache that cannot be
written is not used. Parse errors are tomllib's, as before.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import orjson

from conformance.paths import user_cache

FORMAT = b"toml-json/1"  # part of every key: a change of the kept form is a new key


def cache_dir() -> Path:
    return user_cache("toml", "CONFORMANCE_TOML_CACHE")


def loads(raw: bytes) -> dict[str, Any]:
    """`tomllib.loads(raw.decode("utf-8"))`, from the cache when it holds this file's parse (UnicodeDecodeError
    and TOMLDecodeError as tomllib raises them)."""
    key = hashlib.sha256(FORMAT + b"\0" + raw).hexdigest()
    path = cache_dir() / f"{key}.json"
    try:
        kept = orjson.loads(path.read_bytes())
        if isinstance(kept, dict):
            return kept
    except (OSError, orjson.JSONDecodeError):
        pass
    data = tomllib.loads(raw.decode("utf-8"))
    _keep(path, data)
    return data


def _keep(path: Path, data: dict[str, Any]) -> None:
    try:
        blob = orjson.dumps(data)
    except TypeError:  # a date or time: not JSON
        return
    if orjson.loads(blob) != data:  # NaN or an infinity written as null
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".toml-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
