"""Page tokens for list RPCs: keyset cursors (the sort key of a page's last row), opaque to clients.

Why keyset and not offsets: a page costs the same however deep it is (an index seek, not a scan of the rows
skipped), and rows inserted meanwhile never shift a page. A token is bound to its query (a fingerprint of the RPC
and its filters), so a token from one query is refused by another instead of returning a wrong page. Standard
library only: domain and application code may use it.

Use: `page = page_request(request.page_size, request.page_token, "des.ListPlans", nip, bulan)`; fetch `page.size + 1`
rows ordered by a unique key with `key > page.after` (when set); `rows, token = page.split(rows, key_of_row)`.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

from .domain_errors import InvalidArgument

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class PageRequest:
    size: int
    after: tuple | None  # the sort key of the previous page's last row; None on the first page
    query: str

    def split(self, rows, key) -> tuple[list, str]:
        """(the page's rows, the next page's token or "" when this is the last page) from `size + 1` fetched rows."""
        rows = list(rows)
        if len(rows) <= self.size:
            return rows, ""
        rows = rows[:self.size]
        return rows, encode_token(self.query, tuple(key(rows[-1])))


def page_request(page_size: int, page_token: str, rpc: str, *filters, key: tuple[type, ...],
                 default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> PageRequest:
    """Validate the request's paging fields; INVALID_ARGUMENT naming the field when they are wrong. `key`: the
    types of the sort key (a token whose key has other types is refused before it reaches a query)."""
    if page_size < 0 or page_size > maximum:
        raise InvalidArgument(f"harus antara 1 dan {maximum} (0: {default})", field="page_size")
    query = fingerprint(rpc, *filters)
    return PageRequest(size=page_size or default,
                       after=decode_token(page_token, query, key) if page_token else None, query=query)


def fingerprint(*parts) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


def encode_token(query: str, key: tuple) -> str:
    body = json.dumps({"q": query, "k": [_dump(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_token(token: str, query: str, types: tuple[type, ...]) -> tuple:
    try:
        if len(token) > 2048:
            raise ValueError
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        seen, key = body["q"], tuple(_load(v) for v in body["k"])
        if len(key) != len(types) or any(type(v) is not t for v, t in zip(key, types, strict=True)):
            raise ValueError
    except Exception:
        raise InvalidArgument("bukan token halaman dari layanan ini", field="page_token") from None
    if seen != query:
        raise InvalidArgument("milik permintaan lain (filter berbeda); mulai lagi tanpa token", field="page_token")
    return key


def _dump(value):
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if value is None or isinstance(value, (int, str)):
        return value
    return str(value)


def _load(value):
    if isinstance(value, dict):
        (kind, text), = value.items()
        return {"t": dt.datetime.fromisoformat, "d": dt.date.fromisoformat, "u": uuid.UUID}[kind](text)
    if value is None or isinstance(value, (int, str)):
        return value
    raise ValueError(value)
