"""identity's `phone_verification_requested` → the one-time code texted to the number (once per event)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from ekinerja_events.identity import PhoneVerificationRequested

from ..domain import commands, phones, replies


def code_message(event: PhoneVerificationRequested, timezone: str = "Asia/Jakarta") -> tuple[str, str]:
    """(number, text) for the event's payload."""
    phone = phones.normalise(event.phone)
    if not event.code.isdigit() or not phone.startswith("+"):
        raise ValueError("payload has no usable phone or code")
    until_text = event.expires_at.astimezone(ZoneInfo(timezone)).strftime("%H.%M")
    return phone, commands.fit(replies.VERIFICATION_CODE.format(code=event.code, until=until_text))


def text_code(bridge, event_id: str, event: PhoneVerificationRequested) -> bool:
    """Queue the code SMS; the event id is the outbox reference, so a redelivered event is texted once."""
    phone, text = code_message(event, bridge.default_schedule.timezone)
    queued = bridge.gammu.send(phone, text, f"v{event_id}")
    if queued:
        bridge.metrics.CODES_SENT.inc()
        bridge.metrics.MESSAGES_OUT.labels(kind="code").inc()
    return queued
