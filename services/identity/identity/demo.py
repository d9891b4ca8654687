"""`python -m identity.demo`: seeds the demo agencies for `make run` (never loaded anywhere else). Idempotent.

Two agencies of the same shape (issue 22): KAB-DEMO appraises under PP 46/2011, KOTA-DEMO under PermenPANRB 6/2022
(skp's demo sets that ruleset, services/skp/skp/demo.py). Each has 63 employees in a position tree four levels deep
covering the four job groups: the Kepala Dinas Pendidikan with a school (kepala sekolah, guru, tata usaha), the
Kepala Dinas Kesehatan with a puskesmas (dokter, perawat, bidan, apoteker), functional positions (auditor, pranata
komputer, analis kebijakan) under the Sekretariat, and general staff. Everything goes through the bulk import use
case, so the normal events (employee_registered, position_changed, assignment_changed) are written to the outbox and
reach skp/des/recap when the services run. Prints one `account\t<login>\t<description>` line per named demo account;
all use `$EKINERJA_DEMO_PASSWORD`. Every other employee gets an account too (NIP as login, not listed):
scripts/demo_seed.py acts as each of them. The demo guru has a verified phone number (DEMO_PHONE) so a newcomer can
"send" an SMS from it (docs/demo.md)."""
from __future__ import annotations

import sys

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform import clock
from ekinerja_platform.settings import env

from .adapters.phone_vault import PhoneVault
from .adapters.tables import phone_number
from .adapters.unit_of_work import SqlIdentityUnitOfWork
from .application import importer, org
from .bootstrap import SystemCall, database, ensure_account

INSTANSI = "KAB-DEMO"  # the first demo agency (pp46-2011); the functions below default to it
INSTANSI_622 = "KOTA-DEMO"  # the second, on permenpanrb-6-2022
# instansi -> (nama, kind, NIP index offset: the two agencies' NIPs never meet)
AGENCIES = {INSTANSI: ("Pemerintah Kabupaten Demo", "kabupaten", 0),
            INSTANSI_622: ("Pemerintah Kota Demo", "kota", 100)}
DEMO_PHONE = "+6281200000001"  # the demo guru's verified mobile number (SMS demo)
# Everyone holds their position since 2 January of last year, so skp drafts last year's document from the import's
# events (the demo closes it with an issued result) and this year's by its yearly rollover (scripts/demo_seed.py).
TMT = f"{clock.today().year - 1}-01-02"

# (id, unit, parent unit) of one agency, ids without the instansi prefix
UNIT_TREE = [("SETDA", "Sekretariat Daerah", None),
             ("DISDIK", "Dinas Pendidikan", "SETDA"),
             ("SDN1", "SD Negeri 1 Demo", "DISDIK"),
             ("DINKES", "Dinas Kesehatan", "SETDA"),
             ("PKM", "Puskesmas Demo", "DINKES"),
             ("INSPEKTORAT", "Inspektorat", "SETDA")]


def units(instansi: str = INSTANSI) -> list[tuple[str, str, str | None]]:
    return [(f"{instansi}.{uid}", nama, f"{instansi}.{parent}" if parent else None) for uid, nama, parent in UNIT_TREE]


UNITS = units()

