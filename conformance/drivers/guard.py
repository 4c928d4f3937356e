"""Every driver runs behind a guard: a crash or a hang of the DUI becomes a DriverError.

Scenarios then fail clearly ("the DUI did not answer within 30 s") instead of hanging the run.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from conformance.drivers.base import Action, Driver, DriverError, Outcome


class GuardedDriver(Driver):
    def __init__(
        self,
        inner: Driver,
        spec: str,
        default_timeout: float = 30.0,
        around: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self.inner = inner
        self.around = around  # a context every call runs in (the engine's: pytest's capture off)
        self.spec = spec
        self.name = getattr(inner, "name", spec)
        # a driver whose actions take a person's time (the manual one) says how long one may take
        self.default_timeout = float(getattr(inner, "act_timeout", default_timeout))
        # how long a scenario waits for the DUI's traffic after asking it to act
        self.traffic_timeout: float = float(getattr(inner, "traffic_timeout", 10.0))
        self.history: list[dict[str, Any]] = []

    def _call(self, what: str, fn: Any, timeout: float) -> Any:
        with self.around() if self.around is not None else contextlib.nullcontext():
            return self._wait(what, fn, timeout)

    def _wait(self, what: str, fn: Any, timeout: float) -> Any:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="driver")
        future = pool.submit(fn)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as exc:
            raise DriverError(f"driver {self.spec!r} did not answer {what} within {timeout:.0f} s") from exc
        except DriverError:
            raise
        except Exception as exc:  # the DUI crashed: report it, never propagate a traceback
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            raise DriverError(f"driver {self.spec!r} crashed during {what}: {last}") from exc
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def configure(self, settings: dict[str, Any]) -> None:
        self._call("configure", lambda: self.inner.configure(settings), self.default_timeout)

    def act(self, action: Action, timeout: float | None = None) -> Outcome:
        limit = timeout if timeout is not None else self.default_timeout
        outcome = self._call(f"'{action.verb}'", lambda: self.inner.act(action, limit), limit + 1.0)
        if not isinstance(outcome, Outcome):
            raise DriverError(f"driver {self.spec!r} returned {type(outcome).__name__} for '{action.verb}'")
        self.history.append({"action": action.to_json(), "outcome": outcome.to_json()})
        return outcome

    def close(self) -> None:
        with contextlib.suppress(DriverError):
            self._call("close", self.inner.close, 10.0)
