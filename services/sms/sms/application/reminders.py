"""Reminders at the instansi's hour on working days: to an opted-in employee without a plan or a report today, to a
supervisor the count of reports waiting for review. At most one of each kind per number and day (reminder_log)."""
from __future__ import annotations

import datetime as dt
import logging

from ..domain import phones, replies
from ..domain.reminders import due_date
from .ports import NotVerified, Unavailable

log = logging.getLogger("sms.reminders")


def run_reminders(bridge) -> int:
    """One pass over the subscribers at `bridge.now()`; returns the number of reminders queued."""
    now = bridge.now()
    sent = 0
    holidays_by_instansi: dict[str, set] = {}
    for phone_hash, cipher in bridge.store.subscriptions():
        phone = bridge.cipher.open(cipher)
        try:
            who = bridge.services.phone_token(phone)
        except NotVerified:
            continue  # the number was removed or replaced in identity
        except Unavailable as exc:
            log.warning("reminders postponed: %s", exc)
            return sent
        with bridge.store.transaction() as tx:
            schedule = tx.schedule(who.instansi_id, bridge.default_schedule)
        local_day = schedule.local(now).date()
        if who.instansi_id not in holidays_by_instansi:
            holidays_by_instansi[who.instansi_id] = _holidays(bridge, who.instansi_id, local_day)
        day = due_date(now, schedule, holidays_by_instansi[who.instansi_id])
        if day is None:
            continue
        try:
            sent += _remind(bridge, who, phone, phone_hash, day)
        except Unavailable as exc:
            log.warning("reminder for %s postponed: %s", phones.mask(phone), exc)
    return sent


def _holidays(bridge, instansi_id: str, day: dt.date) -> set:
    try:
        return {dt.date.fromisoformat(d) for d in bridge.services.holidays(instansi_id, day.isoformat(),
                                                                            day.isoformat())}
    except Unavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - recap refusing must not stop reminders; logged for the operator
        log.warning("holidays of %s not readable from recap (%s); only weekends are skipped", instansi_id, exc)
        return set()


def _remind(bridge, who, phone: str, phone_hash: str, day: dt.date) -> int:
    sent = 0
    with bridge.store.transaction() as tx:
        employee_done = tx.reminded(phone_hash, day, "employee")
        supervisor_done = tx.reminded(phone_hash, day, "supervisor")
    if not employee_done:
        bulan = day.strftime("%Y-%m")
        has_plan = any(p.tanggal == day.isoformat() for p in bridge.services.plans(who, bulan))
        has_report = any(a.tanggal == day.isoformat() for a in bridge.services.activities(who, bulan))
        text = None
        if not (has_plan and has_report):
            text = replies.REMIND_EMPLOYEE.format(missing=replies.reminder_missing(has_plan, has_report))
        sent += _send_once(bridge, phone, phone_hash, day, "employee", text)
    if not supervisor_done:
        count = bridge.services.review_count(who)
        text = replies.REMIND_SUPERVISOR.format(count=count) if count else None
        sent += _send_once(bridge, phone, phone_hash, day, "supervisor", text)
    return sent


def _send_once(bridge, phone: str, phone_hash: str, day: dt.date, kind: str, text: str | None) -> int:
    """Log the (number, day, kind) and queue the SMS in one go; with nothing to say the day is only logged."""
    with bridge.store.transaction() as tx:
        if not tx.log_reminder(phone_hash, day, kind):
            return 0
        if text is None:
            return 0
        bridge.gammu.send(phone, text, f"m{phone_hash[:16]}{day:%Y%m%d}{kind[0]}")  # inside: a failure un-logs
    bridge.metrics.REMINDERS.labels(kind=kind).inc()
    bridge.metrics.MESSAGES_OUT.labels(kind="reminder").inc()
    return 1
