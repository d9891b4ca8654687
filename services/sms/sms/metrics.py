"""The bridge's Prometheus metrics (phone numbers are never labels)."""
from prometheus_client import Counter, Gauge

MESSAGES_IN = Counter("ekinerja_sms_messages_in_total", "Incoming SMS handled, by outcome", ["outcome"])
MESSAGES_OUT = Counter("ekinerja_sms_messages_out_total", "SMS queued in Gammu's outbox, by kind", ["kind"])
REMINDERS = Counter("ekinerja_sms_reminders_sent_total", "Reminder SMS queued, by kind", ["kind"])
GATEWAY_LAG = Gauge("ekinerja_sms_gateway_lag_seconds", "Age of the oldest unprocessed row in Gammu's inbox")
OUTBOX_AGE = Gauge("ekinerja_sms_outbox_oldest_seconds", "Age of the oldest SMS waiting in Gammu's outbox")
GATEWAY_SILENCE = Gauge("ekinerja_sms_gateway_silence_seconds",
                        "Seconds since gammu-smsd last updated its phones row (its heartbeat)")
CODES_SENT = Counter("ekinerja_sms_verification_codes_sent_total", "One-time codes texted for identity")
