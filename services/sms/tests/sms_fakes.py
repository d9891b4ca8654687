"""In-memory implementations of the bridge's ports (sms/application/ports.py) for the use-case unit tests: the
services, the bridge's store (a transaction that rolls back on an exception, like PostgreSQL's), Gammu's inbox and
outbox (a reference is sent once), the phone cipher and the metrics."""
from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from sms.application.inbound import Bridge, Limits
from sms.application.ports import Delegated, InboxRow, NotVerified, Refused, Unavailable
from sms.domain.reminders import Schedule

WIB = dt.timezone(dt.timedelta(hours=7))


@dataclass
class FakeServices:
    """identity, des, snowman and recap: verified numbers, one des effect per idempotency key, switchable failures."""
    verified: dict = field(default_factory=dict)        # phone -> nip
    codes: dict = field(default_factory=dict)           # phone -> the one-time code identity texted
    submitted: dict = field(default_factory=dict)       # idempotency key -> (nip, line)
    plans_of: dict = field(default_factory=dict)        # nip -> [tanggal]
    activities_of: dict = field(default_factory=dict)   # nip -> [(tanggal, state)]
    waiting_review: dict = field(default_factory=dict)  # nip -> count
    holiday_dates: set = field(default_factory=set)     # iso dates
    answers: list = field(default_factory=list)         # snowman's answers to any question
    down: bool = False                                  # every call: Unavailable
    refuse: str = ""                                    # a status name every des/snowman call refuses with
    calls: Counter = field(default_factory=Counter)

    def _enter(self, rpc: str) -> None:
        self.calls[rpc] += 1
        if self.down:
            raise Unavailable(f"{rpc}: UNAVAILABLE")

    def _des(self, rpc: str) -> None:
        self._enter(rpc)
        if self.refuse:
            raise Refused(self.refuse)

    def phone_token(self, phone):
        self._enter("PhoneToken")
        if phone not in self.verified:
            raise NotVerified()
        return Delegated(f"token-{phone}", self.verified[phone], "INST-1", ("pegawai",))

    def verify_phone(self, phone, code):
        self._enter("VerifyPhone")
        if self.codes.get(phone) == code:
            self.verified[phone] = f"nip-of-{phone}"
            return True
        return False

    def submit_text(self, who, line, key):
        self._des("SubmitText")
        self.submitted.setdefault(key, (who.nip, line))
        return f"OK {line}"

    def plans(self, who, bulan):
        self._des("ListPlans")
        return [SimpleNamespace(tanggal=t) for t in self.plans_of.get(who.nip, []) if t.startswith(bulan)]

    def activities(self, who, bulan):
        self._des("ListActivities")
        return [SimpleNamespace(tanggal=t, state=s) for t, s in self.activities_of.get(who.nip, [])
                if t.startswith(bulan)]

    def review_count(self, who):
        self._des("ReviewQueue")
        return self.waiting_review.get(who.nip, 0)

    def month_target(self, who, bulan):
        self._des("GetMonthlyTargets")
        return ""

    def ask(self, who, question, key):
        self._des("Ask")
        return SimpleNamespace(answers=list(self.answers), question_id="q-0123456789abcdef")

    def holidays(self, instansi_id, start, end):
        self._enter("ListHolidays")
        return {d for d in self.holiday_dates if start <= d <= end}


@dataclass
class FakeTx:
    state: dict

    def claim(self, gammu_id, content_hash, sender_hash):
        messages = self.state["messages"]
        if any(m["gammu_id"] == gammu_id or m["content_hash"] == content_hash for m in messages.values()):
            return None
        message_id = len(messages) + 1
        messages[message_id] = {"gammu_id": gammu_id, "content_hash": content_hash, "sender_hash": sender_hash,
                                "command": "", "outcome": "claimed", "reply": None, "reply_sent": False}
        return message_id

    def finish(self, message_id, command, outcome, reply):
        self.state["messages"][message_id].update(command=command, outcome=outcome, reply=reply,
                                                  reply_sent=reply is None)

    def bump(self, sender_hash, day):
        counters = self.state["counters"]
        counters[(sender_hash, day)] = counters.get((sender_hash, day), 0) + 1
        return counters[(sender_hash, day)]

    def subscribe(self, phone_hash, cipher, active):
        self.state["subscriptions"][phone_hash] = (cipher, active)

    def schedule(self, instansi_id, default):
        return self.state["schedules"].get(instansi_id, default)

    def log_reminder(self, phone_hash, day, kind):
        if (phone_hash, day, kind) in self.state["reminder_log"]:
            return False
        self.state["reminder_log"].add((phone_hash, day, kind))
        return True

    def reminded(self, phone_hash, day, kind):
        return (phone_hash, day, kind) in self.state["reminder_log"]


