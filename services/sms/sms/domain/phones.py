"""Phone numbers are personal data: logs and metrics see only a mask or a keyed hash."""
from __future__ import annotations

import hashlib
import hmac
import re

_DIGITS = re.compile(r"[\s.\-()]")


def normalise(number: str) -> str:
    """Indonesian forms as the gateway may report them (08xx, 628xx, +628xx) → E.164 (+628xx); other numbers are
    returned as given (without spaces), so they still count against rate limits."""
    raw = _DIGITS.sub("", number or "")
    if raw.startswith("+"):
        return raw
    if raw.startswith("62"):
        return "+" + raw
    if raw.startswith("0"):
        return "+62" + raw[1:]
    return raw


def mask(number: str) -> str:
    """+62812****0001: enough for a person to recognise their own number, not enough to call it."""
    n = number or ""
    if len(n) <= 8:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:] if len(n) > 10 else n[:4] + "****" + n[-2:]


def keyed_hash(number: str, key: bytes) -> str:
    return hmac.new(key, normalise(number).encode(), hashlib.sha256).hexdigest()
