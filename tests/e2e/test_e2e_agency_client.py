"""An agency switches on integration (issue 16.4): its admin_instansi registers an API client with the `des:import`
scope (identity issues every scope a service checks: tests/contracts/test_client_scopes.py), the agency system logs
in with the CLI by client credentials and bulk-imports its daily reports with `ekinerja des import`; the entries
reach the penilai's review queue. A client without the scope is refused, and nothing is written."""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from decimal import Decimal

import pytest
from e2e_lib import PASSWORD, des_today

from ekinerja_platform.testing import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")


class Cli:
    """`ekinerja` as one user: its own config directory, the stack's endpoints."""

    def __init__(self, stack, home):
        home.mkdir()
        self.home = home
        self.env = {**os.environ, "EKINERJA_CONFIG_DIR": str(home)}
        for svc, process in stack.processes.items():
            self.env[f"EKINERJA_{svc.upper()}_ENDPOINT"] = process.target
        self.env.pop("EKINERJA_CLIENT_SECRET", None)

    def __call__(self, *args, **env) -> subprocess.CompletedProcess:
        return subprocess.run([EKINERJA, *args], env={**self.env, **env}, cwd=self.home, capture_output=True,
                              text=True, timeout=120)

    def json(self, *args, **env) -> dict:
        done = self("--json", *args, **env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def test_an_agency_system_logs_in_as_a_client_and_imports_daily_reports(identity, skp, des, stack, tmp_path):
    today = des_today()
    inst = "E2E-API-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kabupaten Uji Integrasi")
    identity.unit(inst, f"{inst}.TU", "Subbagian Tata Usaha")
    identity.jabatan(inst, f"{inst}.KASUBAG", f"{inst}.TU", "Kepala Subbagian Tata Usaha", "struktural_pengawas",
                     "umum", eselon="IV.a")
    identity.jabatan(inst, f"{inst}.STAF", f"{inst}.TU", "Pengadministrasi Umum", "pelaksana", "umum",
                     f"{inst}.KASUBAG")
    penilai = identity.pegawai(inst, "Kasubag Integrasi", "III/d")
    staf = identity.pegawai(inst, "Staf Integrasi", "II/c", gender=2)
    for person, jabatan in ((penilai, "KASUBAG"), (staf, "STAF")):
        identity.assign(person.nip, f"{inst}.{jabatan}", today.replace(month=1, day=1))
    [draft] = skp.documents(staf, today.year)
    doc = skp.agree(staf, penilai, draft, [dict(nama="Mengagendakan surat", satuan="surat", kuantitas="240",
                                                waktu="12")])
    des.wait_for_skp(staf, doc.skp_id)
    kegiatan_id = doc.kegiatan[0].kegiatan_id

    # the agency's admin registers its systems through the CLI: one that may import, one that may only read people
    admin = Cli(stack, tmp_path / "admin")
    identity.admin_instansi(inst)
    admin.json("login", "--user", f"adm-{inst.lower()}", "--password", PASSWORD)
    importer = admin.json("admin", "api-client", f"sync-{inst.lower()}", "--instansi", inst, "--scope", "des:import")
    reader = admin.json("admin", "api-client", f"read-{inst.lower()}", "--instansi", inst, "--scope", "pegawai:read")
    assert importer["scopes"] == ["des:import"]

    csv = (f"record_id,nip,tanggal,jenis,kegiatan_id,uraian,kuantitas,satuan,menit\n"
           f"R-1,{staf.nip},{today.isoformat()},skp,{kegiatan_id},Mengagendakan surat masuk,7,surat,90\n")

    # a client without des:import logs in but may not import: PERMISSION_DENIED, nothing written
    other = Cli(stack, tmp_path / "reader")
    other.json("login", "--client", reader["client_id"], EKINERJA_CLIENT_SECRET=reader["client_secret"])
    (other.home / "harian.csv").write_text(csv)
    refused = other("des", "import", "harian.csv")
    assert refused.returncode == 1 and "tidak berwenang" in refused.stderr.lower(), refused.stderr

    system = Cli(stack, tmp_path / "system")
    bad = system("login", "--client", importer["client_id"], "--secret", "salah-" + uuid.uuid4().hex)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    both = system("login", "--client", importer["client_id"], "--user", "x")
    assert both.returncode == 2
    logged = system.json("login", "--client", importer["client_id"], EKINERJA_CLIENT_SECRET=importer["client_secret"])
    assert (logged["roles"], logged["instansi_id"], logged["scopes"]) == (["agency_client"], inst, ["des:import"])
    me = system.json("whoami")
    assert (me["subject"], me["scopes"]) == (importer["client_id"], ["des:import"])

    (system.home / "harian.csv").write_text(csv)
    first = system.json("des", "import", "harian.csv")
    assert (first.get("created"), first.get("duplicates", 0), first.get("rejected", 0)) == (1, 0, 0)
    again = system.json("des", "import", "harian.csv")
    assert (again.get("created", 0), again.get("duplicates")) == (0, 1)

    queue = des.stub.ReviewQueue(des.pb.ReviewQueueRequest(bulan=today.strftime("%Y-%m")), metadata=penilai.md(),
                                 timeout=20).activities
    assert [(a.nip, a.kegiatan_id, Decimal(a.kuantitas)) for a in queue] == [(staf.nip, kegiatan_id, 7)]
