"""How MSSanté reads each artifact kind, once, and which rule fails when it cannot.

| kind           | subject of the checks                 | refusal rule |
|----------------|---------------------------------------|--------------|
| `email`        | `EmailView` (MIME tree, XDM, PDFs)     | MSS-MSG-01   |
| `xdm`          | `Archive` (XdmView + its e-mail's say) | MSS-XDM-01   |
| `pdf`          | `Named[PdfView]`                      | MSS-DOC-03   |
| `smtp-session` | `Session`                             | MSS-TLS-01   |
| `imap-session` | `Session`                             | MSS-TLS-02   |

A refused artifact fails the refusal rule with the reason and every other rule of the kind with
"cannot be verified" (`conformance.registry`). A PDF is never refused here: an unreadable one still
has a file name to judge, and MSS-DOC-03 says both. A CDA given alone is the DMP socle's (its
recordTarget INS is DMP-I01/I02); MSSanté judges a CDA only as part of an archive (MSS-XDM-04/05).
What an e-mail and an archive hold is found by the expanders of `parts.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Generic, TypeVar

from conformance.messages import Text
from conformance.model import Artifact, CheckContext
from conformance.registry import Unreadable, reader
from conformance.socles.mssante.messages import M

from .emailview import EmailView, email_view
from .pdfview import PdfView, pdf_view
from .sessionview import MAX_RECORD, SCHEMA, Session
from .xdmview import XdmView, xdm_view

T = TypeVar("T")


@dataclass(frozen=True)
class Named(Generic[T]):
    """A file's view and the name it came with: the findings on a file given alone say that name."""

    name: str
    view: T
    held_by: str = ""  # "email" (an attachment), "xdm" (a document of an archive), "" (given alone)


def refusal(text: Text, location: str, others: Text | None = None) -> Unreadable:
    """`Unreadable` from messages by name; `others` is what the rules the refusal blocks say."""
    return Unreadable(text.en, text.fr, location, others=(others.en, others.fr) if others else None)


@reader("email", "mssante", "MSS-MSG-01")
def read_email(art: Artifact, ctx: CheckContext) -> EmailView:
    view = email_view(art)
    if view.parsed.msg is None:
        reason = view.parsed.refused or "unreadable message"
        raise refusal(M.text("email.refused", reason=reason), "message", M.text("email.refused-others", reason=reason))
    return view


@dataclass(frozen=True)
class Archive:
    """An IHE_XDM archive, and what the e-mail that carries it says about it (nothing when alone)."""

    view: XdmView
    x_mss_ins: str | None = None  # the message's X-MSS-INS header (a non-INS patientId needs "N")
    in_email: bool = False


@reader("xdm", "mssante", "MSS-XDM-01")
def read_xdm(art: Artifact, ctx: CheckContext) -> Archive:
    """The archive given alone, or found in an e-mail (`meta`: its view already read, X-MSS-INS)."""
    given = art.meta.get("xdm_view")
    view = given if isinstance(given, XdmView) else xdm_view(art.data, art.name, art.sha256)
    if view.refused:
        raise refusal(M.text("xdm.refused", reason=view.refused), view.loc(), M.text("xdm.refused-others"))
    x_mss_ins = art.meta.get("x_mss_ins")
    return Archive(view, x_mss_ins if isinstance(x_mss_ins, str) else None, bool(art.meta.get("in_email")))


@reader("pdf", "mssante", "MSS-DOC-03")
def read_pdf(art: Artifact, ctx: CheckContext) -> Named[PdfView]:
    given = art.meta.get("pdf_view")  # a PDF copy of an e-mail: its view is the message's
    view = given if isinstance(given, PdfView) else pdf_view(art.data, art.sha256)
    return Named(art.name, view, str(art.meta.get("held_by") or ""))


def read_session(art: Artifact, ctx: CheckContext) -> Session:
    """A session record of the mock operator, or refused: too large, not JSON, not of its schema."""
    if len(art.data) > MAX_RECORD:
        raise refusal(M.text("session.unreadable-size", size=len(art.data), limit=MAX_RECORD), art.name)
    try:
        data = json.loads(art.data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, a 4,301-digit integer, depth
        raise refusal(M.text("session.unreadable-json", error=exc), art.name) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise refusal(M.text("session.unreadable-schema", schema=SCHEMA), art.name)
    return Session(data, ctx)


reader("smtp-session", "mssante", "MSS-TLS-01")(read_session)
reader("imap-session", "mssante", "MSS-TLS-02")(read_session)
