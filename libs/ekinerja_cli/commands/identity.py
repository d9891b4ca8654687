"""`ekinerja nip check`, `ekinerja org show`, `ekinerja admin import-pegawai|assign|create-account|api-client`."""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, state, table


def _pb():
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    return identity_pb2, identity_pb2_grpc


def _stub(ch):
    return client.stub("identity", ch)


CSV_COLUMNS = {"record", "id", "nama", "parent_id", "unit_id", "kind", "job_group", "eselon", "jenjang", "nip",
               "golongan", "status", "jabatan_id", "tmt_jabatan", "jenis_jabatan"}


RECORDS_PER_MESSAGE = 5000  # one message is one transaction on the server (~0.6 MB), applied whole or not at all


def csv_messages(path: Path, instansi_id: str, per_message: int = RECORDS_PER_MESSAGE):
    """ImportPegawaiRequest messages from a CSV file, `per_message` records each. Columns:
    `nip,nama,golongan,status,jabatan_id,tmt_jabatan` for employees; with a `record` column, rows may also be
    `unit` (id,nama,parent_id) or `jabatan` (id,unit_id,nama,kind,job_group,parent_id,eselon,
    jenjang,jenis_jabatan)."""
    pb, _ = _pb()
    records = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        unknown = set(reader.fieldnames or []) - CSV_COLUMNS
        if unknown:
            raise click.BadParameter(f"unknown columns {', '.join(sorted(unknown))}", param_hint="FILE")
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            kind = row.get("record") or "pegawai"
            record = pb.ImportPegawaiRecord(line=line)
            if kind == "unit":
                record.unit.CopyFrom(pb.ImportUnit(id=row.get("id", ""), nama=row.get("nama", ""),
                                                   parent_id=row.get("parent_id", "")))
            elif kind == "jabatan":
                record.jabatan.CopyFrom(pb.ImportJabatan(**{k: row.get(k, "") for k in (
                    "id", "unit_id", "nama", "kind", "job_group", "parent_id", "eselon", "jenjang",
                    "jenis_jabatan")}))
            else:
                record.pegawai.CopyFrom(pb.ImportPegawai(**{k: row.get(k, "") for k in (
                    "nip", "nama", "golongan", "status", "jabatan_id", "tmt_jabatan")}))
            records.append(record)
            if len(records) == per_message:
                yield pb.ImportPegawaiRequest(instansi_id=instansi_id, records=records)
                records = []
    if records:
        yield pb.ImportPegawaiRequest(instansi_id=instansi_id, records=records)


def register(cli) -> None:
    @cli.group("nip")
    def nip_group():
        """NIP (Nomor Identitas PNS) tools."""

    @nip_group.command("check")
    @click.argument("nip")
    @json_option
    def nip_check(nip):
        """Check a NIP offline: birth date, TMT CPNS, gender, sequence. Exit 0 valid, 1 invalid."""
        from ekinerja_rules.nip import run_nip_check_cli
        sys.exit(run_nip_check_cli(nip, state().json, sys.stdout))

    _register_org(cli)
    _register_admin(cli)


def _register_org(cli) -> None:
    """`org show`: the organisation tree with holders."""
    @cli.group("org")
    def org_group():
        """The organisation: units, positions and who holds them."""

    @org_group.command("show")
    @click.option("--instansi", default="", help="Instansi id (default: your own).")
    @click.option("--on", "on", default="", help="Date YYYY-MM-DD (default: today).")
    @json_option
    def org_show(instansi, on):
        """Units and the position tree with holders."""
        pb, _ = _pb()
        org = client.call("identity", "GetOrganisation", pb.GetOrganisationRequest(instansi_id=instansi, on=on))
        data = client.as_dict(org)

        def human(_):
            click.echo(f"{org.instansi.nama} ({org.instansi.id}) — {org.pegawai_count} pegawai")
            children = {}
            for pos in org.positions:
                children.setdefault(pos.jabatan.parent_id, []).append(pos)

            def walk(parent, depth):
                for pos in children.get(parent, []):
                    holders = ", ".join(f"{h.nama}{' (plt)' if h.acting else ''}" for h in pos.holders) or "(vacant)"
                    if len(pos.holders) > 3:
                        holders = f"{len(pos.holders)} holders"
                    click.echo(f"{'  ' * depth}- {pos.jabatan.nama} [{pos.jabatan.id}]: {holders}")
                    walk(pos.jabatan.id, depth + 1)
            walk("", 0)
        emit(data, human)


