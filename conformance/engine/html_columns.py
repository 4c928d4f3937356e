"""pytest-html columns of a conformance run: the requirements a scenario judged and its evidence hashes.

Registered by the run session only (optional hooks: nothing happens without pytest-html), from the
attributes `outcome.annotate` puts on each call report.
"""

from __future__ import annotations

from html import escape

import pytest

SHOWN_HASHES = 4


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    cells.insert(2, "<th>Requirements</th>")
    cells.insert(3, "<th>Evidence (SHA-256)</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    reqs = getattr(report, "conformance_requirements", {}) or {}
    evidence = getattr(report, "conformance_evidence", []) or []
    cells.insert(2, "<td>" + "<br>".join(escape(f"{rid}: {v}") for rid, v in reqs.items()) + "</td>")
    shown = "<br>".join(escape(h[:16]) + "…" for h in evidence[:SHOWN_HASHES])
    if len(evidence) > SHOWN_HASHES:
        shown += f"<br>(+{len(evidence) - SHOWN_HASHES})"
    cells.insert(3, f'<td style="font-family:monospace">{shown}</td>')
