"""In-memory repositories and unit of work for skp's use-case tests (cosmicpython's `FakeRepository` habit).

They keep the rules the SQL adapters keep (a document's version grows with each change, a template version number
is taken once, removed kegiatan stay inactive, realisation is the sum of approved work and the mean of the
monthly kualitas) and nothing only the database can tell: what des reported is stated by the test
(`FakeDocuments.report_work`, `rate_month`).
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import uuid
from decimal import Decimal

from ekinerja_platform.domain_errors import InvalidArgument, NotFound
from ekinerja_platform.testing_uow import FakeUnitOfWork
from ekinerja_rules.permenpanrb_6_2022.rules import Predikat
from skp.application import ports
from skp.domain import document as d

NOW = dt.datetime(2025, 1, 10, 3, 0, tzinfo=dt.UTC)


def new_document(**values) -> dict:
    """A document row as the table holds it: a 2024 draft of a pelaksana, unless ``values`` say otherwise."""
    row = dict(skp_id=uuid.uuid4(), nip="199001012015011001", instansi_id="inst-1", unit_id="unit-1",
               unit_nama="Bagian Umum", jabatan_id="jab-1", jabatan_nama="Pengadministrasi Umum", kind="pelaksana",
               job_group="umum", assignment_id="asg-1", period_start=dt.date(2024, 1, 1),
               period_end=dt.date(2024, 12, 31), penilai_nip="198001012005011002",
               atasan_penilai_nip="197001011995031003", status=d.DRAFT, version=1, ruleset="pp46-2011",
               return_note="", dispute_note="", approved_targets=None, approved_version=0, kreativitas_level=None,
               kreativitas_uraian="", kreativitas_bukti="", perilaku=None, result_status="", result=None,
               issued_on=None, keberatan_deadline=None, keberatan_alasan="", keberatan_catatan="",
               closed_reason=None, created_at=NOW, updated_at=NOW)
    row.update(values)
    return row


class FakeDocuments(ports.Documents):
    def __init__(self):
        self.rows: dict[uuid.UUID, dict] = {}
        self.kegiatan: dict[uuid.UUID, dict] = {}
        self.audit: list[dict] = []
        self.tugas: list[dict] = []
        self.people: dict[str, dict] = {}               # nip -> nama, golongan, instansi_id, jabatan, unit
        self.heads: dict[str, frozenset[str]] = {}      # assignment_id -> heads up the chain
        self.work: dict[tuple[uuid.UUID, uuid.UUID], dict[tuple[int, int], Decimal]] = {}   # RO per month
        self.kualitas: dict[tuple[uuid.UUID, uuid.UUID], dict[tuple[int, int], Decimal]] = {}
        self.activities: dict[str, dict] = {}           # activity_id -> the kept version
        self._audit_ids = itertools.count(1)

    # -- arranging a test ----------------------------------------------------------------------------------------
    def add(self, doc: dict, kegiatan: list[d.Target] = ()) -> dict:
        self.rows[doc["skp_id"]] = copy.deepcopy(doc)
        for target in kegiatan:
            kid = uuid.uuid4()
            self.kegiatan[kid] = self._kegiatan_row(kid, doc["skp_id"], target)
        return copy.deepcopy(doc)

    def report_work(self, skp_id, kegiatan_id, tahun: int, bulan: int, kuantitas: str) -> None:
        """des's approved work (``activity_reviewed``) of a month."""
        self.work.setdefault((uuid.UUID(str(skp_id)), uuid.UUID(str(kegiatan_id))), {})[(tahun, bulan)] = \
            Decimal(kuantitas)

    def rate_month(self, skp_id, kegiatan_id, tahun: int, bulan: int, kualitas: str) -> None:
        """des's ``monthly_quality_set``."""
        self.kualitas.setdefault((uuid.UUID(str(skp_id)), uuid.UUID(str(kegiatan_id))), {})[(tahun, bulan)] = \
            Decimal(kualitas)

    @staticmethod
    def _kegiatan_row(kid, skp_id, target: d.Target) -> dict:
        return dict(kegiatan_id=kid, skp_id=skp_id, nomor=target.nomor, active=True, nama=target.nama,
                    satuan=target.satuan, kuantitas=target.kuantitas, kualitas=target.kualitas, waktu=target.waktu,
                    biaya=target.biaya, angka_kredit=target.angka_kredit, realisasi_waktu=None,
                    realisasi_biaya=None)

    # -- the port ------------------------------------------------------------------------------------------------
    def get(self, skp_id, *, lock=False):
        key = skp_id if isinstance(skp_id, uuid.UUID) else d.parse_id(skp_id)
        if key not in self.rows:
            raise NotFound("no such SKP document", field="skp_id")
        return copy.deepcopy(self.rows[key])

    def of_employee(self, nip, year=0):
        found = [r for r in self.rows.values() if r["nip"] == nip and (
            not year or (r["period_start"] <= dt.date(year, 12, 31) and r["period_end"] >= dt.date(year, 1, 1)))]
        return copy.deepcopy(sorted(found, key=lambda r: r["period_start"]))

    def update(self, skp_id, **values):
        row = self.rows[skp_id]
        row.update(copy.deepcopy(values), version=row["version"] + 1, updated_at=NOW)

    def add_audit(self, skp_id, actor, action, detail=None):
        self.audit.append(dict(id=next(self._audit_ids), skp_id=skp_id, at=NOW, actor=actor, action=action,
                               detail=copy.deepcopy(detail or {})))

    def audit_entries(self, skp_id, after_id=None, limit=None):
        found = [e for e in self.audit if e["skp_id"] == skp_id and (after_id is None or e["id"] > after_id)]
        return copy.deepcopy(found[:limit] if limit is not None else found)

    def audit_dates(self, skp_id):
        return {e["action"]: e["at"].date() for e in self.audit if e["skp_id"] == skp_id}

    def heads_of(self, doc):
        return self.heads.get(doc["assignment_id"], frozenset())

    def employee_instansi(self, nip):
        return self.people.get(nip, {}).get("instansi_id")

    def person_on_forms(self, nip):
        if not nip:
            return None
        person = self.people.get(nip, {})
        return {"nip": nip, "nama": person.get("nama", ""), "golongan": person.get("golongan"),
                "jabatan": person.get("jabatan"), "unit": person.get("unit")}

    def view(self, doc):
        realised = self.realisation(doc["skp_id"])
        kegiatan = []
        for row in self.active_kegiatan(doc["skp_id"]):
            r = realised.get(row["kegiatan_id"], {"kuantitas": Decimal(0), "kualitas": None, "bulan_dinilai": 0})
            kegiatan.append({**row, "realisasi": {**r, "waktu": row["realisasi_waktu"],
                                                  "biaya": row["realisasi_biaya"]}})
        return {**doc, "kegiatan": kegiatan, "tugas_tambahan": self.tugas_tambahan(doc["skp_id"]),
                "nama": self.people.get(doc["nip"], {}).get("nama", "")}

    def active_kegiatan(self, skp_id):
        return copy.deepcopy(sorted((k for k in self.kegiatan.values() if k["skp_id"] == skp_id and k["active"]),
                                    key=lambda k: k["nomor"]))

    def kegiatan_by_id(self, skp_id):
        return {kid: copy.deepcopy(k) for kid, k in self.kegiatan.items() if k["skp_id"] == skp_id}

    def replace_kegiatan(self, skp_id, targets):
        existing = self.kegiatan_by_id(skp_id)
        keep, changes = set(), []
        for target in targets:
            if target.kegiatan_id:
                kid = d.parse_id(target.kegiatan_id, f"kegiatan[{target.nomor - 1}].kegiatan_id")
                if kid not in existing:
                    raise InvalidArgument("not a kegiatan of this document",
                                          field=f"kegiatan[{target.nomor - 1}].kegiatan_id")
                row = self._kegiatan_row(kid, skp_id, target)
                before = existing[kid]
                diff = {k: [before[k], row[k]] for k in ("nomor", "nama", "satuan", "kuantitas", "kualitas", "waktu",
                                                         "biaya", "angka_kredit", "active") if before[k] != row[k]}
                if diff:
                    changes.append({"kegiatan_id": str(kid), "changed": diff})
                self.kegiatan[kid].update({k: v for k, v in row.items() if not k.startswith("realisasi_")})
                keep.add(kid)
            else:
                kid = uuid.uuid4()
                self.kegiatan[kid] = self._kegiatan_row(kid, skp_id, target)
                changes.append({"kegiatan_id": str(kid), "added": target.nama})
        for kid, row in existing.items():
            if kid not in keep and row["active"]:
                self.kegiatan[kid]["active"] = False
                changes.append({"kegiatan_id": str(kid), "removed": row["nama"]})
        return changes

    def set_realisasi(self, kegiatan_id, waktu, biaya):
        self.kegiatan[kegiatan_id].update(realisasi_waktu=waktu, realisasi_biaya=biaya)

    def add_tugas_tambahan(self, skp_id, uraian, tanggal, actor):
        self.tugas.append(dict(id=uuid.uuid4(), skp_id=skp_id, uraian=uraian, tanggal=tanggal, created_by=actor))

    def tugas_tambahan(self, skp_id):
        return copy.deepcopy(sorted((t for t in self.tugas if t["skp_id"] == skp_id), key=lambda t: t["tanggal"]))

    def realisation(self, skp_id):
        out = {}
        kids = {k for s, k in self.work if s == skp_id} | {k for s, k in self.kualitas if s == skp_id}
        for kid in kids:
            months = [q for _, q in sorted(self.kualitas.get((skp_id, kid), {}).items())]
            out[kid] = {"kuantitas": sum(self.work.get((skp_id, kid), {}).values(), Decimal(0)),
                        "kualitas": d.realised_kualitas(months), "bulan_dinilai": len(months)}
        return out

    def unrated_kegiatan(self, skp_id):
        return {kid: sorted(m for m, q in months.items() if q > 0)
                for (s, kid), months in self.work.items()
                if s == skp_id and not self.kualitas.get((s, kid)) and any(q > 0 for q in months.values())}

    def expired_results(self, today, limit):
        return [r["skp_id"] for r in self.rows.values()
                if r["result_status"] == d.RESULT_ISSUED and r["keberatan_deadline"] < today][:limit]

    def open_of_employee(self, nip):
        return copy.deepcopy(sorted((r for r in self.rows.values() if r["nip"] == nip and r["status"] != d.CLOSED
                                     and r["closed_reason"] is None), key=lambda r: r["period_start"]))

    def create(self, values):
        clash = any((r["assignment_id"], r["period_start"]) == (values["assignment_id"], values["period_start"]) or
                    (r["nip"], r["jabatan_id"], r["period_start"]) == (values["nip"], values["jabatan_id"],
                                                                       values["period_start"])
                    for r in self.rows.values())
        if clash:
            return False
        self.rows[values["skp_id"]] = new_document(**copy.deepcopy(values))
        return True

    def insert_kegiatan(self, skp_id, targets):
        for target in targets:
            kid = uuid.uuid4()
            self.kegiatan[kid] = self._kegiatan_row(kid, skp_id, target)

    def set_target_amounts(self, kegiatan_id, amounts):
        self.kegiatan[kegiatan_id].update(kuantitas=amounts.kuantitas, waktu=amounts.waktu, biaya=amounts.biaya,
                                          angka_kredit=amounts.angka_kredit)

    def save_rhk_plan(self, skp_id, pendekatan, rhk):
        self.plans[skp_id] = {"pendekatan": pendekatan, "rhk": copy.deepcopy(rhk)}

    def upsert_activity(self, values):
        kept = self.activities.get(values["activity_id"])
        if kept is None or kept["version"] < values["version"]:
            self.activities[values["activity_id"]] = dict(values)
            months = self.work.setdefault((values["skp_id"], values["kegiatan_id"]), {})
            key = (values["tanggal"].year, values["tanggal"].month)
            if kept is not None:
                months[key] = months.get(key, Decimal(0)) - (Decimal(0) if kept["proses"] else kept["kuantitas"])
            months[key] = months.get(key, Decimal(0)) + (Decimal(0) if values["proses"] else values["kuantitas"])

    def upsert_monthly_kualitas(self, values):
        self.rate_month(values["skp_id"], values["kegiatan_id"], values["tahun"], values["bulan"],
                        str(values["kualitas"]))


