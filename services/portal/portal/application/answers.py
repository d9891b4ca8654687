"""The services' answers as the portal reads them: plain frozen values, one class per shape, holding only the fields
a page or a use case reads (the field names are the proto's, so a template reads `a.uraian` either way).

The adapter (adapters/answers.py) builds these from the protobuf replies; the unit tests' fake port returns them
directly. No protobuf object reaches a use case or a template; an answer no page reads is `None`.
"""
from __future__ import annotations

from dataclasses import dataclass

# -- des ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Activity:
    """A stored report (GetActivity; SubmitActivity and UpdateActivity answer it too)."""
    activity_id: str = ""
    nip: str = ""
    tanggal: str = ""
    kegiatan_id: str = ""
    uraian: str = ""
    kuantitas: str = ""
    satuan: str = ""
    menit: int = 0
    jam_mulai: str = ""
    jam_selesai: str = ""
    state: str = ""
    evidence_id: str = ""
    kuantitas_diakui: str = ""
    catatan: str = ""


@dataclass(frozen=True, slots=True)
class ActivityLine:
    """A report as a list shows it (Laporan, Tim saya, Hari ini): a month of them is converted per page view, so
    only these fields are copied."""
    activity_id: str = ""
    nip: str = ""
    tanggal: str = ""
    jam_mulai: str = ""
    uraian: str = ""
    kuantitas: str = ""
    satuan: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True)
