"""FHIRPath evaluation (fhirpathpy) for invariants and data-driven rules, compiled once, never fatal.

An expression fhirpathpy cannot parse or run (an unimplemented function such as `htmlChecks()`, a
typo in a published profile) is reported as "unevaluable" with its reason; the caller turns that
into a warning naming the invariant instead of a crash or a silent pass.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fhirpathpy import compile as fp_compile
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.models import models

_MODEL = models["r4"]


def _has_value(inputs: list[Any]) -> list[bool]:
    """FHIRPath `hasValue()` (FHIR extension function, missing from fhirpathpy): a single primitive
    with an actual value."""
    return [len(inputs) == 1 and isinstance(inputs[0], (str, int, float, bool)) and inputs[0] != ""]


_OPTIONS = {
    "traceFn": lambda *args, **kwargs: None,  # `trace()` must not print into our output
    "userInvocationTable": {"hasValue": {"fn": _has_value, "arity": {0: []}}},
}
_LOCK = threading.Lock()  # fhirpathpy keeps module-level state (constants.reset())


@dataclass(frozen=True)
class Outcome:
    result: list[Any] | None  # None when the expression could not be evaluated
    error: str = ""

    @property
    def holds(self) -> bool | None:
        """Invariant reading: true, false, or None (unevaluable). An empty result is not a violation."""
        if self.result is None:
            return None
        if not self.result:
            return True
        return all(v is True for v in self.result) if all(isinstance(v, bool) for v in self.result) else True


_COMPILED: dict[str, Callable[..., Any] | str] = {}


def compiled(expression: str) -> Callable[..., Any] | str:
    """The compiled function, or the parse error as a string (cached either way)."""
    hit = _COMPILED.get(expression)
    if hit is not None:
        return hit
    try:
        fn: Callable[..., Any] | str = fp_compile(expression, _MODEL, _OPTIONS)
    except RecursionError:
        fn = "cannot parse: expression nested too deeply"
    except Exception as exc:  # fhirpathpy raises bare Exception on syntax errors
        fn = f"cannot parse: {exc}"
    _COMPILED[expression] = fn
    return fn


_MEMO: dict[tuple[str, str | None, str], Outcome] = {}
_MEMO_MAX = 8192


def evaluate(
    expression: str, node: Any, type_path: str | None = None, resource: Any = None, root: Any = None
) -> Outcome:
    """Evaluate on `node`; `type_path` (e.g. `Quantity`, `Medication.ingredient`) gives fhirpathpy
    the type information that `as`/`ofType` need when the node is not a whole resource.

    An expression that uses no environment variable (`%resource`...) is a pure function of the
    node: its outcome is memoised on the node's canonical JSON (the same dose unit or identifier
    recurs across the lines of many prescriptions; fhirpathpy costs 0.1-3 ms per call)."""
    key = None
    if "%" not in expression:
        try:
            key = (expression, type_path, json.dumps(node, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):
            key = None
        if key is not None and key in _MEMO:
            return _MEMO[key]
    out = _evaluate(expression, node, type_path, resource, root)
    if key is not None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = out
    return out


def _evaluate(expression: str, node: Any, type_path: str | None, resource: Any, root: Any) -> Outcome:
    fn = compiled(expression)
    if isinstance(fn, str):
        return Outcome(None, fn)
    target = ResourceNode.create_node(node, type_path) if type_path else node
    env = {
        "resource": resource if resource is not None else node,
        "rootResource": root if root is not None else (resource if resource is not None else node),
    }
    try:
        with _LOCK:
            out = fn(target, env)
    except RecursionError:
        return Outcome(None, "evaluation nested too deeply")
    except Exception as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}")
    return Outcome(list(out) if isinstance(out, list) else [out])


# Functions that keep an empty input empty: a chain of them on an absent element stays empty.
_NAVIGATING = frozenset(
    {
        "where",
        "select",
        "ofType",
        "as",
        "trace",
        "first",
        "last",
        "tail",
        "descendants",
        "children",
        "distinct",
        "extension",
        "not",
    }
)


def _chain_end(expr: str, i: int) -> tuple[int, list[str]]:
    """End index of the invocation chain starting at `i`, and the function names it calls."""
    calls: list[str] = []
    n = len(expr)
    while i < n:
        j = i
        while j < n and (expr[j].isalnum() or expr[j] in "_`"):
            j += 1
        if j == i:
            break
        name = expr[i:j].strip("`")
        if j < n and expr[j] == "(":
            depth, k = 0, j
            while k < n:
                depth += {"(": 1, ")": -1}.get(expr[k], 0)
                if depth == 0:
                    break
                k += 1
            if depth != 0:
                return -1, calls
            calls.append(name)
            j = k + 1
        if j < n and expr[j] == ".":
            i = j + 1
            continue
        return j, calls
    return i, calls


@cache
def guard_element(expression: str) -> str | None:
    """An element whose absence makes the invariant trivially true, or None.

    Recognises `X….empty()`, `X….empty() or …` and `X….exists() implies …` where the chain only
    navigates: with X absent the chain is empty, so the invariant holds without running fhirpathpy
    (which costs ~0.3 ms per call and dominates profile validation otherwise).
    """
    expr = expression.strip()
    lead = 1 if expr.startswith("(") else 0
    start = lead
    j = start
    while j < len(expr) and (expr[j].isalnum() or expr[j] == "_"):
        j += 1
    first = expr[start:j]
    if not first or not first[0].islower() or j >= len(expr) or expr[j] != ".":
        return None
    end, calls = _chain_end(expr, start)
    if end < 0 or not calls:
        return None
    rest = expr[end:].strip()
    if lead:
        if not rest.startswith(")"):
            return None
        rest = rest[1:].strip()
    last, before = calls[-1], calls[:-1]
    if any(c not in _NAVIGATING for c in before) or not expr[:end].rstrip().endswith(f"{last}()"):
        return None
    if last == "empty" and (rest == "" or rest.startswith("or ")):
        return first
    if last == "exists" and rest.startswith("implies "):
        return first
    return None


def absent(node: Any, name: str) -> bool:
    if not isinstance(node, dict):
        return False
    if name in node or f"_{name}" in node:
        return False
    return not any(k.startswith(name) and k[len(name) :][:1].isupper() for k in node)