# (id, unit, nama, kind, job_group, parent jabatan, eselon, jenjang, number of holders)
J = [
    ("SEKDA", "SETDA", "Sekretaris Daerah", "struktural_jpt", "umum", None, "II.a", None, 1),
    ("KABAG-UMUM", "SETDA", "Kepala Bagian Umum", "struktural_administrator", "umum", "SEKDA", "III.a", None, 1),
    ("KASUBAG-TU", "SETDA", "Kepala Subbagian Tata Usaha", "struktural_pengawas", "umum", "KABAG-UMUM", "IV.a",
     None, 1),
    ("PENGADM", "SETDA", "Pengadministrasi Umum", "pelaksana", "umum", "KASUBAG-TU", None, None, 6),
    ("PRAKOM", "SETDA", "Pranata Komputer Ahli Pertama", "fungsional_tertentu", "fungsional", "KABAG-UMUM", None,
     "ahli pertama", 3),
    ("INSPEKTUR", "INSPEKTORAT", "Inspektur", "struktural_jpt", "umum", "SEKDA", "II.b", None, 1),
    ("AUDITOR", "INSPEKTORAT", "Auditor Ahli Muda", "fungsional_tertentu", "fungsional", "INSPEKTUR", None,
     "ahli muda", 4),
    ("KADISDIK", "DISDIK", "Kepala Dinas Pendidikan", "struktural_jpt", "umum", "SEKDA", "II.b", None, 1),
    ("KABID-GTK", "DISDIK", "Kepala Bidang Guru dan Tenaga Kependidikan", "struktural_administrator", "umum",
     "KADISDIK", "III.b", None, 1),
    ("KEPSEK", "SDN1", "Kepala Sekolah SD Negeri 1", "fungsional_tertentu", "pendidik", "KABID-GTK", None,
     "guru madya", 1),
    ("GURU", "SDN1", "Guru Kelas", "fungsional_tertentu", "pendidik", "KEPSEK", None, "guru muda", 14),
    ("GURU-PJOK", "SDN1", "Guru Pendidikan Jasmani", "fungsional_tertentu", "pendidik", "KEPSEK", None,
     "guru pertama", 2),
    ("TAS", "SDN1", "Pengadministrasi Sekolah", "pelaksana", "umum", "KEPSEK", None, None, 2),
    ("KADINKES", "DINKES", "Kepala Dinas Kesehatan", "struktural_jpt", "umum", "SEKDA", "II.b", None, 1),
    ("KABID-YANKES", "DINKES", "Kepala Bidang Pelayanan Kesehatan", "struktural_administrator", "umum",
     "KADINKES", "III.b", None, 1),
    ("KAPUS", "PKM", "Kepala Puskesmas", "struktural_pengawas", "kesehatan", "KABID-YANKES", "IV.a", None, 1),
    ("DOKTER", "PKM", "Dokter Ahli Pertama", "fungsional_tertentu", "kesehatan", "KAPUS", None, "ahli pertama", 3),
    ("PERAWAT", "PKM", "Perawat Terampil", "fungsional_tertentu", "kesehatan", "KAPUS", None, "terampil", 8),
    ("BIDAN", "PKM", "Bidan Terampil", "fungsional_tertentu", "kesehatan", "KAPUS", None, "terampil", 6),
    ("APOTEKER", "PKM", "Apoteker Ahli Pertama", "fungsional_tertentu", "kesehatan", "KAPUS", None,
     "ahli pertama", 2),
    ("PENGADM-PKM", "PKM", "Pengadministrasi Puskesmas", "pelaksana", "umum", "KAPUS", None, None, 3),
]
# each position's jenis jabatan: skp drafts its documents from the starter catalogue of that jenis (and skp's demo
# gives every position its own template, services/skp/skp/demo.py)
JENIS = {"SEKDA": "struktural_jpt", "KABAG-UMUM": "struktural_administrator", "KASUBAG-TU": "struktural_pengawas",
         "PENGADM": "pelaksana", "PRAKOM": "pranata_komputer", "INSPEKTUR": "struktural_jpt", "AUDITOR": "auditor",
         "KADISDIK": "struktural_jpt", "KABID-GTK": "struktural_administrator", "KEPSEK": "kepala_sekolah",
         "GURU": "guru", "GURU-PJOK": "guru", "TAS": "pelaksana", "KADINKES": "struktural_jpt",
         "KABID-YANKES": "struktural_administrator", "KAPUS": "struktural_pengawas", "DOKTER": "dokter",
         "PERAWAT": "perawat", "BIDAN": "bidan", "APOTEKER": "apoteker", "PENGADM-PKM": "pelaksana"}
GOLONGAN = {"struktural_jpt": "IV/c", "struktural_administrator": "IV/a", "struktural_pengawas": "III/d",
            "fungsional_tertentu": "III/b", "pelaksana": "II/c"}
FIRST = ["Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hadi", "Indah", "Joko", "Kartika", "Lukman",
         "Maya", "Nanda", "Oki", "Putri", "Rudi", "Sari", "Taufik", "Umi", "Wahyu", "Yanti"]
LAST = ["Santoso", "Wijaya", "Lestari", "Saputra", "Rahmawati", "Hidayat", "Nugroho", "Kusuma", "Pratama",
        "Susanti", "Setiawan"]


def _nip(index: int, jabatan_kind: str) -> str:
    """A valid, deterministic NIP: born 1970-1995, CPNS at 25, alternating gender."""
    year = 1970 + index % 26
    month = 1 + index % 12
    day = 1 + index % 28
    gender = 1 + index % 2
    return f"{year:04d}{month:02d}{day:02d}{year + 25:04d}{month:02d}{gender}{index + 1:03d}"