class FakePlans(ports.Plans):
    def __init__(self, documents: FakeDocuments):
        self.documents = documents
        self.rows: dict[uuid.UUID, dict] = {}

    def get(self, skp_id):
        if skp_id not in self.rows:
            return {"skp_id": skp_id, "pendekatan": "kuantitatif", "rhk": [], "approved_rhk": None,
                    "approved_pendekatan": None, "ekspektasi": {}, "lampiran": {}}
        return copy.deepcopy(self.rows[skp_id])

    def save(self, skp_id, **values):
        self.rows[skp_id] = {**self.get(skp_id), **copy.deepcopy(values)}

    def approved_rhk_of_atasan(self, atasan_nip, start, end, ruleset):
        if not atasan_nip:
            return None
        found = {}
        for doc in sorted(self.documents.rows.values(), key=lambda r: r["period_start"]):
            plan = self.rows.get(doc["skp_id"])
            if doc["nip"] == atasan_nip and doc["ruleset"] == ruleset and doc["period_start"] <= end and \
                    doc["period_end"] >= start and plan and plan["approved_rhk"] is not None:
                found.update({item["rhk_id"]: {**item, "skp_id": str(doc["skp_id"])} for item in plan["approved_rhk"]})
        return found or None


class FakeEvaluations(ports.Evaluations):
    def __init__(self, documents: FakeDocuments, settings: FakeSettings, templates: FakeTemplates):
        self.documents, self.settings, self.templates = documents, settings, templates
        self.rows: dict[tuple[uuid.UUID, str], dict] = {}
        self.notes: list[dict] = []
        self.jenjang: dict[str, str] = {}
        self.des: dict[str, list[tuple[dt.date, str, Decimal, bool]]] = {}  # iki_id -> (tanggal, id, kuantitas,
        #                                                                      proses) of des's reviewed work

    def get(self, skp_id, periode):
        return copy.deepcopy(self.rows.get((skp_id, periode)))

    def of_document(self, skp_id):
        found = [e for (s, _), e in self.rows.items() if s == skp_id]
        return copy.deepcopy(sorted(found, key=lambda e: (e["period_start"], -e["period_end"].toordinal())))

    def save(self, doc, periode, bulan, **values):
        row = self.rows.setdefault((doc["skp_id"], periode.kode), dict(
            skp_id=doc["skp_id"], periode=periode.kode, jenis_periode=periode.jenis, period_start=periode.start,
            period_end=periode.end, bulan=bulan, nip=doc["nip"], instansi_id=doc["instansi_id"],
            unit_id=doc["unit_id"], realisasi={}, hasil_kerja=None, perilaku=None, predikat=None, jenjang=None,
            angka_kredit=None, catatan="", rated_by=None, rated_at=None))
        row.update(copy.deepcopy(values) or {"bulan": bulan})

    def add_feedback(self, skp_id, periode, penilai_nip, item):
        row = dict(id=uuid.uuid4(), skp_id=skp_id, periode=periode, penilai_nip=penilai_nip, at=NOW, **item)
        self.notes.append(row)
        return copy.deepcopy(row)

    def feedback(self, skp_id, periode=None):
        return copy.deepcopy([n for n in self.notes if n["skp_id"] == skp_id and periode in (None, n["periode"])])

    def des_realisasi(self, skp_id, iki_id, start, end):
        rows = sorted(r for r in self.des.get(iki_id, []) if start <= r[0] <= end)
        return sum((q for _, _, q, proses in rows if not proses), Decimal(0)), [i for _, i, _, _ in rows]

    def jenjang_of_position(self, jabatan_id):
        return self.jenjang.get(jabatan_id)

    def record_predikat(self, instansi_id, periode, nip, predikat, unit_id):
        self.settings.recorded[(instansi_id, periode, nip)] = predikat
        self.settings.predikat[(instansi_id, periode)] = [
            Predikat(p) for (i, per, _), p in self.settings.recorded.items() if (i, per) == (instansi_id, periode)]


