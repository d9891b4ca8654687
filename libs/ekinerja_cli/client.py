"""gRPC access from the CLI (a plain grpcio process, no eventlet): channels, the caller's token, error mapping."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time

import click
import grpc

from . import config, error_messages
from .output import EXIT_BAD_INPUT, EXIT_FAILED, fail, state

BAD_INPUT_CODES = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.OUT_OF_RANGE}
DEFAULT_TIMEOUT = 30.0


def channel(service: str) -> grpc.Channel:
    return grpc.insecure_channel(config.endpoint(service, state().endpoints),
                                 options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])


def metadata(token: str | None = None) -> list[tuple[str, str]]:
    token = token or access_token()
    return ([("authorization", f"Bearer {token}")] if token else []) + trace_metadata()


def trace_metadata() -> list[tuple[str, str]]:
    """The caller's W3C trace context from `TRACEPARENT` (as CI systems and otel-cli export it), so a script's
    calls join its trace; the services continue it when tracing is on (docs/operations.md, "Tracing")."""
    from ekinerja_platform.tracing import valid_traceparent
    traceparent = valid_traceparent(os.environ.get("TRACEPARENT", ""))
    return [("traceparent", traceparent)] if traceparent else []


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
    if creds.get("access_expires_at", 0) - 30 < time.time():
        if _refresher is not None and creds.get("refresh_token"):
            creds = _refresher(creds) or creds
        elif str(creds.get("user", "")).startswith("client:") and creds.get("access_expires_at", 0) < time.time():
            # client credentials give no refresh token: the agency system logs in again
            fail(f"token klien sudah habis: jalankan `ekinerja login --client {creds['user'][7:]}` lagi", EXIT_FAILED)
    return creds.get("access_token")


@contextlib.contextmanager
def rpc_errors():
    """Turn gRPC errors into one stderr line in Bahasa Indonesia (`error_messages`; with --json, a JSON object
    with code, reason and field) and the CLI's exit codes (2 for bad input)."""
    try:
        yield
    except grpc.RpcError as error:
        refused = error_messages.refusal(error)
        exit_code = EXIT_BAD_INPUT if refused.code in BAD_INPUT_CODES else EXIT_FAILED
        if state().json:
            click.echo(json.dumps({"error": refused.as_json()}, ensure_ascii=False), err=True)
            sys.exit(exit_code)
        fail(refused.message, exit_code)
