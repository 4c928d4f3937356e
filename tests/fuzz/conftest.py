"""Hypothesis profiles of the fuzz tests: a bounded one for CI, a long one on demand.

    pytest tests/fuzz                                  # profile "ci": 25 examples per test, fixed seed
    FUZZ_PROFILE=long pytest tests/fuzz                # 2,000 examples per test, random seeds
    FUZZ_PROFILE=long FUZZ_EXAMPLES=300 pytest ...      # another count

The CI profile is derandomized (same examples every run) so that CI stays reproducible; the long
profile explores, and hypothesis keeps what it finds in .hypothesis/ to replay it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=_SLOW_OK)
_LONG = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
settings.register_profile("long", max_examples=_LONG, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("FUZZ_PROFILE", "ci"))
