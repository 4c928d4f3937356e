"""Hardened JSON reading for FHIR content: size, depth and node limits, strict JSON.

A Bundle comes from a DUI under test or from a file someone hands us, so it is hostile by
default: the limits are checked before any typed parsing (pydantic, fhirpathpy and our walkers
all recurse), and every refusal is an issue with a location, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance.formats.fhir.issues import Issue, error


@dataclass(frozen=True)
class JsonLimits:
    max_bytes: int = 8 * 1024 * 1024  # an ordonnance is a few kB; the biggest IG example is 9 kB
    max_depth: int = 64  # objects + arrays; a deep but legitimate Bundle stays under 25
    max_nodes: int = 500_000


DEFAULT_LIMITS = JsonLimits()


class _Refused(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Refused(f"duplicate property {dup!r}")
    return out


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
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1, f"{path}[{i}]"))
    return None


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
        obj = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
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
        return None, [error("parse", root, f"invalid FHIR JSON: {exc}", f"JSON FHIR invalide : {exc}")]
    except RecursionError:
        return None, [
            error(
                "too-deep",
                root,
                "JSON nesting too deep to parse",
                "imbrication JSON trop profonde pour être lue",
            )
        ]
    breach = _too_deep(obj, limits, root)
    if breach is not None:
        return None, [breach]
    return obj, []
