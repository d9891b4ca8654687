"""One incoming SMS → at most one effect in the services and one reply, exactly once.

Order of work for a Gammu inbox row (two databases, so the reply is handed over in a second step):
1. in the bridge's database, in one transaction: claim the row by Gammu id AND content hash (a duplicate delivery
   is recognised here and only marked processed), count it against the sender's daily limit, run the command
   (des/snowman/identity calls carry the content hash as idempotency key, so a retry after a crash has no second
   effect), store the reply;
2. in Gammu's database, in one transaction: queue the reply in `outbox` (once per message reference) and set the
   inbox row's "Processed";
3. mark the reply handed over. A crash between 1 and 3 is repaired by `deliver_unsent` on the next round.
A service that is unreachable rolls back step 1: the row stays unprocessed and is tried again later.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import commands, fairness, phones, replies
from ..domain.reminders import Schedule
from .ports import Gateway, NotVerified, PhoneSealer, Refused, Services, Store, Unavailable

log = logging.getLogger("sms.inbound")
_CODE = re.compile(r"^\d{6}$")
# commands answered without asking any service: kind -> (outcome, reply; `{word}` is the word as typed)
_ANSWERED_ALONE = {"too_long": ("refused", replies.TOO_LONG), "empty": ("malformed", replies.EMPTY),
                   "unknown": ("malformed", replies.UNKNOWN), "bantuan": ("ok", replies.HELP)}


@dataclass(frozen=True)
class Limits:
    per_day: int = 30            # messages one number may have handled per day
    per_round: int = 2           # messages of one number per round (fairness)
    batch: int = 20              # messages per round
    scan: int = 1000             # oldest unprocessed rows looked at per round
    unverified_ttl: float = 60.0  # seconds an unverified number is remembered (no identity call per flood message)


@dataclass
class Bridge:
    gammu: Gateway       # Gammu's inbox and outbox (adapters.gammu.GammuTables)
    store: Store         # the bridge's own database (adapters.store.Store)
    services: Services   # identity, des, snowman, recap (adapters.services.Services)
    phone_key: bytes
    cipher: PhoneSealer  # adapters.store.PhoneCipher
    metrics: Any         # sms.metrics module (or a stand-in with the same counters)
    limits: Limits = field(default_factory=Limits)
    default_schedule: Schedule = field(default_factory=Schedule)
    clock: Callable[[], dt.datetime] | None = None  # () -> aware datetime; injectable for tests
    _unverified: dict = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock() if self.clock else dt.datetime.now(dt.timezone.utc)

    def today(self) -> dt.date:
        return self.now().astimezone(ZoneInfo(self.default_schedule.timezone)).date()

    # -- a round -------------------------------------------------------------------------------------------------
    def run_round(self) -> int:
        """Handle up to `limits.batch` waiting messages fairly across senders; returns how many were handled."""
        self.deliver_unsent()
        rows, lag = self.gammu.pending(self.limits.scan)
        self.metrics.GATEWAY_LAG.set(lag)
        chosen = fairness.fair_order(rows, lambda r: phones.normalise(r.sender), self.limits.per_round,
                                     self.limits.batch)
        handled = 0
        for row in chosen:
            try:
                self.handle_row(row)
                handled += 1
            except Unavailable as exc:
                self.metrics.MESSAGES_IN.labels(outcome="retry").inc()
                log.warning("a service is unavailable; message %s left for the next round: %s", row.gammu_id, exc)
        return handled

    def handle_row(self, row) -> None:
        sender = phones.normalise(row.sender)
        sender_hash = phones.keyed_hash(sender, self.phone_key)
        digest = commands.content_hash(sender, row.smsc_time, row.text)
        with self.store.transaction() as tx:
            message_id = tx.claim(row.gammu_id, digest, sender_hash)
            if message_id is None:
                outcome, reply = "duplicate", None
            else:
                count = tx.bump(sender_hash, self.today())
                if fairness.over_limit(count, self.limits.per_day):
                    kind, outcome = "limited", "rate_limited"
                    reply = replies.RATE_LIMITED if fairness.first_over_limit(count, self.limits.per_day) else None
                else:
                    kind, outcome, reply = self.execute_safely(commands.parse(row.text), sender, sender_hash, digest,
                                                               tx)
                reply = commands.fit(reply) if reply else None
                tx.finish(message_id, kind, outcome, reply)
        self.metrics.MESSAGES_IN.labels(outcome=outcome).inc()
        log.info("sms %s from %s: %s", row.gammu_id, phones.mask(sender), outcome)
        answer = reply if message_id is not None else None
        if self.gammu.answer(row.gammu_id, sender, answer, f"r{message_id}"):
            self.metrics.MESSAGES_OUT.labels(kind="reply").inc()
        if message_id is not None and reply:
            self.store.mark_sent(message_id)

    def deliver_unsent(self) -> None:
        for message_id, gammu_id, reply in self.store.unsent():
            if self.gammu.answer_sender(gammu_id, reply, f"r{message_id}"):
                self.metrics.MESSAGES_OUT.labels(kind="reply").inc()
            self.store.mark_sent(message_id)

    # -- commands ------------------------------------------------------------------------------------------------
    def execute_safely(self, command, sender, sender_hash, digest, tx) -> tuple[str, str, str]:
        """A refusal by a service (not a transient failure) still gets one helpful line, never silence."""
        try:
            return self.execute(command, sender, sender_hash, digest, tx)
        except Refused as exc:
            log.warning("%s refused by a service: %s", command.kind, exc.code)
            return command.kind, "refused", replies.REFUSED

    def execute(self, command, sender: str, sender_hash: str, digest: str, tx) -> tuple[str, str, str]:
        """(command, outcome, reply) for one parsed message."""
        kind = command.kind
        if kind in _ANSWERED_ALONE:
            outcome, reply = _ANSWERED_ALONE[kind]
            return kind, outcome, (reply.format(word=command.word) if kind == "unknown" else reply)
        if kind == "daftar":
            return self.register(command, sender, sender_hash)
        who = self.delegated(sender, sender_hash)
        if who is None:
            return kind, "unverified", replies.NOT_REGISTERED
        return self.for_employee(command, who, sender, sender_hash, digest, tx)

    def register(self, command, sender: str, sender_hash: str) -> tuple[str, str, str]:
        """DAFTAR <code>: identity checks the one-time code it texted to this number."""
        code = command.argument.replace(" ", "")
        if not _CODE.match(code):
            return command.kind, "malformed", replies.DAFTAR_USAGE
        verified = self.services.verify_phone(sender, code)
        if verified:
            self._unverified.pop(sender_hash, None)
        return command.kind, ("ok" if verified else "refused"), (replies.DAFTAR_OK if verified else
                                                                 replies.DAFTAR_WRONG)

    def for_employee(self, command, who, sender: str, sender_hash: str, digest: str, tx) -> tuple[str, str, str]:
        """The commands of a verified number, acting as its employee."""
        kind = command.kind
        if kind in ("lapor", "rencana"):
            return kind, "ok", self.services.submit_text(who, commands.forwarded_line(command), digest[:64])
        if kind == "info":
            return kind, "ok", self.info(who)
        if kind == "tanya":
            return self.ask(command, who, digest)
        if kind == "stop":
            tx.subscribe(sender_hash, self.cipher.seal(sender), active=False)
            return kind, "ok", replies.STOPPED
        if kind == "ingatkan":
            tx.subscribe(sender_hash, self.cipher.seal(sender), active=True)
            schedule = tx.schedule(who.instansi_id, self.default_schedule)
            return kind, "ok", replies.REMINDERS_ON.format(hour=schedule.hour)
        return kind, "malformed", replies.HELP  # pragma: no cover - every keyword is handled above

    def ask(self, command, who, digest: str) -> tuple[str, str, str]:
        """TANYA: snowman's best answer in one SMS, or the question's id when it has none yet."""
        if not command.argument:
            return command.kind, "malformed", replies.TANYA_USAGE
        answer = self.services.ask(who, command.argument, digest[:64])
        if answer.answers:
            best = answer.answers[0]
            return command.kind, "ok", replies.answer(best.judul, best.jawaban, best.id)
        return command.kind, "ok", replies.TANYA_NONE.format(qid=answer.question_id[:12])

    def delegated(self, sender: str, sender_hash: str):
        """identity's delegated token for a verified number; None (remembered a short while) for any other."""
        remembered = self._unverified.get(sender_hash)
        if remembered and remembered > time.monotonic():
            return None
        try:
            return self.services.phone_token(sender)
        except NotVerified:
            self._unverified[sender_hash] = time.monotonic() + self.limits.unverified_ttl
            if len(self._unverified) > 10_000:
                self._unverified.clear()
            return None

    def info(self, who) -> str:
        today = self.today()
        bulan = today.strftime("%Y-%m")
        plans = self.services.plans(who, bulan)
        activities = self.services.activities(who, bulan)
        plans_today = sum(1 for p in plans if p.tanggal == today.isoformat())
        reports_today = sum(1 for a in activities if a.tanggal == today.isoformat())
        approved = sum(1 for a in activities if a.state in ("approved", "locked"))
        targets = self.services.month_target(who, bulan)
        target = f", {targets} target kegiatan" if targets else ""
        return replies.INFO.format(plans=plans_today, reports=reports_today, done=len(activities), approved=approved,
                                   target=target)
