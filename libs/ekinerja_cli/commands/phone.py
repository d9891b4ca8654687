"""`ekinerja telepon daftar|lihat|hapus` (an employee's own mobile number for SMS, issue 19), and the SMS bridge's
two calls for an operator checking a bridge client (`ekinerja login-client` first): `telepon verifikasi|token`."""
from __future__ import annotations

import datetime as dt
import uuid

import click

from .. import client
from ..output import emit, json_option


def _pb():
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    return identity_pb2, identity_pb2_grpc


def _call(method: str, request, *, write: bool = False):
    _, pb_grpc = _pb()
    md = client.metadata()
    if write:
        md.append(("x-idempotency-key", uuid.uuid4().hex))
    with client.rpc_errors(), client.channel("identity") as ch:
        return getattr(pb_grpc.IdentityServiceStub(ch), method)(request, metadata=md, timeout=client.DEFAULT_TIMEOUT)


def _local_time(stamp) -> str:
    return stamp.ToDatetime(tzinfo=dt.timezone.utc).astimezone().strftime("%H:%M")


def register(cli) -> None:
    @cli.group("telepon")
    def phone_group():
        """Nomor ponsel Anda untuk lapor lewat SMS."""

    @phone_group.command("daftar")
    @click.argument("nomor")
    @json_option
    def phone_register(nomor):
        """Daftarkan nomor ponsel Anda (08…, 628… atau +628…); kode verifikasi dikirim lewat SMS."""
        pb, _ = _pb()
        r = _call("RegisterPhone", pb.RegisterPhoneRequest(phone=nomor), write=True)
        emit({"phone_masked": r.phone_masked, "expires_at": r.expires_at.ToJsonString()},
             lambda d: click.echo(f"kode verifikasi dikirim ke {d['phone_masked']}; balas SMS `DAFTAR <kode>` "
                                  f"sebelum pukul {_local_time(r.expires_at)}"))

    @phone_group.command("lihat")
    @json_option
    def phone_show():
        """Tampilkan nomor ponsel Anda yang terdaftar."""
        pb, _ = _pb()
        r = _call("GetPhone", pb.GetPhoneRequest())
        emit({"phone_masked": r.phone_masked, "verified": r.verified},
             lambda d: click.echo(f"{d['phone_masked']} "
                                  + ("(terverifikasi)" if d["verified"] else "(menunggu kode verifikasi)")))

    @phone_group.command("hapus")
    def phone_remove():
        """Hapus nomor ponsel Anda; SMS dari nomor itu tidak diproses lagi."""
        pb, _ = _pb()
        _call("RemovePhone", pb.RemovePhoneRequest(), write=True)
        click.echo("nomor ponsel dihapus")

    @phone_group.command("verifikasi")
    @click.argument("nomor")
    @click.argument("kode")
    @json_option
    def phone_verify(nomor, kode):
        """(Klien jembatan SMS, scope sms:bridge) periksa kode verifikasi dari sebuah nomor."""
        pb, _ = _pb()
        r = _call("VerifyPhone", pb.VerifyPhoneRequest(phone=nomor, code=kode), write=True)
        emit({"verified": r.verified},
             lambda d: click.echo("nomor terverifikasi" if d["verified"] else "kode salah atau kedaluwarsa"))

    @phone_group.command("token")
    @click.argument("nomor")
    @json_option
    def phone_token(nomor):
        """(Klien jembatan SMS, scope sms:bridge) token 5 menit atas nama pemilik nomor terverifikasi."""
        pb, _ = _pb()
        r = _call("PhoneToken", pb.PhoneTokenRequest(phone=nomor))
        emit({"access_token": r.access_token, "access_expires_at": r.access_expires_at, "nip": r.principal.nip},
             lambda d: click.echo(f"token untuk NIP {d['nip']} (berlaku sampai "
                                  f"{dt.datetime.fromtimestamp(d['access_expires_at']):%H:%M}):\n"
                                  f"{d['access_token']}"))
