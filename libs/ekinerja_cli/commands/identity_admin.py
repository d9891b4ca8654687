"""The rest of identity's RPCs as commands: `ekinerja org chain`, `ekinerja admin instansi|unit|jabatan|pegawai|
assignments|end-assignment`, `ekinerja keys list|rotate`, `ekinerja password`, `ekinerja login-client`.

Registered after `identity` (it adds to that module's `org` and `admin` groups). Every RPC of every proto has a
command; `tests/contract/test_every_rpc_has_a_command.py` holds the table and fails on a new RPC without one.
"""
from __future__ import annotations

import os

import click

from .. import client, config
from ..output import emit, json_option, table
from ..paging import every_page


def _pb():
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    return identity_pb2, identity_pb2_grpc


def _call(method: str, request, *, write: bool = False, token: bool = True):
    return client.call("identity", method, request, write=write, token=token)


_dict = client.as_dict


def _enum(pb, enum_name: str, prefix: str, value: str) -> int:
    """`kabupaten` -> INSTANSI_KIND_KABUPATEN; an unknown word is a usage error naming the choices."""
    enum = getattr(pb, enum_name)
    key = f"{prefix}{value.strip().upper().replace('-', '_')}"
    if key not in enum.keys():
        choices = ", ".join(k[len(prefix):].lower() for k in enum.keys() if not k.endswith("UNSPECIFIED"))
        raise click.BadParameter(f"{value!r} bukan salah satu dari: {choices}")
    return enum.Value(key)


def _holder(h) -> str:
    if not h.nip:
        return "(kosong sampai puncak)"
    return f"{h.nama} ({h.nip}){' plt' if h.acting else ''}"


def _pegawai(d: dict) -> None:
    a = d.get("current_assignment") or {}
    table("pegawai", ["field", "value"], [
        ["nip", d.get("nip")], ["nama", d.get("nama")], ["instansi", d.get("instansi_id")],
        ["golongan", f"{d.get('golongan', '')} {d.get('pangkat', '')}".strip()], ["status", d.get("status")],
        ["jabatan", a.get("jabatan_nama", "")], ["sejak", a.get("start", "")]])


def register(cli) -> None:
    org_group, admin_group = cli.commands["org"], cli.commands["admin"]

    @org_group.command("chain")
    @click.argument("nip", required=False, default="")
    @click.option("--on", "on", default="", help="Date YYYY-MM-DD (default: today).")
    @json_option
    def org_chain(nip, on):
        """The supervisor chain of an employee (default: you): pejabat penilai and atasan pejabat penilai."""
        pb, _ = _pb()
        r = _call("GetSupervisorChain", pb.GetSupervisorChainRequest(nip=nip or client_nip(), on=on))
        emit(_dict(r), lambda d: table(f"rantai atasan {r.nip} ({r.on})", ["peran", "pemegang", "jabatan"], [
            ["pejabat penilai", _holder(r.pejabat_penilai), r.penilai_jabatan_id],
            ["atasan pejabat penilai", _holder(r.atasan_pejabat_penilai), r.atasan_penilai_jabatan_id],
            *[["pimpinan di atasnya (baca saja)", _holder(h), ""] for h in r.heads
              if h.nip not in (r.pejabat_penilai.nip, r.atasan_pejabat_penilai.nip)]]))

    _register_instansi(admin_group)
    _register_units_and_jabatan(admin_group)
    _register_pegawai(admin_group)
    _register_assignments(admin_group)
    _register_keys_and_login(cli)


def _register_instansi(admin_group) -> None:
    """`admin instansi set|list`."""
    @admin_group.group("instansi")
    def instansi_group():
        """Agencies (admin_bkn)."""

    @instansi_group.command("set")
    @click.argument("instansi_id")
    @click.option("--nama", required=True)
    @click.option("--jenis", "kind", required=True, help="pusat, provinsi, kabupaten or kota")
    @json_option
    def instansi_set(instansi_id, nama, kind):
        """Create or rename an instansi."""
        pb, _ = _pb()
        r = _call("UpsertInstansi", pb.Instansi(id=instansi_id, nama=nama,
                                                kind=_enum(pb, "InstansiKind", "INSTANSI_KIND_", kind)), write=True)
        emit(_dict(r), lambda d: click.echo(f"instansi {r.id}: {r.nama}"))

    @instansi_group.command("list")
    @json_option
    def instansi_list():
        pb, _ = _pb()
        r = every_page(lambda q: _call("ListInstansi", q), pb.ListInstansiRequest(), "instansi")
        emit(_dict(r), lambda d: table("instansi", ["id", "nama", "jenis"], [
            [x.get("id"), x.get("nama"), x.get("kind", "")] for x in d.get("instansi", [])]))