def _register_admin(cli) -> None:
    """`admin import-pegawai|assign|create-account|api-client`."""
    @cli.group("admin")
    def admin_group():
        """Administration (admin_bkn, admin_instansi, agency systems)."""

    @admin_group.command("import-pegawai")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--instansi", required=True, help="Instansi id the file belongs to.")
    @json_option
    def import_pegawai(file, instansi):
        """Import units, positions and employees from a CSV file (idempotent; bad rows are reported)."""
        total = max(sum(1 for _ in open(file, encoding="utf-8-sig")) - 1, 0)
        messages = csv_messages(file, instansi)

        def with_progress(items, advance):
            for item in items:
                advance(len(item.records))
                yield item

        with client.rpc_errors(), client.channel("identity") as ch:
            stub = _stub(ch)
            if state().json:
                summary = stub.ImportPegawai(messages, metadata=client.metadata(), timeout=600)
            else:
                from rich.progress import Progress
                with Progress(transient=True) as progress:
                    task = progress.add_task("sending", total=total)
                    summary = stub.ImportPegawai(with_progress(messages, lambda n: progress.advance(task, n)),
                                                 metadata=client.metadata(), timeout=600)
        data = {k: getattr(summary, k) for k in ("received", "created", "updated", "unchanged", "failed", "events",
                                                 "messages_applied")}
        data["errors"] = [{"line": e.line, "field": e.field, "message": e.message} for e in summary.errors]

        def human(d):
            click.echo(", ".join(f"{k} {d[k]}" for k in ("received", "created", "updated", "unchanged", "failed")))
            if d["errors"]:
                table("rejected records", ["line", "field", "message"],
                      [[e["line"], e["field"], e["message"]] for e in d["errors"]])
        emit(data, human)
        if summary.failed:
            sys.exit(EXIT_BAD_INPUT)

    @admin_group.command("assign")
    @click.option("--nip", required=True)
    @click.option("--jabatan", "jabatan_id", required=True)
    @click.option("--start", default=lambda: dt.date.today().isoformat(), help="YYYY-MM-DD (default today).")
    @click.option("--end", default="", help="Last day (optional).")
    @click.option("--acting", is_flag=True, help="Plt/plh: may overlap the definitive assignment.")
    @json_option
    def assign(nip, jabatan_id, start, end, acting):
        """Assign a jabatan to a pegawai from a date (a definitive one ends the current one the day before)."""
        pb, _ = _pb()
        a = client.call("identity", "AssignJabatan", pb.AssignJabatanRequest(
            nip=nip, jabatan_id=jabatan_id, start=start, end=end, acting=acting), write=True)
        emit({"assignment_id": a.id, "nip": a.nip, "jabatan_id": a.jabatan_id, "jabatan": a.jabatan_nama,
              "start": a.start, "end": a.end or None, "acting": a.acting},
             lambda d: click.echo(f"assigned {d['jabatan']} from {d['start']}"
                                  f"{' (acting)' if d['acting'] else ''}: {d['assignment_id']}"))

    @admin_group.command("create-account")
    @click.option("--nip", default="", help="Employee's NIP (the login of a pegawai account).")
    @click.option("--login", default="", help="Account name for non-employee accounts.")
    @click.option("--role", "roles", multiple=True, default=("pegawai",), show_default=True)
    @click.option("--instansi", default="")
    @click.option("--kelompok", multiple=True, help="Job groups of an expert.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @json_option
    def create_account(nip, login, roles, instansi, kelompok, password):
        """Create an account (admin_bkn, or admin_instansi for its own instansi)."""
        pb, _ = _pb()
        acc = client.call("identity", "CreateAccount", pb.CreateAccountRequest(
            account=pb.Account(login=login, nip=nip, roles=list(roles), instansi_id=instansi,
                               kelompok=list(kelompok)), password=password), write=True)
        emit({"login": acc.login, "roles": list(acc.roles), "instansi_id": acc.instansi_id},
             lambda d: click.echo(f"account {d['login']} created ({', '.join(d['roles'])})"))

    @admin_group.command("api-client")
    @click.argument("client_id")
    @click.option("--instansi", required=True)
    @click.option("--scope", "scopes", multiple=True, required=True,
                  help="pegawai:read pegawai:write org:read org:write des:import recap:read sms:bridge")
    @json_option
    def api_client(client_id, instansi, scopes):
        """Register an agency system; prints its secret once."""
        pb, _ = _pb()
        r = client.call("identity", "CreateApiClient", pb.CreateApiClientRequest(
            client_id=client_id, instansi_id=instansi, scopes=list(scopes)))
        emit({"client_id": r.client_id, "client_secret": r.client_secret, "scopes": list(r.scopes)},
             lambda d: click.echo(f"client {d['client_id']} secret (shown once): {d['client_secret']}"))


_ = (io, fail)
