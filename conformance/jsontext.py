"""The indented JSON of the harness's own files (results, evidence index, judgement and observation records).

The standard library indents through its pure-Python encoder (its C encoder only writes without indentation):
about 40 ms for a three-socle run's results.json, and the records of a run and of its parallel merge add up to
a tenth of a second more. orjson writes the same text thirty times faster: two-space indentation, ", " and
": " separators, UTF-8 without ASCII escaping. Dates and dataclasses go to `default` as they do with the
standard library (orjson would write its own forms), and a value orjson does not take (an integer beyond 64
bits, a key that is not a string) is written by the standard library: what can be written, and how, does not
depend on which encoder wrote it, except that floats are written in their shortest form (0.00001 for the
standard library's 1e-05: the same number).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def loads(data: bytes | str) -> Any:
    """`json.loads`, by orjson (a merge reads back hundreds of the records it rewrites); what orjson refuses
    and the standard library reads (NaN, an integer beyond 64 bits) is read by the standard library."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def compact(obj: Any) -> bytes:
    """`json.dumps(obj, ensure_ascii=False, separators=(",", ":"))` as UTF-8 bytes (files rewritten while a run
    goes on)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def pretty(obj: Any, *, sort_keys: bool = False, default: Callable[[Any], Any] | None = None) -> bytes:
    """`json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=..., default=...)` as UTF-8 bytes."""
    try:
        return orjson.dumps(obj, default=default, option=_OPTIONS | (orjson.OPT_SORT_KEYS if sort_keys else 0))
    except TypeError:  # orjson.JSONEncodeError is one: let the standard library accept or refuse it
        return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=sort_keys, default=default).encode("utf-8")
