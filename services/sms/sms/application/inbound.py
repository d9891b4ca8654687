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
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import grpc

from ..adapters.services import NotVerified, Unavailable
from ..domain import commands, fairness, phones, replies
from ..domain.reminders import Schedule

log = logging.getLogger("sms.inbound")
_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Limits:
    per_day: int = 30            # messages one number may have handled per day
    per_round: int = 2           # messages of one number per round (fairness)
    batch: int = 20              # messages per round
    scan: int = 1000             # oldest unprocessed rows looked at per round
    unverified_ttl: float = 60.0  # seconds an unverified number is remembered (no identity call per flood message)


@dataclass
class Bridge:
    gammu: object        # adapters.gammu.GammuTables
    store: object        # adapters.store.Store
    services: object     # adapters.services.Services
    phone_key: bytes
    cipher: object       # adapters.store.PhoneCipher
    metrics: object      # sms.metrics module (or a stand-in with the same counters)
    limits: Limits = field(default_factory=Limits)
    default_schedule: Schedule = field(default_factory=Schedule)
    clock: object = None  # () -> aware datetime; injectable for tests
    _unverified: dict = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock() if self.clock else dt.datetime.now(dt.timezone.utc)

    def today(self) -> dt.date:
        return self.now().astimezone(ZoneInfo(self.default_schedule.timezone)).date()

    # -- a round -------------------------------------------------------------------------------------------------
    def run_round(self) -> int:
        """Handle up to `limits.batch` waiting messages fairly across senders; returns how many were handled."""
        self.deliver_unsent()
        with self.gammu.connect(autocommit=True) as conn:
            rows = self.gammu.pending(conn, self.limits.scan)
            self.metrics.GATEWAY_LAG.set(self.gammu.lag_seconds(conn))
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
        with self.gammu.connect() as conn:
            with conn.transaction():
                if message_id is not None and reply:
                    queued = self.gammu.send(conn, sender, reply, f"r{message_id}")
                    if queued:
                        self.metrics.MESSAGES_OUT.labels(kind="reply").inc()
                self.gammu.mark_processed(conn, row.gammu_id)
        if message_id is not None and reply:
            self.store.mark_sent(message_id)

    def deliver_unsent(self) -> None:
        for message_id, gammu_id, reply in self.store.unsent():
            with self.gammu.connect() as conn:
                with conn.transaction():
                    found = conn.execute('SELECT "SenderNumber" FROM inbox WHERE "ID" = %s', (gammu_id,)).fetchone()
                    if found and reply:
                        if self.gammu.send(conn, phones.normalise(found[0]), reply, f"r{message_id}"):
                            self.metrics.MESSAGES_OUT.labels(kind="reply").inc()
                    self.gammu.mark_processed(conn, gammu_id)
            self.store.mark_sent(message_id)

    # -- commands ------------------------------------------------------------------------------------------------
    def execute_safely(self, command, sender, sender_hash, digest, tx) -> tuple[str, str, str]:
        """A refusal by a service (not a transient failure) still gets one helpful line, never silence."""
        try:
            return self.execute(command, sender, sender_hash, digest, tx)
        except grpc.RpcError as exc:
            log.warning("%s refused by a service: %s", command.kind, exc.code().name)
            return command.kind, "refused", replies.REFUSED

    def execute(self, command, sender: str, sender_hash: str, digest: str, tx) -> tuple[str, str, str]:  # noqa: C901 - TODO issue 17.14: split
        """(command, outcome, reply) for one parsed message."""
        kind = command.kind
        if kind == "too_long":
            return kind, "refused", replies.TOO_LONG
        if kind == "empty":
            return kind, "malformed", replies.EMPTY
        if kind == "unknown":
            return kind, "malformed", replies.UNKNOWN.format(word=command.word)
        if kind == "bantuan":
            return kind, "ok", replies.HELP
        if kind == "daftar":
            code = command.argument.replace(" ", "")
            if not _CODE.match(code):
                return kind, "malformed", replies.DAFTAR_USAGE
            verified = self.services.verify_phone(sender, code)
            if verified:
                self._unverified.pop(sender_hash, None)
            return kind, ("ok" if verified else "refused"), (replies.DAFTAR_OK if verified else replies.DAFTAR_WRONG)
        who = self.delegated(sender, sender_hash)
        if who is None:
            return kind, "unverified", replies.NOT_REGISTERED
        if kind in ("lapor", "rencana"):
            reply = self.services.submit_text(who, commands.forwarded_line(command), digest[:64])
            return kind, "ok", reply
        if kind == "info":
            return kind, "ok", self.info(who)
        if kind == "tanya":
            if not command.argument:
                return kind, "malformed", replies.TANYA_USAGE
            answer = self.services.ask(who, command.argument, digest[:64])
            if answer.answers:
                best = answer.answers[0]
                return kind, "ok", replies.answer(best.judul, best.jawaban, best.id)
            return kind, "ok", replies.TANYA_NONE.format(qid=answer.question_id[:12])
        if kind == "stop":
            tx.subscribe(sender_hash, self.cipher.seal(sender), active=False)
            return kind, "ok", replies.STOPPED
        if kind == "ingatkan":
            tx.subscribe(sender_hash, self.cipher.seal(sender), active=True)
            schedule = tx.schedule(who.instansi_id, self.default_schedule)
            return kind, "ok", replies.REMINDERS_ON.format(hour=schedule.hour)
        return kind, "malformed", replies.HELP  # pragma: no cover - every keyword is handled above

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