class FakeDirectory(ports.Directory):
    def __init__(self, documents: FakeDocuments, templates: FakeTemplates):
        self.documents, self.templates = documents, templates
        self.positions: dict[str, dict] = {}
        self.assignments: dict[str, dict] = {}

    def save_position(self, values):
        kept = self.positions.get(values["jabatan_id"])
        if kept is None or kept["version"] < values["version"]:
            self.positions[values["jabatan_id"]] = dict(values)
            self.templates.positions[values["jabatan_id"]] = ports.Position(
                values["jabatan_id"], values["instansi_id"], values["nama"], values["kind"], values["job_group"],
                values["jenis_jabatan"])

    def save_employee(self, nip, nama, instansi_id, golongan):
        self.documents.people.setdefault(nip, {}).update(nama=nama, instansi_id=instansi_id, golongan=golongan)

    def assignment_version(self, assignment_id):
        kept = self.assignments.get(assignment_id)
        return None if kept is None else kept["version"]

    def save_assignment(self, assignment_id, values):
        self.assignments[assignment_id] = copy.deepcopy(values)
        data = values["data"]
        if values["jabatan_id"] and not values["acting"] and data.get("penilai_nip"):
            self.templates.penilai.setdefault(values["jabatan_id"], set()).add(data["penilai_nip"])

    def to_roll_over(self, year, limit):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        out = []
        for assignment_id, a in sorted(self.assignments.items()):
            if not a["jabatan_id"] or a["acting"] or a["start_date"] is None or a["start_date"] > end or (
                    a["end_date"] is not None and a["end_date"] < start):
                continue
            first_day = (a["nip"], a["jabatan_id"], max(a["start_date"], start))
            has = any(r["assignment_id"] == assignment_id and start <= r["period_start"] <= end
                      or (r["nip"], r["jabatan_id"], r["period_start"]) == first_day
                      for r in self.documents.rows.values())
            if not has:
                out.append(ports.AssignmentState(assignment_id, a["start_date"], a["end_date"],
                                                 copy.deepcopy(a["data"])))
        return out[:limit]


