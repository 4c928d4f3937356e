"""What an MSSanté e-mail and an IHE_XDM archive hold: one code path for scenarios and validate.

An e-mail holds its archives (each judged by the XDM rules, with the message's X-MSS-INS header,
which decides whether a patientId without INS is acceptable) and its PDF copies (each judged for
its PDF/A declaration). An archive holds its documents: those its metadata lists and that resolve
to a member, each judged for what its content is (a streaming parse says CDA, the first bytes say
PDF), so a CDA is judged by every rule of a CDA, wherever it travels. The views the e-mail reader
already built are handed down (`meta`), so nothing is parsed twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.model import Artifact, CheckContext
from conformance.registry import expander

from .emailview import EmailView
from .readers import Archive


def x_mss_ins(view: EmailView) -> str | None:
    values = view.headers("X-MSS-INS")
    return values[0].strip() if len(values) == 1 else None


@expander("email", "mssante")
def email_parts(view: EmailView, art: Artifact, ctx: CheckContext) -> Iterator[Artifact]:
    header = x_mss_ins(view)
    for att, xv in view.xdms:
        if att.data is not None:
            meta = {"xdm_view": xv, "x_mss_ins": header, "in_email": True}
            yield Artifact("xdm", att.label, att.data, meta)
    for att, pv in view.pdf_views:  # the PDFs that could be decoded, with the view already read
        if att.data is not None:
            yield Artifact("pdf", att.label, att.data, {"held_by": "email", "pdf_view": pv})


@expander("xdm", "mssante")
def archive_parts(archive: Archive, art: Artifact, ctx: CheckContext) -> Iterator[Artifact]:
    seen: set[str] = set()
    for sub in archive.view.subsets:
        for entry in sub.entries:
            name = entry.file_name or entry.case_only_name
            if name is None or entry.data is None or name in seen:
                continue
            seen.add(name)
            if entry.cda is not None:
                yield Artifact("cda", f"{art.name}!{name}", entry.data)
            elif entry.data.lstrip()[:5] == b"%PDF-":
                yield Artifact("pdf", f"{art.name}!{name}", entry.data, {"held_by": "xdm"})