def _register_units_and_jabatan(admin_group) -> None:
    """`admin unit` and `admin jabatan`: the organisation structure."""
    @admin_group.command("unit")
    @click.argument("unit_id")
    @click.option("--instansi", required=True)
    @click.option("--nama", required=True)
    @click.option("--induk", "parent_id", default="", help="The parent unit (empty: top of the agency).")
    @json_option
    def unit_set(unit_id, instansi, nama, parent_id):
        """Create or change a unit kerja."""
        pb, _ = _pb()
        r = _call("UpsertUnit", pb.Unit(id=unit_id, instansi_id=instansi, nama=nama, parent_id=parent_id), write=True)
        emit(_dict(r), lambda d: click.echo(f"unit {r.id}: {r.nama}"))

    @admin_group.command("jabatan")
    @click.argument("jabatan_id")
    @click.option("--instansi", required=True)
    @click.option("--unit", "unit_id", required=True)
    @click.option("--nama", required=True)
    @click.option("--jenis", "kind", required=True,
                  help="struktural_jpt, struktural_administrator, struktural_pengawas, fungsional_tertentu, …")
    @click.option("--kelompok", "job_group", required=True, help="umum, pendidik, kesehatan or fungsional")
    @click.option("--atasan", "parent_id", default="", help="The supervising position (empty: top).")
    @click.option("--eselon", default="")
    @click.option("--jenjang", default="")
    @click.option("--jenis-jabatan", "jenis_jabatan", default="", help="e.g. guru, bidan (picks the catalogue)")
    @json_option
    def jabatan_set(jabatan_id, instansi, unit_id, nama, kind, job_group, parent_id, eselon, jenjang, jenis_jabatan):
        """Create or change a position (jabatan) in the tree."""
        pb, _ = _pb()
        r = _call("UpsertJabatan", pb.Jabatan(
            id=jabatan_id, instansi_id=instansi, unit_id=unit_id, nama=nama,
            kind=_enum(pb, "JabatanKind", "JABATAN_KIND_", kind), job_group=_enum(pb, "JobGroup", "JOB_GROUP_",
                                                                                  job_group),
            parent_id=parent_id, eselon=eselon, jenjang=jenjang, jenis_jabatan=jenis_jabatan), write=True)
        emit(_dict(r), lambda d: click.echo(f"jabatan {r.id}: {r.nama} (versi {r.version})"))


def _register_pegawai(admin_group) -> None:
    """`admin pegawai add|show|list|status`."""
    @admin_group.group("pegawai")
    def pegawai_group():
        """Employees of an instansi."""

    @pegawai_group.command("add")
    @click.argument("nip")
    @click.option("--nama", required=True)
    @click.option("--instansi", required=True)
    @click.option("--golongan", required=True, help="e.g. III/c")
    @json_option
    def pegawai_add(nip, nama, instansi, golongan):
        """Register an employee (NIP checked)."""
        pb, _ = _pb()
        r = _call("RegisterPegawai", pb.Pegawai(nip=nip, nama=nama, instansi_id=instansi, golongan=golongan),
                  write=True)
        emit(_dict(r), _pegawai)

    @pegawai_group.command("show")
    @click.argument("nip")
    @json_option
    def pegawai_show(nip):
        pb, _ = _pb()
        emit(_dict(_call("GetPegawai", pb.GetPegawaiRequest(nip=nip))), _pegawai)

    @pegawai_group.command("list")
    @click.option("--instansi", default="", help="default: your own")
    @click.option("--unit", "unit_id", default="")
    @json_option
    def pegawai_list(instansi, unit_id):
        pb, _ = _pb()
        r = every_page(lambda q: _call("ListPegawai", q), pb.ListPegawaiRequest(instansi_id=instansi,
                                                                                  unit_id=unit_id), "pegawai")
        emit(_dict(r), lambda d: table("pegawai", ["nip", "nama", "golongan", "status", "jabatan"], [
            [x.get("nip"), x.get("nama"), x.get("golongan"), x.get("status"),
             (x.get("current_assignment") or {}).get("jabatan_nama", "")] for x in d.get("pegawai", [])]))

    @pegawai_group.command("status")
    @click.argument("nip")
    @click.option("--status", required=True, help="aktif, cuti, tugas_belajar, pensiun, …")
    @click.option("--mulai", "effective_date", required=True, help="YYYY-MM-DD")
    @click.option("--sampai", "end_date", default="", help="YYYY-MM-DD (optional)")
    @json_option
    def pegawai_status(nip, status, effective_date, end_date):
        """Change an employee's duty status from a date."""
        pb, _ = _pb()
        r = _call("SetPegawaiStatus", pb.SetPegawaiStatusRequest(nip=nip, status=status, effective_date=effective_date,
                                                                 end_date=end_date), write=True)
        emit(_dict(r), _pegawai)


