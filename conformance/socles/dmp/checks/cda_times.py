"""The times of a CDA header: none in the future (DMP-C10), each with its UTC offset (DMP-C11).

DMP-C10: the document's creation time (effectiveTime), the authors' times and the legal
authenticator's signing time cannot be later than the moment the document was captured (sources
in the catalog). The reference is the capture time (scenario: evidence journal; `validate --at`);
for a bare file it is the validation time, which is later than any capture, so what is in the
future of it is in the future of the capture too; the finding names the reference it used. A
value without offset is read in the zone that makes it earliest (UTC+14): only a time that is in
the future whatever its zone fails. The tolerance is the harness's stated clock skew (10 min).

DMP-C11 (PRECONISATION, UNSURE): a header time precise beyond the day without a UTC offset cannot
be turned into the UTC creationTime or service times of the XDS metadata (specs/dmp.md §2.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc
from .clock import CLOCK_SKEW, reference_time
from .collector import Collector
from .datatypes import parse_ts
from .xpaths import where

C10, C11 = "DMP-C10", "DMP-C11"
# (path from ClinicalDocument, label, may it be in the future?) a service event may be planned
HEADER_TIMES = (
    ("cda:effectiveTime", "effectiveTime", False),
    ("cda:author/cda:time", "author/time", False),
    ("cda:legalAuthenticator/cda:time", "legalAuthenticator/time", False),
    ("cda:documentationOf/cda:serviceEvent/cda:effectiveTime/cda:low", "serviceEvent/effectiveTime/low", True),
    ("cda:documentationOf/cda:serviceEvent/cda:effectiveTime/cda:high", "serviceEvent/effectiveTime/high", True),
)


@check("cda", "dmp", C10, C11)
def check_header_times(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    at, when = reference_time(ctx)
    out.cover(C10, M.text("times.not-future", when=when), where(doc.root))
    out.cover(C11, M.text("times.offsets"), where(doc.root))
    for path, label, planned in HEADER_TIMES:
        for el in doc.all(path):
            value = el.get("value")
            if not value:
                continue
            ts, _ = parse_ts(value)
            if ts is None:
                continue  # a malformed time is DMP-C02's (effectiveTime) or the schema's finding
            if ts.has_time and ts.offset is None:
                out.fail(C11, M.text("times.no-offset", what=label, value=value), where(el))
            if not planned and ts.earliest_utc() > at + CLOCK_SKEW:
                out.fail(C10, M.text("times.future", what=label, value=value, when=when), where(el))
    return out.finish()
