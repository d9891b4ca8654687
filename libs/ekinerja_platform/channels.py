"""gRPC client channels, plaintext or TLS (optionally with a client certificate), in one place.

Inside the cluster the services talk plaintext; outside it (the CLI, agencies' systems) the gateway terminates TLS
and, for agency systems, may require a client certificate (docs/operations.md, "TLS clients"). The CLI, the portal
and tools build their channels here so TLS is configured the same way everywhere.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc

TRUE = {"1", "true", "yes", "on"}
DEFAULT_OPTIONS = (("grpc.max_send_message_length", 64 * 1024 * 1024),)


class TlsConfigError(ValueError):
    """A TLS file cannot be used; `field` names the option or variable, the message is for people."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ClientTls:
    """TLS for a client: the CA that signed the server (None: the system's roots) and an optional client cert."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientTls | None:
        """EKINERJA_TLS=1, EKINERJA_TLS_CA_FILE, EKINERJA_TLS_CERT_FILE and EKINERJA_TLS_KEY_FILE; any file
        variable turns TLS on. None when TLS is off."""
        env = os.environ if environ is None else environ
        files = {name: env.get(f"EKINERJA_TLS_{name}_FILE") or None for name in ("CA", "CERT", "KEY")}
        if not (env.get("EKINERJA_TLS", "").strip().lower() in TRUE or any(files.values())):
            return None
        return cls(files["CA"], files["CERT"], files["KEY"])

    def credentials(self) -> grpc.ChannelCredentials:
        if bool(self.cert_file) != bool(self.key_file):
            raise TlsConfigError("--cert/--key", "sertifikat klien (--cert) dan kuncinya (--key) harus diberikan "
                                                 "bersama")
        return grpc.ssl_channel_credentials(
            root_certificates=_read(self.ca_file, "--ca-file") if self.ca_file else None,
            private_key=_read(self.key_file, "--key") if self.key_file else None,
            certificate_chain=_read(self.cert_file, "--cert") if self.cert_file else None)


def _read(path: str, field: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise TlsConfigError(field, f"berkas {field} tidak dapat dibaca: {path} ({exc.strerror})") from None
    if b"-----BEGIN " not in data:
        raise TlsConfigError(field, f"berkas {field} bukan berkas PEM: {path}")
    return data


def _options(options: Sequence[tuple[str, object]] | None) -> list[tuple[str, object]]:
    return list(DEFAULT_OPTIONS if options is None else options)


def client_channel(target: str, tls: ClientTls | None = None,
                   options: Sequence[tuple[str, object]] | None = None) -> grpc.Channel:
    """A blocking channel to `target` (host:port), TLS when `tls` is given."""
    if tls is None:
        return grpc.insecure_channel(target, options=_options(options))
    return grpc.secure_channel(target, tls.credentials(), options=_options(options))


def aio_client_channel(target: str, tls: ClientTls | None = None,
                       options: Sequence[tuple[str, object]] | None = None) -> grpc.aio.Channel:
    """The asyncio twin of `client_channel` (the portal)."""
    if tls is None:
        return grpc.aio.insecure_channel(target, options=_options(options))
    return grpc.aio.secure_channel(target, tls.credentials(), options=_options(options))
