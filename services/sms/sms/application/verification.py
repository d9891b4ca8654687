"""identity's `phone_verification_requested` → the one-time code texted to the number (once per event)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..domain import commands, phones, replies


def code_message(data: dict, timezone: str = "Asia/Jakarta") -> tuple[str, str]:
    """(number, text) for the event's payload {phone, code, expires_at, registration_id}."""
    phone = phones.normalise(str(data["phone"]))
    code = str(data["code"])
    if not code.isdigit() or not phone.startswith("+"):
        raise ValueError("payload has no usable phone or code")
    try:
        until = dt.datetime.fromisoformat(str(data["expires_at"]).replace("Z", "+00:00"))
        until_text = until.astimezone(ZoneInfo(timezone)).strftime("%H.%M")
    except (KeyError, ValueError):
        until_text = "15 menit"
    return phone, commands.fit(replies.VERIFICATION_CODE.format(code=code, until=until_text))


def text_code(bridge, event_id: str, data: dict) -> bool:
    """Queue the code SMS; the event id is the outbox reference, so a redelivered event is texted once."""
    phone, text = code_message(data, bridge.default_schedule.timezone)
    queued = bridge.gammu.send(phone, text, f"v{event_id}")
    if queued:
        bridge.metrics.CODES_SENT.inc()
        bridge.metrics.MESSAGES_OUT.labels(kind="code").inc()
    return queued
