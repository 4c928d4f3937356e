"""Hardened JSON reading for FHIR content: size, depth, node, array-length and number-length limits, strict JSON.

A Bundle comes from a DUI under test or from a file someone hands us, so it is hostile by
default: the limits are checked before any typed parsing (pydantic, fhirpathpy and our walkers
all recurse), and every refusal is an issue with a location, never an exception. Numbers are
bounded in characters before Python converts them: an integer of 4,301 digits makes `int()` raise
ValueError (CPython's int max_str_digits guard), and a FHIR number never needs more than a few
dozen (integer is 32-bit, decimal has 18 significant digits, FHIR R4 §2.1.28.0.1 datatypes).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from conformance.formats.fhir.issues import Issue, error


@dataclass(frozen=True)
class JsonLimits:
    max_bytes: int = 8 * 1024 * 1024  # an ordonnance is a few kB; the biggest IG example is 9 kB
    max_depth: int = 64  # objects + arrays; a deep but legitimate Bundle stays under 25
    max_nodes: int = 500_000
    max_array: int = 10_000  # items of one array (Bundle.entry included); an ordonnance has a few dozen
    max_number_chars: int = 64  # characters of one JSON number literal


DEFAULT_LIMITS = JsonLimits()


class _Refused(ValueError):
    def __init__(self, en: str, fr: str) -> None:
        super().__init__(en)
        self.en, self.fr = en, fr


def _reject_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number", f"{name} n'est pas un nombre JSON")


def _bounded_number(limit: int, convert: Any) -> Any:
    def parse(text: str) -> Any:
        if len(text) > limit:
            raise _Refused(
                f"a number of {len(text)} characters (more than {limit})",
                f"un nombre de {len(text)} caractères (plus de {limit})",
            )
        value = convert(text)
        if not math.isfinite(value):
            raise _Refused(f"the number {text[:40]} is out of range", f"le nombre {text[:40]} est hors limites")
        return value

    return parse


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Refused(f"duplicate property {dup!r}", f"propriété {dup!r} en double")
    return out


def _unencodable(text: str) -> bool:
    """A lone surrogate (\\ud800 without its pair): valid JSON escape, not a Unicode string anyone can write."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _too_deep(obj: Any, limits: JsonLimits, root: str) -> Issue | None:
    """Iterative walk (no recursion) measuring depth and node count; first breach wins."""
    stack: list[tuple[Any, int, str]] = [(obj, 1, root)]
    nodes = 0
    while stack:
        node, depth, path = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return error(
                "too-large",
                root,
                f"the JSON has more than {limits.max_nodes} values",
                f"le JSON contient plus de {limits.max_nodes} valeurs",
            )
        if depth > limits.max_depth:
            return error(
                "too-deep",
                path,
                f"JSON nesting deeper than {limits.max_depth} levels (e.g. nested extensions)",
                f"imbrication JSON de plus de {limits.max_depth} niveaux (extensions imbriquées ?)",
            )
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, f"{path}.{k}"))
                elif _unencodable(k) or (isinstance(v, str) and _unencodable(v)):
                    return _surrogate(f"{path}.{k}")
        elif isinstance(node, list):
            if len(node) > limits.max_array:
                return error(
                    "too-large",
                    path,
                    f"an array of {len(node)} items (more than {limits.max_array})",
                    f"un tableau de {len(node)} éléments (plus de {limits.max_array})",
                )
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, f"{path}[{i}]"))
                elif isinstance(v, str) and _unencodable(v):
                    return _surrogate(f"{path}[{i}]")
    return None


def _surrogate(path: str) -> Issue:
    return error(
        "parse",
        path,
        "a string with a lone UTF-16 surrogate (\\uD800-\\uDFFF escape without its pair)",
        "une chaîne avec un demi-caractère UTF-16 isolé (échappement \\uD800-\\uDFFF sans sa paire)",
    )


def load_json(
    data: bytes | str, limits: JsonLimits = DEFAULT_LIMITS, root: str = "Bundle"
) -> tuple[Any | None, list[Issue]]:
    """Parse `data`; on refusal return (None, [issue]) located at `root` (or deeper when known)."""
    size = len(data)
    if size > limits.max_bytes:
        return None, [
            error(
                "too-large",
                root,
                f"{size} bytes exceed the {limits.max_bytes}-byte limit for one FHIR resource",
                f"{size} octets dépassent la limite de {limits.max_bytes} octets d'une ressource FHIR",
            )
        ]
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                error(
                    "parse",
                    root,
                    f"not UTF-8 (byte {exc.start})",
                    f"n'est pas de l'UTF-8 (octet {exc.start})",
                )
            ]
    else:
        text = data
    try:
        obj = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=_bounded_number(limits.max_number_chars, int),
            parse_float=_bounded_number(limits.max_number_chars, float),
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        return None, [
            error(
                "parse",
                root,
                f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                f"JSON invalide : {exc.msg} (ligne {exc.lineno}, colonne {exc.colno})",
            )
        ]
    except _Refused as exc:
        return None, [error("parse", root, f"invalid FHIR JSON: {exc.en}", f"JSON FHIR invalide : {exc.fr}")]
    except ValueError as exc:  # any other conversion refused by Python itself: still a clean refusal
        return None, [error("parse", root, f"invalid JSON value: {exc}", f"valeur JSON invalide : {exc}")]
    except RecursionError:
        return None, [
            error(
                "too-deep",
                root,
                "JSON nesting too deep to parse",
                "imbrication JSON trop profonde pour être lue",
            )
        ]
    breach = _surrogate(root) if isinstance(obj, str) and _unencodable(obj) else _too_deep(obj, limits, root)
    if breach is not None:
        return None, [breach]
    return obj, []
