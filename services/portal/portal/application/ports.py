"""What the page use cases need from outside: the five services, called with plain values.

`Services.call(service, rpc, fields, token)` sends the RPC's request built from `fields` (a dict of the request's
field names; nested messages as dicts, enums by name such as "PERIOD_MONTH") and returns the service's answer as a
plain frozen value of application/answers.py (the proto's field names, only those a page reads; `None` for an
answer no page reads) — never a protobuf message. A refusal raises `ServiceError`, whatever the
transport. The adapter (adapters/services.py) implements it with grpc.aio; the unit tests with a fake.
"""
from __future__ import annotations

from typing import Any, Protocol


class ServiceError(Exception):
    """A service's refusal: its status (`code`, a name such as "NOT_FOUND"), the field it names (if any) and its
    own (English) detail, and for a throttled call the seconds to wait."""

    def __init__(self, code: str, detail: str = "", field: str = "", retry_after: int = 0):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field
        self.retry_after = retry_after


class Services(Protocol):
    async def call(self, service: str, rpc: str, fields: dict[str, Any], token: str = "", *, write: bool = False,
                   idempotency_key: str = "", metadata: tuple = ()) -> Any:
        """`write`: send an idempotency key, the form's own when given (a double submit then has one effect)."""
        ...