class FakeSettings(ports.Settings):
    def __init__(self):
        self.rows: dict[tuple[str, str, int | str], ports.Setting] = {}
        self.trail: list[dict] = []
        self.held: list[tuple[str, bool]] = []
        self.periodic: dict[tuple[str, int], int] = {}          # (instansi, tahun) -> monthly/quarterly evaluations
        self.final: dict[tuple[str, str], dict] = {}
        self.predikat: dict[tuple[str, str], list[Predikat]] = {}
        self.recorded: dict[tuple[str, str, str], str] = {}   # (instansi, periode, nip) -> predikat (one each)

    def get(self, kind, instansi_id, key):
        return self.rows.get((kind, instansi_id, key))

    def lock(self, kind, instansi_id, key, value, actor):
        return self.rows.setdefault((kind, instansi_id, key), ports.Setting(value, 0, actor, NOW))

    def change(self, kind, instansi_id, key, value, version, actor):
        self.rows[(kind, instansi_id, key)] = ports.Setting(value, version, actor, NOW)

    def audit(self, kind, instansi_id, key, actor, old, new, reason):
        self.trail.append(dict(setting=kind, instansi_id=instansi_id, key=key, at=NOW, actor=actor, old_value=old,
                               new_value=new, reason=reason))

    def history(self, kind, instansi_id, key):
        return [{k: e[k] for k in ("at", "actor", "old_value", "new_value", "reason")} for e in self.trail
                if (e["setting"], e["instansi_id"], e["key"]) == (kind, instansi_id, key)]

    def hold(self, name, *, shared):
        self.held.append((name, shared))

    def periodic_evaluations(self, instansi_id, tahun):
        return self.periodic.get((instansi_id, tahun), 0)

    def finalisation(self, instansi_id, periode):
        return copy.deepcopy(self.final.get((instansi_id, periode)))

    def add_finalisation(self, values):
        self.final.setdefault((values["instansi_id"], values["periode"]),
                              {**copy.deepcopy(values), "finalised_at": NOW})

    def predikat_of(self, instansi_id, periode):
        return list(self.predikat.get((instansi_id, periode), []))