def people(instansi: str = INSTANSI):
    """[(nip, nama, golongan, jabatan id)] of one demo agency, in tree order."""
    out, index = [], AGENCIES[instansi][2]
    for jid, _unit, _nama, kind, *_rest, count in J:
        for _ in range(count):
            nama = f"{FIRST[index % len(FIRST)]} {LAST[(index * 7) % len(LAST)]}"
            out.append((_nip(index, kind), nama, GOLONGAN[kind], f"{instansi}.{jid}"))
            index += 1
    return out


def holders(jabatan: str, instansi: str = INSTANSI) -> list[str]:
    return [nip for nip, _n, _g, j in people(instansi) if j == f"{instansi}.{jabatan}"]


def first_holder(jabatan: str, instansi: str = INSTANSI) -> str:
    return holders(jabatan, instansi)[0]


def records(instansi: str = INSTANSI):
    for uid, nama, parent in units(instansi):
        yield importer.UnitRecord(id=uid, nama=nama, parent_id=parent or "")
    for jid, unit, nama, kind, group, parent, eselon, jenjang, _count in J:
        yield importer.JabatanRecord(
            id=f"{instansi}.{jid}", unit_id=f"{instansi}.{unit}", nama=nama, kind=kind, job_group=group,
            parent_id=f"{instansi}.{parent}" if parent else "", eselon=eselon or "", jenjang=jenjang or "",
            jenis_jabatan=JENIS.get(jid, ""))
    for nip, nama, golongan, jabatan_id in people(instansi):
        yield importer.PegawaiRecord(nip=nip, nama=nama, golongan=golongan, status="aktif", jabatan_id=jabatan_id,
                                     tmt_jabatan=TMT)


def messages(instansi: str = INSTANSI):
    """The whole demo agency in one message: applied in one transaction (one import stream per agency)."""
    yield importer.ImportMessage(instansi, [(0, record) for record in records(instansi)])


def accounts():
    """(login, roles, nip, kelompok, description)"""
    return [
        ("admin", ["admin_bkn"], None, [], "admin_bkn: every agency"),
        ("admin.kabdemo", ["admin_instansi"], None, [], f"admin_instansi of {INSTANSI}"),
        (first_holder("SEKDA"), ["pegawai"], first_holder("SEKDA"), [], "Sekretaris Daerah (top of the tree)"),
        (first_holder("KADISDIK"), ["pegawai"], first_holder("KADISDIK"), [], "Kepala Dinas Pendidikan"),
        (first_holder("KEPSEK"), ["pegawai", "expert"], first_holder("KEPSEK"), ["pendidik"],
         "Kepala Sekolah: penilai of the teachers; expert (pendidik)"),
        (first_holder("GURU"), ["pegawai"], first_holder("GURU"), [], "Guru Kelas (pendidik)"),
        (first_holder("KAPUS"), ["pegawai"], first_holder("KAPUS"), [], "Kepala Puskesmas: penilai of health staff"),
        (first_holder("DOKTER"), ["pegawai", "expert"], first_holder("DOKTER"), ["kesehatan"],
         "Dokter; expert (kesehatan)"),
        (first_holder("PERAWAT"), ["pegawai"], first_holder("PERAWAT"), [], "Perawat (kesehatan)"),
        (first_holder("AUDITOR"), ["pegawai", "expert"], first_holder("AUDITOR"), ["fungsional"],
         "Auditor; expert (fungsional)"),
        (first_holder("KASUBAG-TU"), ["pegawai", "expert"], first_holder("KASUBAG-TU"), ["umum"],
         "Kasubbag TU: penilai of general staff; expert (umum)"),
        (first_holder("PENGADM"), ["pegawai"], first_holder("PENGADM"), [], "Pengadministrasi Umum (umum)"),
        # a second expert per SNOWMAN job group: a draft answer is published by another expert, no admin needed
        (holders("GURU")[1], ["pegawai", "expert"], holders("GURU")[1], ["pendidik"], "Guru Kelas; expert (pendidik)"),
        (first_holder("BIDAN"), ["pegawai", "expert"], first_holder("BIDAN"), ["kesehatan"],
         "Bidan; expert (kesehatan)"),
        (first_holder("PRAKOM"), ["pegawai", "expert"], first_holder("PRAKOM"), ["fungsional"],
         "Pranata Komputer; expert (fungsional)"),
        (first_holder("KABAG-UMUM"), ["pegawai", "expert"], first_holder("KABAG-UMUM"), ["umum"],
         "Kepala Bagian Umum; expert (umum)"),
        # the second agency, on PermenPANRB 6/2022: its admin (the PyB of the distribution curve) and its heads
        ("admin.kotademo", ["admin_instansi"], None, [], f"admin_instansi of {INSTANSI_622} (permenpanrb-6-2022)"),
        (first_holder("SEKDA", INSTANSI_622), ["pegawai"], first_holder("SEKDA", INSTANSI_622), [],
         f"Sekretaris Daerah of {INSTANSI_622}"),
        (first_holder("KEPSEK", INSTANSI_622), ["pegawai"], first_holder("KEPSEK", INSTANSI_622), [],
         f"Kepala Sekolah of {INSTANSI_622}: penilai of its teachers"),
        (first_holder("GURU", INSTANSI_622), ["pegawai"], first_holder("GURU", INSTANSI_622), [],
         f"Guru Kelas of {INSTANSI_622} (permenpanrb-6-2022)"),
    ]


