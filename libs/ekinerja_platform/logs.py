"""JSON logs with a correlation id and, while tracing, the trace id; NIPs and URL passwords never appear in clear.

Every record carries the current correlation id (set per request or event by the entrypoints) and, when tracing
is on and a span is current (a call's or an event's worker, tracing.py), `trace_id` and `span_id`. Any 18-digit run
that looks like a NIP in a message is replaced by a keyed hash, so a careless log line cannot leak personal data.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sys
import threading
import time

from . import tracing

_local = threading.local()  # greenlet-local once eventlet has monkey-patched threading
_NIP_PATTERN = re.compile(r"(?<!\d)\d{18}(?!\d)")
_hash_key = b""
# a password in a URL (`amqp://user:secret@host`): nameko redacts only the first URL of a broker failover list
_URL_PASSWORD = re.compile(r"(://[^:/@;\s]+:)[^@;\s]+@")


def set_correlation_id(value: str | None) -> None:
    _local.correlation_id = value


def get_correlation_id() -> str | None:
    return getattr(_local, "correlation_id", None)


def hash_nip(nip: str, key: bytes | None = None) -> str:
    """Stable keyed pseudonym of a NIP, for logs and joins that must not reveal the person."""
    return "nip:" + hmac.new(key if key is not None else _hash_key, nip.encode(), hashlib.sha256).hexdigest()[:16]


def nip_hash_key() -> bytes:
    """The deployment's NIP hash key (`configure_logging`), also the key of the events' partition pseudonym."""
    return _hash_key


def scrub(text: str) -> str:
    return _URL_PASSWORD.sub(r"\1***@", _NIP_PATTERN.sub(lambda m: hash_nip(m.group(0)), text))


MAX_MESSAGE_CHARS = 2000  # a log line never carries a whole user-supplied value (a 1 MiB field, say)
MAX_EXCEPTION_CHARS = 10000


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters not logged)"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(cut(record.getMessage(), MAX_MESSAGE_CHARS)),
        }
        cid = getattr(record, "correlation_id", None) or get_correlation_id()
        if cid:
            entry["correlation_id"] = cid
        ids = tracing.log_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        service = getattr(record, "service", None)
        if service:
            entry["service"] = service
        if record.exc_info:
            entry["exc"] = scrub(cut(self.formatException(record.exc_info), MAX_EXCEPTION_CHARS))
        return json.dumps(entry, ensure_ascii=False)


class _ExpectedErrorFilter(logging.Filter):
    """nameko logs a handler's expected (domain) error as a warning with a traceback; it is the client's mistake,
    already answered with its status code: keep one INFO line without the traceback."""

    def filter(self, record):
        if isinstance(record.msg, str) and record.msg.startswith("(expected)"):
            record.exc_info = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def configure_logging(service: str, level: str = "INFO", nip_hash_key: bytes = b"") -> None:
    global _hash_key
    _hash_key = nip_hash_key
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())

    class _ServiceFilter(logging.Filter):
        def filter(self, record):
            record.service = service
            return True

    handler.addFilter(_ServiceFilter())
    logging.getLogger("nameko.containers").addFilter(_ExpectedErrorFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("nameko_grpc", "kombu", "amqp", "h2", "hpack", "nameko"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
