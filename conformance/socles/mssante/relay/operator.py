"""The MSSanté relay: the mock operator's front end for the DUI, the real operator behind it.

The DUI talks to the harness's own SMTP submission and IMAP listeners (the mock operator's: STARTTLS,
the harness's test IGC-Santé, the DUI's certificate verified and mapped to its BAL, every command
recorded in the same session records the MSSanté checks judge), so everything the DUI does on its leg
is judged exactly as against the mock, TLS variants included. Behind them:
- SMTP: from the DUI's first MAIL on, the relay holds its own submission session with the platform
  (`UpstreamSmtp`) and forwards MAIL (with its RFC 3461 parameters), each RCPT, DATA (the DUI's bytes
  unchanged) and RSET; the DUI gets the platform's replies, not the mock's. The liste blanche, sizes and
  DSN are the platform's business; what the DUI sent is recorded as the mock records it.
- IMAP: when the DUI logs in, its INBOX is mirrored from the platform's (`Mirror.pull`: every message
  the platform holds, bytes and flags as they are there, fetched without marking them seen); when the
  DUI's session ends, what it changed goes back (`Mirror.push`: flags, deletions with EXPUNGE, messages
  it appended). Commands are served by the harness's IMAP server, state is the platform's.
- `deliver` (an incoming test message for the DUI) is submitted to the platform, addressed to the DUI's
  BAL, with the vendor's credentials, and waited for in the platform's INBOX. An operator that refuses
  it makes the scenario "non exécuté en bac à sable" with its answer (`NotInSandbox`).
Each leg with the platform is journalled as an `upstream-smtp-session` / `upstream-imap-session` record
(commands, replies, the platform's certificate fingerprint, never a credential); a platform that fails
mid-exchange is reported to the run (`SandboxRun.failed`), which fails the running scenario, naming it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.parser import BytesParser
from typing import Any

from twisted.cred.portal import IRealm, Portal
from twisted.internet import threads
from twisted.mail import imap4
from zope.interface import implementer

from conformance import identities
from conformance.engine.capture.profile import Platform, Upstream
from conformance.engine.capture.sandbox import NotInSandbox, SandboxRun
from conformance.engine.evidence import HARNESS, PLATFORM, EvidenceJournal, EvidenceRef
from conformance.formats.pki import TestPKI

from ..messages import M
from ..service.imap import CertificateChecker
from ..service.operator import Operator
from ..service.records import SessionRecord, Submission
from ..service.smtp import SmtpSession
from .upstream import UpstreamFailed, UpstreamImap, UpstreamLog, UpstreamSmtp

ARRIVAL_WAIT = 30.0  # seconds a delivered test message may take to reach the platform's INBOX


def message_id(raw: bytes) -> str:
    return str(BytesParser().parsebytes(raw, headersonly=True).get("Message-ID") or "").strip()


def _line(code: int, text: str) -> str:
    return f"{code} {' '.join(text.split())}"[:510]


class RelaySmtpSession(SmtpSession):
    """The DUI's SMTP session: the mock's policy and record, then the platform's say on each command."""

    op: RelayOperator

    def __init__(self, operator: Operator, record: SessionRecord) -> None:
        super().__init__(operator, record)
        self.leg: UpstreamSmtp | None = None

    async def _platform(self, verb: str, *args: Any) -> tuple[int, str]:
        relay = self.op
        if self.leg is None:
            self.leg = UpstreamSmtp(relay.smtp_up, self.rec.id)
            relay.legs[self.rec.id] = self.leg
        try:
            return await asyncio.to_thread(self.leg.command, verb, *args)
        except UpstreamFailed as exc:
            relay.upstream_failed(relay.smtp_up, f"{verb}: {exc}", self.leg.log)
            return 451, f"4.4.2 dui-conformance relay: the platform {relay.run.profile.name} failed: {exc}"

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:  # noqa: N802
        status = await super().handle_MAIL(server, session, envelope, address, mail_options)
        if not status.startswith("250"):
            return status
        options = [*mail_options, *(f"{k}={v}" for k, v in self.mail_dsn.items())]
        code, text = await self._platform("MAIL", address, options)
        if code != 250:
            envelope.mail_from = None
        return _line(code, text)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        refusal = self._gate()
        if refusal:
            return refusal
        last = self.txn.rcpts[-1] if self.txn and self.txn.rcpts else None
        params = last.params if last is not None and last.address == address else {}
        options = [f"{k}={v}" if v else k for k, v in params.items()] or list(rcpt_options)
        code, text = await self._platform("RCPT", address, options)
        if code in (250, 251):
            envelope.rcpt_tos.append(address)
        return _line(code, text)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await super().handle_DATA(server, session, envelope)  # recorded first: kept whatever the platform does
        code, text = await self._platform("DATA", envelope.original_content or b"")
        return _line(code, text)

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        status = await super().handle_RSET(server, session, envelope)
        if self.leg is not None and self.leg.smtp is not None:
            code, text = await self._platform("RSET")
            return _line(code, text)
        return status