def _register_assignments(admin_group) -> None:
    """`admin assignments` and `admin end-assignment`."""
    @admin_group.command("assignments")
    @click.argument("nip")
    @json_option
    def assignments(nip):
        """An employee's assignments (the id `admin end-assignment` needs)."""
        pb, _ = _pb()
        r = every_page(lambda q: _call("ListAssignments", q), pb.ListAssignmentsRequest(nip=nip), "assignments")
        emit(_dict(r), lambda d: table("penugasan", ["id", "jabatan", "mulai", "sampai", "plt"], [
            [x.get("id"), x.get("jabatan_nama"), x.get("start"), x.get("end", ""), "ya" if x.get("acting") else ""]
            for x in d.get("assignments", [])]))

    @admin_group.command("end-assignment")
    @click.argument("assignment_id")
    @click.option("--sampai", "end", required=True, help="Last day held, YYYY-MM-DD.")
    @json_option
    def end_assignment(assignment_id, end):
        pb, _ = _pb()
        r = _call("EndAssignment", pb.EndAssignmentRequest(assignment_id=assignment_id, end=end), write=True)
        emit(_dict(r), lambda d: click.echo(f"penugasan {r.id} ({r.jabatan_nama}) berakhir {r.end}"))


def _register_keys_and_login(cli) -> None:
    """`keys list|rotate`, `password` and `login-client`."""
    @cli.group("keys")
    def keys_group():
        """identity's token-signing keys."""

    @keys_group.command("list")
    @json_option
    def keys_list():
        """The public keys services verify tokens with (JWKS)."""
        pb, _ = _pb()
        r = _call("GetPublicKeys", pb.GetPublicKeysRequest(), token=False)
        emit(_dict(r), lambda d: table("kunci publik", ["kid", "alg", "crv"], [
            [k.get("kid"), k.get("alg"), k.get("crv")] for k in d.get("keys", [])]))

    @keys_group.command("rotate")
    @json_option
    def keys_rotate():
        """Start signing with a new key (admin_bkn)."""
        pb, _ = _pb()
        r = _call("RotateSigningKey", pb.RotateSigningKeyRequest(), write=True)
        emit(_dict(r), lambda d: click.echo(f"kunci baru {r.kid}; diterbitkan: {', '.join(r.published_kids)}"))

    @cli.command("password")
    def password():
        """Change your password."""
        pb, _ = _pb()
        old = click.prompt("Kata sandi lama", hide_input=True)
        new = click.prompt("Kata sandi baru", hide_input=True, confirmation_prompt=True)
        _call("ChangePassword", pb.ChangePasswordRequest(old_password=old, new_password=new), write=True)
        click.echo("kata sandi diganti")

    @cli.command("login-client")
    @click.argument("client_id")
    @click.option("--secret", default=None, help="Else $EKINERJA_CLIENT_SECRET, else a prompt.")
    def login_client(client_id, secret):
        """Log in as an agency's API client (client credentials), e.g. for `des import`."""
        pb, _ = _pb()
        secret = secret or os.environ.get("EKINERJA_CLIENT_SECRET") or click.prompt("Client secret", hide_input=True)
        r = _call("ClientToken", pb.ClientTokenRequest(client_id=client_id, client_secret=secret), token=False)
        p = r.principal
        config.save_credentials({"user": client_id, "access_token": r.access_token, "refresh_token": "",
                                 "access_expires_at": r.access_expires_at, "refresh_expires_at": 0,
                                 "subject": p.subject, "roles": list(p.roles), "instansi_id": p.instansi_id})
        click.echo(f"masuk sebagai klien {p.subject} ({p.instansi_id}; {' '.join(p.scopes)})")


def client_nip() -> str:
    """The NIP of the logged-in user (GetSupervisorChain needs one)."""
    creds = config.load_credentials() or {}
    return creds.get("subject", "")
