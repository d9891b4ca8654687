"""`ekinerja login|logout|whoami|token`: the caller's session with identity.

Tokens are kept by `ekinerja_cli.config` in a file only the user can read (0600); an access token about to expire
is refreshed automatically with the refresh token (registered through `client.set_refresher`).
"""
from __future__ import annotations

import os
import time

import click
import grpc

from .. import client, config
from ..output import EXIT_BAD_INPUT, EXIT_FAILED, emit, fail, json_option, table


def _pb():
    from ekinerja.identity.v1 import identity_pb2
    return identity_pb2


def _creds(response, user: str) -> dict:
    p = response.principal
    return {"user": user, "access_token": response.access_token, "refresh_token": response.refresh_token,
            "access_expires_at": response.access_expires_at, "refresh_expires_at": response.refresh_expires_at,
            "subject": p.subject, "roles": list(p.roles), "instansi_id": p.instansi_id}


def refresh(creds: dict) -> dict | None:
    """Trade the stored refresh token for new tokens; None (and the stored session cleared) when it is refused."""
    pb = _pb()
    try:
        with client.channel("identity") as ch:
            response = client.stub("identity", ch).RefreshToken(
                pb.RefreshTokenRequest(refresh_token=creds["refresh_token"]), timeout=client.DEFAULT_TIMEOUT)
    except grpc.RpcError as error:
        if error.code() == grpc.StatusCode.UNAUTHENTICATED:
            config.clear_credentials()
            fail("session expired: run `ekinerja login --user NIP` again", EXIT_FAILED)
        return None
    new = _creds(response, creds.get("user", ""))
    config.save_credentials(new)
    return new


def register(cli) -> None:
    client.set_refresher(refresh)

    @cli.command("login")
    @click.option("--user", "-u", default=None, help="NIP or account name.")
    @click.option("--password", "-p", default=None, help="Else $EKINERJA_PASSWORD, else a prompt.")
    @click.option("--client", "client_id", default=None,
                  help="Log in as an agency system (API client, client credentials) instead of a person.")
    @click.option("--secret", default=None, help="The client's secret; else $EKINERJA_CLIENT_SECRET, else a prompt.")
    @json_option
    def login(user, password, client_id, secret):
        """Log in with NIP or account name (--user), or as an API client (--client); keeps the token for the next
        commands. A client's token is not refreshed: log in again when it expires."""
        if bool(user) == bool(client_id):
            fail("pilih salah satu: --user NIP/akun atau --client CLIENT_ID", EXIT_BAD_INPUT)
        pb = _pb()
        if client_id:
            secret = secret or os.environ.get("EKINERJA_CLIENT_SECRET") or click.prompt("Client secret",
                                                                                       hide_input=True)
            with client.rpc_errors(), client.channel("identity") as ch:
                response = client.stub("identity", ch).ClientToken(
                    pb.ClientTokenRequest(client_id=client_id, client_secret=secret), timeout=client.DEFAULT_TIMEOUT)
            creds = {**_creds(response, f"client:{client_id}"), "scopes": list(response.principal.scopes)}
        else:
            password = password or os.environ.get("EKINERJA_PASSWORD") or click.prompt("Password", hide_input=True)
            with client.rpc_errors(), client.channel("identity") as ch:
                response = client.stub("identity", ch).Login(pb.LoginRequest(user=user, password=password),
                                                                 timeout=client.DEFAULT_TIMEOUT)
            creds = _creds(response, user)
        path = config.save_credentials(creds)
        emit({"subject": creds["subject"], "roles": creds["roles"], "instansi_id": creds["instansi_id"],
              "scopes": creds.get("scopes", []), "access_expires_at": creds["access_expires_at"],
              "credentials": str(path)},
             lambda d: click.echo(f"masuk sebagai {d['subject']} ({', '.join(d['roles'])}"
                                  + (f"; scope {' '.join(d['scopes'])}" if d["scopes"] else "")
                                  + f"); token disimpan di {d['credentials']}"))

    @cli.command("logout")
    @json_option
    def logout():
        """Revoke the refresh token and forget the stored tokens."""
        creds = config.load_credentials()
        revoked = False
        if creds and creds.get("refresh_token"):
            pb = _pb()
            try:
                with client.channel("identity") as ch:
                    revoked = client.stub("identity", ch).Logout(
                        pb.LogoutRequest(refresh_token=creds["refresh_token"]), timeout=10).revoked
            except grpc.RpcError:
                revoked = False
        cleared = config.clear_credentials()
        emit({"logged_out": cleared, "revoked": revoked},
             lambda d: click.echo("logged out" if d["logged_out"] else "not logged in"))

    @cli.command("whoami")
    @json_option
    def whoami():
        """Who the stored token says you are (as identity sees it)."""
        pb = _pb()
        with client.rpc_errors(), client.channel("identity") as ch:
            me = client.stub("identity", ch).WhoAmI(pb.WhoAmIRequest(), metadata=client.metadata(),
                                                        timeout=client.DEFAULT_TIMEOUT)
        data = {"subject": me.principal.subject, "roles": list(me.principal.roles),
                "instansi_id": me.principal.instansi_id, "nip": me.principal.nip,
                "kelompok": list(me.principal.kelompok), "scopes": list(me.principal.scopes)}
        if me.HasField("pegawai"):
            p = me.pegawai
            data["pegawai"] = {"nama": p.nama, "golongan": p.golongan, "pangkat": p.pangkat, "status": p.status,
                               "jabatan": p.current_assignment.jabatan_nama or None}
        emit(data, lambda d: table("whoami", ["field", "value"], [[k, v] for k, v in d.items()]))

    @cli.command("token")
    @json_option
    def token():
        """Print the current access token (refreshed first when about to expire), e.g. for grpcurl."""
        value = client.access_token()
        creds = config.load_credentials() or {}
        emit({"access_token": value, "expires_in": int(creds.get("access_expires_at", 0) - time.time())},
             lambda d: click.echo(d["access_token"]))
