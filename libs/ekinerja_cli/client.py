"""gRPC access from the CLI (a plain grpcio process, no eventlet): channels, the caller's token, error mapping."""
from __future__ import annotations

import contextlib
import time

import grpc

from . import config
from .output import EXIT_BAD_INPUT, EXIT_FAILED, fail, state

BAD_INPUT_CODES = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE}
DEFAULT_TIMEOUT = 30.0


def channel(service: str) -> grpc.Channel:
    return grpc.insecure_channel(config.endpoint(service, state().endpoints),
                                 options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])


def metadata(token: str | None = None) -> list[tuple[str, str]]:
    token = token or access_token()
    return [("authorization", f"Bearer {token}")] if token else []


_refresher = None


def set_refresher(fn) -> None:
    """identity's commands register how to refresh an expired access token (keeps this module service-neutral)."""
    global _refresher
    _refresher = fn


def access_token(required: bool = True) -> str | None:
    creds = config.load_credentials()
    if not creds:
        if required:
            fail("not logged in: run `ekinerja login --user NIP`", EXIT_FAILED)
        return None
    if creds.get("access_expires_at", 0) - 30 < time.time() and _refresher is not None and creds.get("refresh_token"):
        creds = _refresher(creds) or creds
    return creds.get("access_token")


@contextlib.contextmanager
def rpc_errors():
    """Turn gRPC errors into one stderr line and the CLI's exit codes (2 for bad input)."""
    try:
        yield
    except grpc.RpcError as error:
        code = error.code()
        detail = error.details() or code.name
        if code == grpc.StatusCode.UNAVAILABLE:
            fail(f"service unavailable ({detail}); is it running? (`make run`)", EXIT_FAILED)
        fail(f"{code.name}: {detail}", EXIT_BAD_INPUT if code in BAD_INPUT_CODES else EXIT_FAILED)
