"""The time a time-dependent DMP rule judges against, and how it says which time that is.

The reference is the capture time (a scenario: the evidence journal's time of the captured
request) or the time given with `validate --at`. A bare file has neither: rules that compare with
"now" use the validation time, later than any capture (a time in the future of it is in the future
of the capture too), or the time the artifact itself states (the IssueInstant of a saved token, for
its certificate's validity), and their findings say which; rules that need the true capture time
(IssueInstant close to it) are not applicable without one.
"""

from __future__ import annotations

import datetime as dt

from conformance.messages import Text
from conformance.model import CheckContext

from ..messages import M

CLOCK_SKEW = dt.timedelta(minutes=10)  # the harness's stated tolerance between two clocks
SOURCE_WORDS = {
    "capture": "time.capture",
    "given": "time.given",
    "stated": "time.stated",
    "validation": "time.validation",
}


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def reference_time(ctx: CheckContext, stated: str | None = None) -> tuple[dt.datetime, Text]:
    """The time a time-dependent rule judges against, and the words that say which it is: the
    capture time or `--at` when known; else the time the artifact states (`stated`, e.g. the
    IssueInstant of a saved token), else the validation time."""
    at, source = ctx.reference_time()
    if source == "validation" and parse_time(stated) is not None:
        at, source = parse_time(stated) or at, "stated"
    return at, M.text(SOURCE_WORDS[source], at=at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
