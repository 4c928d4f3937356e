"""The stash key under which a pytest session keeps its run's recorder.

Its own module so that the plug-ins a run session registers (the parallel workers' marks) can find the
recorder without importing the session that registers them.
"""

from __future__ import annotations

import pytest

from conformance.engine.recorder import RunRecorder

RECORDER_KEY = pytest.StashKey[RunRecorder]()
