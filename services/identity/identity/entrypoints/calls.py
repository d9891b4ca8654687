"""What identity's gRPC entrypoints read from a call and add to its answer, beyond the platform's entrypoint.

- The client's address: the socket peer (`call.peer`, unforgeable), or, when the peer is a trusted proxy, the client
  it names in `x-forwarded-for` (`domain/client_address.py`). Read here from the call's metadata, so the platform's
  context data stays an allow-list.
- A throttled attempt's wait, for programs: trailing metadata `retry-after` (whole seconds, as HTTP's header); the
  platform adds a `google.rpc.RetryInfo` to the status details (`grpc-status-details-bin`) from the error's
  `retry_after_seconds`, beside the message that says it in words.
"""
from __future__ import annotations

import contextlib

from ekinerja_platform.domain_errors import TooManyAttempts

from ..domain.client_address import client_address

FORWARDED_FOR = "x-forwarded-for"


def client_of(call, context, trusted_proxies):
    """The client's address for this call (None when the socket had none)."""
    forwarded = []
    if trusted_proxies and context is not None:
        forwarded = [value for name, value in context.invocation_metadata()
                     if name.lower() == FORWARDED_FOR and isinstance(value, str)]
    return client_address(call.peer, forwarded, trusted_proxies)


@contextlib.contextmanager
def retry_hint(context):
    """Attach the wait of a TooManyAttempts to the answer's trailers; the error itself goes on as usual."""
    try:
        yield
    except TooManyAttempts as exc:
        if context is not None:  # the RetryInfo detail comes with the platform's error details (error_details.py)
            context.set_trailing_metadata([("retry-after", str(exc.retry_after_seconds))])
        raise