class ActivityList:
    """ListActivities and ReviewQueue."""
    activities: tuple[ActivityLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    plan_id: str = ""
    kegiatan_id: str = ""
    nomor: int = 0
    uraian: str = ""
    kuantitas: str = ""
    satuan: str = ""


@dataclass(frozen=True, slots=True)
class MonthlyTarget:
    kegiatan_id: str = ""
    nomor: int = 0
    nama: str = ""
    kuantitas: str = ""
    satuan: str = ""


@dataclass(frozen=True, slots=True)
class MonthlyTargets:
    targets: tuple[MonthlyTarget, ...] = ()


@dataclass(frozen=True, slots=True)
class KegiatanMonth:
    target: MonthlyTarget = MonthlyTarget()
    dilaporkan: str = ""
    diakui: str = ""


@dataclass(frozen=True, slots=True)
class Day:
    """GetDay: the day's plans and reports and the month's targets with their totals."""
    tanggal: str = ""
    skp_id: str = ""
    plans: tuple[Plan, ...] = ()
    activities: tuple[ActivityLine, ...] = ()
    kegiatan: tuple[KegiatanMonth, ...] = ()


@dataclass(frozen=True, slots=True)
class Locked:
    """LockPeriod and UnlockPeriod: the reports the change touched."""
    activity_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TextReply:
    """SubmitText: des's own sentence, and whether the line was taken."""
    ok: bool = False
    reply: str = ""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    actor: str = ""
    at: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AuditTrail:
    records: tuple[AuditRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class File:
    """An export or an evidence: the bytes and how to serve them (evidence has no file name)."""
    content: bytes = b""
    content_type: str = ""
    filename: str = ""


# -- identity -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str = ""
    roles: tuple[str, ...] = ()
    instansi_id: str = ""
    nip: str = ""
    kelompok: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tokens:
    """Login and RefreshToken."""
    access_token: str = ""
    refresh_token: str = ""
    access_expires_at: int = 0
    refresh_expires_at: int = 0
    principal: Principal = Principal()


@dataclass(frozen=True, slots=True)
class Assignment:
    jabatan_id: str = ""
    jabatan_nama: str = ""


@dataclass(frozen=True, slots=True)
class Pegawai:
    nip: str = ""
    nama: str = ""
    current_assignment: Assignment = Assignment()


@dataclass(frozen=True, slots=True)
class PegawaiPage:
    pegawai: tuple[Pegawai, ...] = ()
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class WhoAmI:
    account: str = ""
    pegawai: Pegawai = Pegawai()


@dataclass(frozen=True, slots=True)
class Named:
    """An instansi or a unit: its id and name."""
    id: str = ""
    nama: str = ""


@dataclass(frozen=True, slots=True)
class Jabatan:
    id: str = ""
    nama: str = ""
    unit_id: str = ""
    parent_id: str = ""


@dataclass(frozen=True, slots=True)
class Holder:
    nip: str = ""
    nama: str = ""


@dataclass(frozen=True, slots=True)
class Position:
    jabatan: Jabatan = Jabatan()
    holders: tuple[Holder, ...] = ()


@dataclass(frozen=True, slots=True)
class Organisation:
    instansi: Named = Named()
    units: tuple[Named, ...] = ()
    positions: tuple[Position, ...] = ()
    pegawai_count: int = 0


@dataclass(frozen=True, slots=True)
class ApiClient:
    """CreateApiClient: the secret is shown once, on the page itself."""
    client_id: str = ""
    client_secret: str = ""


# -- skp ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Realisasi:
    kuantitas: str = ""
    kualitas: str = ""


@dataclass(frozen=True, slots=True)
class SkpKegiatan:
    kegiatan_id: str = ""
    nomor: int = 0
    nama: str = ""
    satuan: str = ""
    kuantitas: str = ""
    kualitas: str = ""
    waktu: str = ""
    biaya: str = ""
    angka_kredit: str = ""
    realisasi: Realisasi = Realisasi()


@dataclass(frozen=True, slots=True)
class Perilaku:
    orientasi_pelayanan: str = ""
    integritas: str = ""
    komitmen: str = ""
    disiplin: str = ""
    kerja_sama: str = ""
    kepemimpinan: str = ""


@dataclass(frozen=True, slots=True)
class SkpDocument:
    """GetSkp's document: what the detail page shows and what adding a target sends back."""
    skp_id: str = ""
    nip: str = ""
    nama: str = ""
    unit_nama: str = ""
    jabatan_nama: str = ""
    period_start: str = ""
    period_end: str = ""
    penilai_nip: str = ""
    atasan_penilai_nip: str = ""
    status: str = ""
    result_status: str = ""
    version: int = 0
    ruleset: str = ""
    return_note: str = ""
    kegiatan: tuple[SkpKegiatan, ...] = ()
    perilaku: Perilaku = Perilaku()


@dataclass(frozen=True, slots=True)
class SkpAnswer:
    document: SkpDocument = SkpDocument()


@dataclass(frozen=True, slots=True)
class SkpSummary:
    """A line of ListSkp (its kegiatan are not read)."""
    skp_id: str = ""
    nama: str = ""
    jabatan_nama: str = ""
    period_start: str = ""
    period_end: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class SkpList:
    documents: tuple[SkpSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class KegiatanScore:
    nama: str = ""
    perhitungan: str = ""
    nilai_capaian: str = ""


@dataclass(frozen=True, slots=True)
class DocumentScore:
    kegiatan: tuple[KegiatanScore, ...] = ()


@dataclass(frozen=True, slots=True)
class Score:
    skp: tuple[DocumentScore, ...] = ()
    nilai_capaian_skp: str = ""
    sebutan_capaian_skp: str = ""
    nilai_prestasi_kerja: str = ""
    sebutan: str = ""
    keberatan_deadline: str = ""


@dataclass(frozen=True, slots=True)
class TemplateKegiatan:
    nama: str = ""
    kuantitas: str = ""
    satuan: str = ""


@dataclass(frozen=True, slots=True)
class SkpTemplate:
    jabatan_nama: str = ""
    kegiatan: tuple[TemplateKegiatan, ...] = ()


# -- recap ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counters:
    plans: int = 0
    planned_qty: str = ""
    reported: int = 0
    approved: int = 0
    recognised_qty: str = ""
    pending: int = 0
    revisions: int = 0
    achievement_pct: str = ""


@dataclass(frozen=True, slots=True)
class KegiatanRecap:
    nama: str = ""
    target_qty: str = ""
    planned_qty: str = ""
    reported_qty: str = ""
    recognised_qty: str = ""
    achievement_pct: str = ""


@dataclass(frozen=True, slots=True)
class EmployeeRecap:
    nama: str = ""
    period_key: str = ""
    counters: Counters = Counters()
    kegiatan: tuple[KegiatanRecap, ...] = ()


@dataclass(frozen=True, slots=True)
class RecapRow:
    """An employee's row of a unit, or a unit's row of an instansi (then `nama` is empty)."""
    nama: str = ""
    unit_nama: str = ""
    counters: Counters = Counters()


@dataclass(frozen=True, slots=True)
class GroupRecap:
    """GetUnitRecap and GetInstansiRecap (an instansi has no `unit_nama`)."""
    period_key: str = ""
    unit_nama: str = ""
    rows: tuple[RecapRow, ...] = ()
    totals: Counters = Counters()


@dataclass(frozen=True, slots=True)
class Gap:
    nip: str = ""
    nama: str = ""
    kind: str = ""
    tanggal: str = ""
    count: int = 0


@dataclass(frozen=True, slots=True)
class Gaps:
    rows: tuple[Gap, ...] = ()


@dataclass(frozen=True, slots=True)
class Holiday:
    tanggal: str = ""
    nama: str = ""
    instansi_id: str = ""


@dataclass(frozen=True, slots=True)
class Holidays:
    holidays: tuple[Holiday, ...] = ()


# -- snowman --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    id: str = ""
    judul: str = ""
    jawaban: str = ""
    rujukan: str = ""


@dataclass(frozen=True, slots=True)
class AskAnswer:
    question_id: str = ""
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    question_id: str = ""
    pertanyaan: str = ""
    kelompok: str = ""
    asked_at: str = ""


@dataclass(frozen=True, slots=True)
class OpenQuestions:
    questions: tuple[OpenQuestion, ...] = ()


@dataclass(frozen=True, slots=True)
class EntrySummary:
    entry_id: str = ""
    judul: str = ""
    latest_version: int = 0


@dataclass(frozen=True, slots=True)
class Entries:
    entries: tuple[EntrySummary, ...] = ()