def instansi_of(login: str, nip: str | None) -> str:
    """The agency of a demo account: by its NIP, else by its admin login."""
    if nip:
        return next(i for i in AGENCIES if any(p[0] == nip for p in people(i)))
    return INSTANSI_622 if login == "admin.kotademo" else INSTANSI


def employee_accounts():
    """Every other demo employee logs in with the NIP too (role pegawai): the demo's history is made through the
    services' APIs by each employee and penilai, as it would be in production. Not listed by `make run`."""
    named = {nip for _login, _roles, nip, _k, _d in accounts() if nip}
    return [(nip, ["pegawai"], nip, [], nama) for instansi in AGENCIES for nip, nama, _g, _j in people(instansi)
            if nip not in named]


def seed(database_url: str, password: str) -> list[tuple[str, str]]:
    db = database(database_url)
    call = SystemCall("demo-seed")
    for instansi, (nama, kind, _offset) in AGENCIES.items():
        with SqlIdentityUnitOfWork(db) as uow:
            org.upsert_instansi(uow, call.principal, instansi, nama, kind, correlation_id=call.correlation_id)
        summary = importer.import_stream(lambda: SqlIdentityUnitOfWork(db), call.principal, messages(instansi),
                                         correlation_id=call.correlation_id)
        if summary.failed:
            raise SystemExit(f"demo import of {instansi} failed: {list(summary.errors)}")
    shown = []
    for login, roles, nip, kelompok, description in accounts():
        ensure_account(db, login=login, password=password, roles=roles, nip=nip,
                       instansi_id=None if "admin_bkn" in roles else instansi_of(login, nip), kelompok=kelompok)
        shown.append((login, description))
    for login, roles, nip, kelompok, _nama in employee_accounts():
        ensure_account(db, login=login, password=password, roles=roles, nip=nip, instansi_id=instansi_of(login, nip),
                       kelompok=kelompok)
    phone_keys = (env("EKINERJA_PHONE_HASH_KEY"), env("EKINERJA_PHONE_ENCRYPTION_KEY"))
    if all(phone_keys):  # the keys identity runs with; without them (a stack with its own keys) no number is seeded
        _seed_phone(db, PhoneVault(phone_keys[0].encode(), phone_keys[1].encode()), first_holder("GURU"),
                    DEMO_PHONE)
        shown.append((first_holder("GURU"), f"Guru Kelas: verified phone {DEMO_PHONE} for the SMS demo"))
    db.engine.dispose()
    return shown


def _seed_phone(db, vault: PhoneVault, nip: str, phone: str) -> None:
    """A verified number, as if its owner had registered it and replied with the code (kept if already there)."""
    with db.transaction() as session:
        session.execute(pg_insert(phone_number).values(
            nip=nip, phone_hash=vault.lookup(phone), phone_sealed=vault.seal(phone, nip),
            verified_at=sa.func.now()).on_conflict_do_nothing())


def main() -> int:
    url = env("EKINERJA_DATABASE_URL")
    password = env("EKINERJA_DEMO_PASSWORD")
    if not url or not password:
        print("error: EKINERJA_DATABASE_URL and EKINERJA_DEMO_PASSWORD are required", file=sys.stderr)
        return 2
    for login, description in seed(url, password):
        print(f"account\t{login}\t{description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