class FakeStore:
    """The bridge's database: what a transaction wrote is kept only when it ends without an exception."""

    def __init__(self):
        self.state = {"messages": {}, "counters": {}, "subscriptions": {}, "schedules": {}, "reminder_log": set()}

    @contextmanager
    def transaction(self):
        work = copy.deepcopy(self.state)
        yield FakeTx(work)
        self.state = work

    def unsent(self, limit=100):
        return [(i, m["gammu_id"], m["reply"]) for i, m in sorted(self.state["messages"].items())
                if not m["reply_sent"]][:limit]

    def mark_sent(self, message_id):
        self.state["messages"][message_id]["reply_sent"] = True

    def subscriptions(self):
        return sorted((h, c) for h, (c, active) in self.state["subscriptions"].items() if active)


class FakeGateway:
    """Gammu: the inbox rows received, the processed flags, the outbox (one row per reference)."""

    def __init__(self):
        self.inbox: dict[int, InboxRow] = {}
        self.processed: set[int] = set()
        self.outbox: list[tuple[str, str, str]] = []   # (number, text, reference)
        self.fail_sends = False

    def receive(self, sender: str, text: str, smsc_time: str = "2026-12-07T09:00:00") -> int:
        gammu_id = len(self.inbox) + 1
        self.inbox[gammu_id] = InboxRow(gammu_id, sender, smsc_time, text)
        return gammu_id

    def pending(self, limit):
        rows = [r for i, r in sorted(self.inbox.items()) if i not in self.processed][:limit]
        return rows, float(len(rows))

    def send(self, number, text, reference):
        if self.fail_sends:
            raise ConnectionError("gammu's database is down")
        if any(ref == reference for _, _, ref in self.outbox):
            return False
        self.outbox.append((number, text, reference))
        return True

    def answer(self, gammu_id, number, reply, reference):
        queued = bool(reply) and self.send(number, reply, reference)
        self.processed.add(gammu_id)
        return queued

    def answer_sender(self, gammu_id, reply, reference):
        row = self.inbox.get(gammu_id)
        return self.answer(gammu_id, row.sender, reply, reference) if row else False

    def texts_to(self, number: str) -> list[str]:
        return [text for to, text, _ in self.outbox if to == number]


class FakeCipher:
    def seal(self, phone):
        return b"sealed:" + phone.encode()

    def open(self, blob):
        return bytes(blob).removeprefix(b"sealed:").decode()


class _Metric:
    def __init__(self):
        self.counts: Counter = Counter()
        self.value = 0.0

    def labels(self, **labels):
        key = tuple(sorted(labels.items()))
        metric = self

        class _Child:
            def inc(self, amount=1):
                metric.counts[key] += amount
        return _Child()

    def inc(self, amount=1):
        self.counts[()] += amount

    def set(self, value):
        self.value = value


class FakeMetrics:
    def __init__(self):
        for name in ("MESSAGES_IN", "MESSAGES_OUT", "REMINDERS", "GATEWAY_LAG", "CODES_SENT"):
            setattr(self, name, _Metric())

    def count(self, name: str, **labels) -> float:
        return getattr(self, name).counts[tuple(sorted(labels.items()))]


def make_bridge(services: FakeServices | None = None, clock=None, **limits) -> Bridge:
    """A bridge on fakes only, at 2026-12-07 16:00 WIB (a Monday, after the default 15.00 reminder hour)."""
    moment = dt.datetime(2026, 12, 7, 16, 0, tzinfo=WIB)
    return Bridge(gammu=FakeGateway(), store=FakeStore(), services=services or FakeServices(), phone_key=b"test-key",
                  cipher=FakeCipher(), metrics=FakeMetrics(), limits=Limits(**limits), default_schedule=Schedule(),
                  clock=clock or (lambda: moment))
