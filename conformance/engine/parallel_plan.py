"""How long each scenario module takes, so that a parallel run hands out the longest first.

pytest-xdist's scope scheduling hands whole modules out, the largest first by number of scenarios; but a
module's time follows its work, not its count (two cross-socle scenarios take longer than nine header
checks), and the worker that draws a long module last finishes alone. After each parallel run the controller
keeps the seconds each module took, averaged with the time it kept before (the user cache:
$CONFORMANCE_DURATIONS_CACHE, else $XDG_CACHE_HOME/dui-conformance/durations), and the next run hands modules
out longest first (known modules by their time, new ones by their count at the mean time per scenario):
longest processing time first, the classic rule for balancing a queue over N workers, here over the socles
first (`socle_groups`). The order of the results does not depend on it (the merge orders by collection). A
cache that cannot be read or written changes nothing but the order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from conformance.paths import user_cache

FILE = "modules.json"
KEEP = 500  # modules remembered (a vendor's own socles included); the oldest dropped first


def cache_file() -> Path:
    return user_cache("durations", "CONFORMANCE_DURATIONS_CACHE") / FILE


def module_of(nodeid: str) -> str:
    """The scheduling scope of a scenario: its module (what `ScenarioScheduling` never splits)."""
    return nodeid.split("::", 1)[0]


def load(path: Path | None = None) -> dict[str, float]:
    try:
        data = json.loads((path or cache_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float) and v >= 0}


def save(scenarios: Iterable[Mapping[str, Any]], path: Path | None = None) -> None:
    """Remember the seconds each module's scenarios took (from results.json's scenario records), averaged with
    what was kept."""
    seconds: dict[str, float] = {}
    for s in scenarios:
        try:
            module = module_of(str(s["id"]))
            seconds[module] = seconds.get(module, 0.0) + max(0.0, float(s.get("duration") or 0.0))
        except (KeyError, TypeError, ValueError):
            continue
    if not seconds:
        return
    path = path or cache_file()
    known = load(path)
    kept = {k: v for k, v in known.items() if k not in seconds}
    # the mean of the time kept and the new one: a module's time depends on the worker that ran it (the first
    # module of a socle in a worker starts its services), and one run's draw should not reorder the next
    kept.update({k: round((known[k] + v) / 2 if k in known else v, 3) for k, v in seconds.items()})
    kept = dict(list(kept.items())[-KEEP:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def expected_seconds(scopes: Mapping[str, int], known: Mapping[str, float]) -> dict[str, float]:
    """`scopes` (module -> number of scenarios) with the seconds each is expected to take: its last time, or for
    a module never timed, its count at the mean time per scenario of the known ones."""
    per_scenario = [known[m] / n for m, n in scopes.items() if m in known and n > 0]
    mean = sum(per_scenario) / len(per_scenario) if per_scenario else 1.0
    return {m: known[m] if m in known else n * mean for m, n in scopes.items()}


def longest_first(scopes: Mapping[str, int], known: Mapping[str, float]) -> list[str]:
    """`scopes` (module -> number of scenarios) in the order to hand them out: by expected seconds, longest
    first; ties and unknown modules by their count (then name, for a stable order)."""
    expected = expected_seconds(scopes, known)
    return sorted(scopes, key=lambda m: (-expected[m], -scopes[m], m))


def socle_groups(loads: Mapping[str, float], workers: int) -> list[set[str]]:
    """Which socles each of `workers` prefers: the socles by expected load, heaviest first, each to the worker
    with the least so far (the same longest-first rule, over socles).

    A worker that keeps to its socles imports, starts and warms only theirs (the FHIR models and the
    e-prescription service, or the MSSanté operator's Twisted servers): about a third of a second of a
    three-socle run that two workers each paid. It is a preference, not a partition: a worker whose socles
    have nothing left takes the longest module left of any socle. Workers beyond the number of socles
    prefer none."""
    groups: list[set[str]] = [set() for _ in range(max(workers, 0))]
    if not groups:
        return groups
    load = [0.0] * len(groups)
    for socle in sorted(loads, key=lambda s: (-loads[s], s)):
        least = min(range(len(groups)), key=lambda i: (load[i], i))
        groups[least].add(socle)
        load[least] += loads[socle]
    return groups