class FakeTemplates(ports.Templates):
    def __init__(self):
        self.positions: dict[str, ports.Position] = {}
        self.penilai: dict[str, set[str]] = {}       # jabatan_id -> penilai of its definitive holders
        self.stored: dict[str, list[ports.TemplateVersion]] = {}

    def position(self, jabatan_id, *, lock=False):
        return self.positions.get(jabatan_id)

    def penilai_of_position(self, jabatan_id):
        return frozenset(self.penilai.get(jabatan_id, ()))

    def current_version(self, jabatan_id):
        versions = self.stored.get(jabatan_id)
        return versions[-1] if versions else None

    def versions(self, jabatan_id):
        return list(self.stored.get(jabatan_id, []))

    def add_version(self, version):
        versions = self.stored.setdefault(version.jabatan_id, [])
        if any(v.version == version.version for v in versions):
            return None
        stored = dataclasses.replace(version, created_at=NOW)
        versions.append(stored)
        return stored


class FakeSkpUnitOfWork(FakeUnitOfWork, ports.SkpUnitOfWork):
    def __init__(self):
        super().__init__()
        self.documents = FakeDocuments()
        self.templates = FakeTemplates()
        self.directory = FakeDirectory(self.documents, self.templates)
        self.plans = FakePlans(self.documents)
        self.settings = FakeSettings()
        self.evaluations = FakeEvaluations(self.documents, self.settings, self.templates)