@dataclass
class Link:
    """A message of the mirror and the platform's copy of it."""

    upstream_uid: int
    flags: set[str]


class Mirror:
    """The DUI's INBOX as the platform holds it, pulled at login and pushed back when the session ends."""

    def __init__(self, relay: RelayOperator) -> None:
        self.relay = relay
        self._lock = threading.Lock()
        self.links: dict[str, dict[int, Link]] = {}  # BAL -> local UID -> its message on the platform

    def pull(self, bal: str) -> None:
        relay = self.relay
        leg = UpstreamImap(relay.imap_up, f"login of {bal}")
        try:
            leg.open(bal)
            box = relay.store.mailbox(bal)
            with self._lock:
                links = self.links.setdefault(bal, {})
                mirrored = {link.upstream_uid: local for local, link in links.items()}
            current = {m.uid: m for m in box.snapshot()}
            for uid in leg.uids():
                raw, flags = leg.fetch(uid)
                local = mirrored.get(uid)
                if local is not None and local in current:
                    current[local].flags = set(flags)
                    links[local].flags = set(flags)
                    continue
                msg = box.append(raw, flags)
                with self._lock:
                    links[msg.uid] = Link(uid, set(flags))
        except UpstreamFailed as exc:
            relay.upstream_failed(relay.imap_up, str(exc), leg.log)
        finally:
            leg.close()
            relay.journal_leg(leg.log)

    def changes(self, bal: str) -> bool:
        box = self.relay.store.mailbox(bal)
        current = {m.uid: m for m in box.snapshot()}
        with self._lock:
            links = dict(self.links.get(bal, {}))
        return set(links) != set(current) or any(current[u].flags != links[u].flags for u in links if u in current)

    def push(self, bal: str) -> None:
        relay = self.relay
        if not self.changes(bal):
            return
        leg = UpstreamImap(relay.imap_up, f"end of session of {bal}")
        try:
            leg.open(bal)
            current = {m.uid: m for m in relay.store.mailbox(bal).snapshot()}
            with self._lock:
                links = self.links.setdefault(bal, {})
            deleted = False
            for local, link in list(links.items()):
                now = current[local].flags if local in current else link.flags | {"\\Deleted"}
                if now != link.flags:
                    leg.set_flags(link.upstream_uid, now)
                    link.flags = set(now)
                    deleted = deleted or "\\Deleted" in now
                if local not in current:
                    del links[local]
            for local, msg in current.items():
                if local not in links:  # appended by the DUI: appended on the platform, linked by its Message-ID
                    leg.append(msg.raw, msg.flags)
                    found = leg.with_message_id(message_id(msg.raw)) if message_id(msg.raw) else []
                    links[local] = Link(max(found, default=0), set(msg.flags))
            if deleted:
                leg.expunge()
        except UpstreamFailed as exc:
            relay.upstream_failed(relay.imap_up, str(exc), leg.log)
        finally:
            leg.close()
            relay.journal_leg(leg.log)


@implementer(IRealm)
class MirrorRealm:
    """Twisted's realm for the DUI's login: the account, once the platform's INBOX is mirrored."""

    def __init__(self, relay: RelayOperator) -> None:
        self.relay = relay

    def requestAvatar(self, avatar_id: str, mind: Any, *interfaces: Any) -> Any:  # noqa: N802
        from twisted.cred import error as cred_error

        if imap4.IAccount not in interfaces:
            raise cred_error.UnauthorizedLogin("only IMAP accounts are served here")
        bal = avatar_id.decode() if isinstance(avatar_id, bytes) else str(avatar_id)
        done = threads.deferToThread(self.relay.mirror.pull, bal)
        return done.addCallback(lambda _: (imap4.IAccount, self.relay.store.account(bal), lambda: None))


class RelayOperator(Operator):
    """The mock operator's interface (what the MSSanté scenarios use), relaying to the platform."""

    def __init__(
        self,
        journal: EvidenceJournal,
        pki: TestPKI,
        run: SandboxRun,
        platform: Platform,
        *,
        whitelist: list[str],
        smtp_port: int = 0,
        imap_port: int = 0,
    ) -> None:
        super().__init__(journal, pki, whitelist=whitelist, smtp_port=smtp_port, imap_port=imap_port)
        self.run = run
        self.smtp_up: Upstream = platform.upstreams["smtp"]
        self.imap_up: Upstream = platform.upstreams["imap"]
        self.legs: dict[str, UpstreamSmtp] = {}
        self.mirror = Mirror(self)
        self._smtp.session_class = RelaySmtpSession
        realm: Any = MirrorRealm(self)  # zope interfaces: invisible to mypy
        portal = Portal(realm)
        checker: Any = CertificateChecker()
        portal.registerChecker(checker)
        self._imap.portal = portal

    # -- records -------------------------------------------------------------------------------

    def journal_leg(self, log: UpstreamLog) -> EvidenceRef | None:
        try:
            return self.journal.record(
                f"upstream-{log.protocol}-session",
                f"upstream-{log.protocol}",
                log.to_json_bytes(),
                meta={"upstream": log.endpoint, "for_session": log.for_session},
                role=PLATFORM,
            )
        except (OSError, ValueError):  # the journal closed under a late session
            return None

    def upstream_failed(self, up: Upstream, what: str, log: UpstreamLog) -> None:
        log.failure = what
        ref = self.journal.record_json(
            "upstream-failure",
            f"upstream-{up.protocol}-failure",
            {"upstream": up.endpoint, "what": what, "for_session": log.for_session, "commands": len(log.commands)},
            role=PLATFORM,
        )
        self.run.failed(up, what, ref, self.journal.scenario)

    def hand_over(self, sub: Submission, trace_line: bytes = b"") -> None:
        """The relay records what the DUI sent (as the mock does) and hands nothing over: the platform delivers."""

    def close_session(self, record: SessionRecord) -> None:
        """The DUI's session ended: end its leg with the platform (or push its mailbox changes) first."""
        leg = self.legs.pop(record.id, None) if record.protocol == "smtp" else None
        bal = (record.auth or {}).get("identity") if record.protocol == "imap" else None
        if leg is None and not bal:
            super().close_session(record)
            return

        def end() -> None:
            try:
                if leg is not None:
                    leg.close()
                    self.journal_leg(leg.log)
                elif bal:
                    self.mirror.push(bal)
            finally:
                super(RelayOperator, self).close_session(record)

        threading.Thread(target=end, name="mss-relay-end", daemon=True).start()

    # -- what the scenarios do -----------------------------------------------------------------

    @contextmanager
    def _staging(self, leg: UpstreamSmtp | UpstreamImap, up: Upstream) -> Iterator[None]:
        """A leg the harness opens to stage a scenario: a platform failing it is reported, and the scenario
        is not run in the sandbox (it cannot be staged), the leg journalled either way."""
        try:
            yield
        except UpstreamFailed as exc:
            self.upstream_failed(up, str(exc), leg.log)
            raise NotInSandbox(M.text("sandbox.delivery-refused", verb=up.protocol.upper(), reply=str(exc))) from exc
        finally:
            leg.close()
            self.journal_leg(leg.log)

    def deliver(self, address: str, message: bytes) -> EvidenceRef:
        """Have the platform deliver a test message to `address`: submitted with the vendor's credentials."""
        ref = self.journal.record(
            "incoming", "incoming.eml", message, meta={"to": address, "via": self.smtp_up.endpoint}, role=HARNESS
        )
        sender = self.smtp_up.user or str(identities.dui_bal()["address"])
        leg = UpstreamSmtp(self.smtp_up, "harness delivery of a test message")
        with self._staging(leg, self.smtp_up):
            for verb, args in (("MAIL", (sender, [])), ("RCPT", (address, [])), ("DATA", (message,))):
                code, text = leg.command(verb, *args)
                if not 200 <= code < 300:
                    raise NotInSandbox(M.text("sandbox.delivery-refused", verb=verb, reply=_line(code, text)))
        self._await_arrival(address, message)
        return ref

    def _await_arrival(self, address: str, message: bytes) -> None:
        """Wait until the platform's INBOX holds the delivered message (by its Message-ID)."""
        wanted = message_id(message)
        deadline = time.monotonic() + ARRIVAL_WAIT
        while wanted:
            leg = UpstreamImap(self.imap_up, f"arrival of {wanted}")
            with self._staging(leg, self.imap_up):
                if leg.open(address).with_message_id(wanted):
                    return
            if time.monotonic() > deadline:
                raise NotInSandbox(M.text("sandbox.delivery-late", seconds=int(ARRIVAL_WAIT)))
            time.sleep(1.0)
