"""Issue 6's "Done when", across the real services: identity → skp → des → recap (and des → skp).

One kabupaten, built through identity's API: a Sekretaris Daerah (T) over two Kepala Bagian, P (Bagian Umum) and
Q (Bagian Keuangan); A and B are staff of Bagian Umum from 1 January. Through skp's API each drafted SKP gets its
targets and is submitted by the employee and approved by the penilai identity resolved. In the scenario month M
(the previous month while today is early in the month, entered with a 28-day entry window; otherwise this month),
through des's API:
- A reports three entries: one approved, one returned for revision, fixed, resubmitted and approved, one left
  waiting; on the 15th (the next working day) A moves to Bagian Keuangan through identity's API: skp closes the old
  SKP and drafts a new one, which Q approves; A reports three more, Q approves one recognising less than claimed,
  approves a "proses" entry, returns the third, sets the month's kualitas and locks the move day.
- B reports three entries, P approves them (one recognising less), sets the month's kualitas per kegiatan and locks
  the month; B is on leave (cuti) 8-12 M, recorded through identity's API.
- C, seconded to Bagian Umum until the 27th of M (an assignment with an end date, so C's SKP period ends in M and
  its realisation waktu can be entered now), reports two entries that P approves and assesses; P sets C's perilaku
  and skp scores C's year exactly like the offline calculator `ekinerja skp score`.
- Today A and B state daily plans (des takes plans only for today or later).
Events flow for real (outbox → RabbitMQ → inbox). The expected numbers come from the test's own ledger of what it
did, never from a service; recap's answers are polled with a deadline until they match.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import grpc
import pytest
from e2e_lib import (
    Calendar,
    Entry,
    Ledger,
    PlanFact,
    counters_of,
    eventually,
    expect,
    fmt,
    months_between,
    offline_score,
    rpc_error,
    score_as_contract,
    working_days,
)

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

HUNDRED = Decimal(100)


class World:
    """Names and handles of the scenario (filled by the `world` fixture)."""


def kegiatan_of(doc) -> dict:
    return {k.nomor: k.kegiatan_id for k in doc.kegiatan}


@pytest.fixture(scope="module")
def world(identity, skp, des, recap):
    w = World()
    cal = w.cal = Calendar.now()
    inst = w.inst = "E2E-" + uuid.uuid4().hex[:6].upper()
    w.umum, w.keu, w.set = f"{inst}.UMUM", f"{inst}.KEU", f"{inst}.SET"
    ledger = w.ledger = Ledger()

    # -- identity: organisation, employees, assignments (top-down, so each penilai is known when resolved) ------
    identity.instansi(inst, "Pemerintah Kabupaten Uji E2E")
    identity.unit(inst, w.set, "Sekretariat Daerah")
    identity.unit(inst, w.umum, "Bagian Umum", w.set)
    identity.unit(inst, w.keu, "Bagian Keuangan", w.set)
    identity.jabatan(inst, f"{inst}.SEKDA", w.set, "Sekretaris Daerah", "struktural_jpt", "umum", eselon="II.a")
    identity.jabatan(inst, f"{inst}.KABAG-UMUM", w.umum, "Kepala Bagian Umum", "struktural_administrator", "umum",
                     f"{inst}.SEKDA", eselon="III.a")
    identity.jabatan(inst, f"{inst}.KABAG-KEU", w.keu, "Kepala Bagian Keuangan", "struktural_administrator", "umum",
                     f"{inst}.SEKDA", eselon="III.a")
    identity.jabatan(inst, f"{inst}.STAF-UMUM", w.umum, "Pengadministrasi Umum", "pelaksana", "umum",
                     f"{inst}.KABAG-UMUM")
    identity.jabatan(inst, f"{inst}.STAF-KEU", w.keu, "Pengelola Keuangan", "pelaksana", "umum",
                     f"{inst}.KABAG-KEU")
    w.T = identity.pegawai(inst, "Taufik Sekda", "IV/c")
    w.P = identity.pegawai(inst, "Putri Kabag Umum", "IV/a", gender=2)
    w.Q = identity.pegawai(inst, "Qori Kabag Keuangan", "IV/a")
    w.A = identity.pegawai(inst, "Ani Staf", "II/c", gender=2)
    w.B = identity.pegawai(inst, "Budi Staf", "II/c")
    w.C = identity.pegawai(inst, "Citra Staf", "II/d", gender=2)
    for person, jabatan in ((w.T, "SEKDA"), (w.P, "KABAG-UMUM"), (w.Q, "KABAG-KEU"), (w.A, "STAF-UMUM"),
                            (w.B, "STAF-UMUM")):
        identity.assign(person.nip, f"{inst}.{jabatan}", cal.year_start)
    identity.assign(w.C.nip, f"{inst}.STAF-UMUM", cal.year_start, end=cal.last_day)
    w.admin = identity.admin_instansi(inst)
    admin_md = [("authorization", f"Bearer {w.admin}")]
    w.admin_md = admin_md

    # -- skp: the drafted documents are agreed (the employee submits, the penilai approves) ----------------------
    yearly = [dict(nama="Menyusun laporan administrasi umum", satuan="laporan", kuantitas="48", waktu="12"),
              dict(nama="Mengarsipkan surat masuk dan keluar", satuan="berkas", kuantitas="120", waktu="12")]
    w.targets = {"A1": yearly, "B": yearly}
    c_months = cal.month_start.month
    w.targets["C"] = [dict(nama="Menyusun laporan kepegawaian", satuan="laporan", kuantitas=str(2 * c_months),
                           waktu=str(c_months))]
    docs = {}
    for key, person in (("A1", w.A), ("B", w.B), ("C", w.C)):
        [draft] = skp.documents(person, cal.year_start.year)
        assert draft.penilai_nip == w.P.nip and draft.atasan_penilai_nip == w.T.nip  # from identity's chain
        period_end = cal.last_day.isoformat() if key == "C" else f"{cal.year_start.year}-12-31"
        assert (draft.period_start, draft.period_end) == (cal.year_start.isoformat(), period_end)
        docs[key] = skp.agree(person, w.P, draft, w.targets[key])
    w.docs = docs
    for key, person in (("A1", w.A), ("B", w.B), ("C", w.C)):
        des.wait_for_skp(person, docs[key].skp_id)
    des.stub.SetEntryWindow(des.pb.SetEntryWindowRequest(instansi_id=inst, window_days=cal.window_days),
                            metadata=admin_md, timeout=20)

    days = cal.days()
    d1, d2, d3 = days[0], days[1], days[2]
    leave_start, leave_end = cal.leave
    after_leave = next(d for d in days if d > leave_end)
    move = cal.move_date
    d_after = [d for d in days if d > move]
    w.dates = dict(d1=d1, d2=d2, d3=d3, move=move, move2=d_after[0], move3=d_after[1], after_leave=after_leave)
    ka1, kb = kegiatan_of(docs["A1"]), kegiatan_of(docs["B"])

    def track(activity, person, unit, doc, kegiatan_id, state=None, diakui=None):
        ledger.entries[activity.activity_id] = Entry(
            person.nip, unit, dt.date.fromisoformat(activity.tanggal), Decimal(activity.kuantitas), activity.menit,
            state or activity.state, diakui, activity.proses, doc.skp_id, kegiatan_id)
        return activity

    # -- des: A in Bagian Umum ------------------------------------------------------------------------------------
    a1 = track(des.report(w.A, d1, ka1[1], "2", "Menyusun laporan agenda rapat", 60), w.A, w.umum, docs["A1"], ka1[1])
    a2 = track(des.report(w.A, d2, ka1[1], "3", "Menyusun laporan inventaris", 90), w.A, w.umum, docs["A1"], ka1[1])
    a3 = track(des.report(w.A, d3, ka1[2], "1", "Mengarsipkan surat keluar", 30), w.A, w.umum, docs["A1"], ka1[2])
    assert {a.state for a in (a1, a2, a3)} == {"submitted"}
    queue = des.stub.ReviewQueue(des.pb.ReviewQueueRequest(bulan=cal.bulan), metadata=w.P.md(), timeout=20)
    assert {a1.activity_id, a2.activity_id, a3.activity_id} <= {x.activity_id for x in queue.activities}
    des.approve(w.P, a1)
    ledger.entries[a1.activity_id].state, ledger.entries[a1.activity_id].diakui = "approved", Decimal(2)
    returned = des.stub.RequestRevision(des.pb.RequestRevisionRequest(
        activity_id=a2.activity_id, catatan="Kuantitas terlalu besar; lampirkan daftar inventaris"),
        metadata=w.P.md(True), timeout=20)
    assert returned.state == "revision_requested"
    fixed = des.stub.UpdateActivity(des.pb.UpdateActivityRequest(
        activity_id=a2.activity_id, activity=des.activity_input(d2, ka1[1], "2", "Menyusun laporan inventaris", 90)),
        metadata=w.A.md(True), timeout=20)
    assert fixed.state == "revision_requested" and fixed.kuantitas in ("2", "2.00")
    resent = des.stub.SendActivity(des.pb.SendActivityRequest(activity_id=a2.activity_id), metadata=w.A.md(True),
                                   timeout=20)
    assert resent.state == "resubmitted"
    [approved_a2] = des.approve(w.P, a2)
    assert approved_a2.state == "approved"
    ledger.entries[a2.activity_id].kuantitas = Decimal(2)
    ledger.entries[a2.activity_id].state, ledger.entries[a2.activity_id].diakui = "approved", Decimal(2)

    # -- identity: A moves to Bagian Keuangan on the 15th; skp closes the old SKP and drafts the new one --------
    identity.assign(w.A.nip, f"{inst}.STAF-KEU", move)
    docs_a = skp.documents(w.A, cal.year_start.year, count=2)
    new = next(d for d in docs_a if d.skp_id != docs["A1"].skp_id)
    assert (new.status, new.period_start, new.penilai_nip) == ("draft", move.isoformat(), w.Q.nip)
    old = eventually(lambda: _closed(skp, w.A, docs["A1"].skp_id), what="skp closes A's old SKP at the move")
    assert old.period_end == (move - dt.timedelta(days=1)).isoformat()
    months = months_between(move, dt.date(move.year, 12, 31))
    w.targets["A2"] = [dict(nama="Menyusun laporan realisasi anggaran", satuan="laporan",
                            kuantitas=str(3 * months), waktu=str(months))]
    docs["A2"] = skp.agree(w.A, w.Q, new, w.targets["A2"])
    des.wait_for_skp(w.A, docs["A2"].skp_id)
    ka2 = kegiatan_of(docs["A2"])

    # -- des: today's plans (before the locks: a locked month takes no new entry, plans included) ----------------
    if cal.plans_possible:
        tomorrow = cal.today + dt.timedelta(days=1)
        wanted = [(w.A, w.keu, cal.today, ka2[1], "2"), (w.B, w.umum, cal.today, kb[1], "3")]
        if tomorrow.year == cal.today.year:
            wanted.append((w.A, w.keu, tomorrow, ka2[1], "1"))
        for person, unit, day, kid, qty in wanted:
            plan = des.stub.SubmitPlan(des.pb.SubmitPlanRequest(tanggal=day.isoformat(), kegiatan_id=kid,
                                                                uraian="Rencana kerja harian", kuantitas=qty),
                                       metadata=person.md(True), timeout=20)
            assert plan.tanggal == day.isoformat()
            ledger.plans.append(PlanFact(person.nip, unit, day, Decimal(qty)))

    # -- des: A in Bagian Keuangan --------------------------------------------------------------------------------
    a4 = track(des.report(w.A, move, ka2[1], "4", "Rekonsiliasi belanja", 120), w.A, w.keu, docs["A2"], ka2[1])
    a5 = track(des.report(w.A, d_after[0], ka2[1], "1", "Laporan realisasi (berjalan)", 45, proses=True), w.A,
               w.keu, docs["A2"], ka2[1])
    a6 = track(des.report(w.A, d_after[1], ka2[1], "2", "Laporan kas", 30), w.A, w.keu, docs["A2"], ka2[1])
    assert a4.penilai_nip == w.Q.nip
    approved = des.approve(w.Q, (a4, "3"), a5)
    assert [(x.state, x.kuantitas_diakui) for x in approved] in (
        [("approved", "3"), ("approved", "1")], [("approved", "3.00"), ("approved", "1.00")])
    ledger.entries[a4.activity_id].state, ledger.entries[a4.activity_id].diakui = "approved", Decimal(3)
    ledger.entries[a5.activity_id].state, ledger.entries[a5.activity_id].diakui = "approved", Decimal(1)
    des.stub.RequestRevision(des.pb.RequestRevisionRequest(activity_id=a6.activity_id, catatan="Uraian kurang jelas"),
                             metadata=w.Q.md(True), timeout=20)
    ledger.entries[a6.activity_id].state = "revision_requested"
    des.stub.SetMonthlyQuality(des.pb.SetMonthlyQualityRequest(
        nip=w.A.nip, skp_id=docs["A2"].skp_id, kegiatan_id=ka2[1], bulan=cal.bulan, kualitas="85"),
        metadata=w.Q.md(True), timeout=20)
    lock = des.stub.LockPeriod(des.pb.LockPeriodRequest(nip=w.A.nip, scope=des.pb.LOCK_SCOPE_DAY,
                                                        tanggal=move.isoformat()), metadata=w.Q.md(True), timeout=20)
    assert list(lock.activity_ids) == [a4.activity_id]
    ledger.entries[a4.activity_id].state = "locked"
    w.a = dict(a1=a1, a2=a2, a3=a3, a4=a4, a5=a5, a6=a6)

    # -- des: B in Bagian Umum, and B's leave through identity ---------------------------------------------------
    b1 = track(des.report(w.B, d1, kb[1], "2", "Menyusun notulen rapat", 60), w.B, w.umum, docs["B"], kb[1])
    b2 = track(des.report(w.B, d2, kb[1], "2", "Menyusun laporan kegiatan", 60), w.B, w.umum, docs["B"], kb[1])
    b3 = track(des.report(w.B, after_leave, kb[2], "5", "Mengarsipkan surat masuk", 120), w.B, w.umum, docs["B"],
               kb[2])
    des.approve(w.P, b1, (b2, "1"), b3)
    for b, diakui in ((b1, 2), (b2, 1), (b3, 5)):
        ledger.entries[b.activity_id].state, ledger.entries[b.activity_id].diakui = "approved", Decimal(diakui)
    w.quality = {kb[1]: "90", kb[2]: "80"}
    for kid, kualitas in w.quality.items():
        des.stub.SetMonthlyQuality(des.pb.SetMonthlyQualityRequest(
            nip=w.B.nip, skp_id=docs["B"].skp_id, kegiatan_id=kid, bulan=cal.bulan, kualitas=kualitas),
            metadata=w.P.md(True), timeout=20)
    month_lock = des.stub.LockPeriod(des.pb.LockPeriodRequest(nip=w.B.nip, scope=des.pb.LOCK_SCOPE_MONTH,
                                                              bulan=cal.bulan), metadata=w.P.md(True), timeout=20)
    assert set(month_lock.activity_ids) == {b1.activity_id, b2.activity_id, b3.activity_id}
    for b in (b1, b2, b3):
        ledger.entries[b.activity_id].state = "locked"
    w.b = dict(b1=b1, b2=b2, b3=b3)

    # -- des: C in Bagian Umum until the 27th ---------------------------------------------------------------------
    kc = kegiatan_of(docs["C"])
    c1 = track(des.report(w.C, d1, kc[1], "3", "Menyusun daftar hadir", 60), w.C, w.umum, docs["C"], kc[1])
    c2 = track(des.report(w.C, d3, kc[1], "1", "Menyusun usulan kenaikan pangkat", 60), w.C, w.umum, docs["C"],
               kc[1])
    des.approve(w.P, (c1, "2"), c2)
    ledger.entries[c1.activity_id].state, ledger.entries[c1.activity_id].diakui = "approved", Decimal(2)
    ledger.entries[c2.activity_id].state, ledger.entries[c2.activity_id].diakui = "approved", Decimal(1)
    w.quality[kc[1]] = "88.5"
    des.stub.SetMonthlyQuality(des.pb.SetMonthlyQualityRequest(
        nip=w.C.nip, skp_id=docs["C"].skp_id, kegiatan_id=kc[1], bulan=cal.bulan, kualitas="88.5"),
        metadata=w.P.md(True), timeout=20)
    on_leave = identity.stub.SetPegawaiStatus(identity.pb.SetPegawaiStatusRequest(
        nip=w.B.nip, status="cuti", effective_date=leave_start.isoformat(), end_date=leave_end.isoformat()),
        metadata=admin_md + [("x-idempotency-key", uuid.uuid4().hex)], timeout=20)
    assert on_leave.status == "cuti"

    return w


def _closed(skp, person, skp_id):
    doc = skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=skp_id), metadata=person.md(), timeout=20).document
    assert (doc.status, doc.closed_reason) == ("closed", "moved"), (doc.status, doc.closed_reason)
    return doc


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


# -- locks hold --------------------------------------------------------------------------------------------------------

def test_nothing_locked_changes(world, des):
    """The day lock (A's move day) and the month lock (B's month): no edit by the owner, no review by the penilai."""
    a4, b1 = world.a["a4"], world.b["b1"]
    refused = [
        lambda: des.stub.UpdateActivity(des.pb.UpdateActivityRequest(
            activity_id=a4.activity_id, activity=des.activity_input(world.cal.move_date, a4.kegiatan_id, "9",
                                                                    "diubah")), metadata=world.A.md(True), timeout=20),
        lambda: des.stub.UpdateActivity(des.pb.UpdateActivityRequest(
            activity_id=b1.activity_id, activity=des.activity_input(world.dates["d1"], b1.kegiatan_id, "9",
                                                                    "diubah")), metadata=world.B.md(True), timeout=20),
        lambda: des.stub.RequestRevision(des.pb.RequestRevisionRequest(activity_id=b1.activity_id, catatan="ulang"),
                                         metadata=world.P.md(True), timeout=20),
        lambda: des.report(world.B, world.dates["d3"], b1.kegiatan_id, "1", "entri baru di bulan terkunci"),
    ]
    for call in refused:
        assert rpc_error(call).code() == grpc.StatusCode.FAILED_PRECONDITION
    for activity, owner in ((a4, world.A), (b1, world.B)):
        now = des.stub.GetActivity(des.pb.GetActivityRequest(activity_id=activity.activity_id), metadata=owner.md(),
                                   timeout=20)
        assert now.state == "locked" and Decimal(now.kuantitas) == world.ledger.entries[activity.activity_id].kuantitas


# -- recap: days and months, per unit -----------------------------------------------------------------------------

def test_employee_day_counters(world, recap):
    stub, pb = recap
    cases = [(world.A, world.dates["d1"]), (world.A, world.dates["d2"]), (world.A, world.cal.move_date),
             (world.A, world.dates["move2"]), (world.B, world.dates["d2"]), (world.B, world.dates["after_leave"])]
    if world.ledger.plans:
        cases += [(world.A, world.cal.today), (world.B, world.cal.today)]

    def check():
        for person, day in cases:
            reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=person.nip, period=pb.PERIOD_DAY,
                                                                     date=day.isoformat()),
                                          metadata=person.md(), timeout=20)
            assert counters_of(reply.counters) == expect(world.ledger.counters(person.nip, None, day, day)), \
                f"{person.nama} on {day}"
    eventually(check, what="recap's day counters")


def test_employee_month_split_by_unit_after_the_move(world, recap):
    stub, pb = recap
    start, end = month_range(world.cal.month_start)

    def check():
        reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=world.A.nip, period=pb.PERIOD_MONTH,
                                                                 date=start.isoformat()),
                                      metadata=world.A.md(), timeout=20)
        assert reply.period_key == world.cal.bulan
        assert counters_of(reply.counters) == expect(world.ledger.counters(world.A.nip, None, start, end))
        by_unit = {row.unit_id: counters_of(row.counters) for row in reply.by_unit}
        assert by_unit == {unit: expect(world.ledger.counters(world.A.nip, unit, start, end))
                           for unit in (world.umum, world.keu)}
        return reply
    reply = eventually(check, what="recap's month for the moved employee")
    by_unit = {row.unit_id: row.counters for row in reply.by_unit}
    # the numbers the ledger predicts, spelled out: approved a1 + a2 in Umum, a4 (3 of 4, locked) + a5 in Keuangan
    assert (by_unit[world.umum].approved, by_unit[world.umum].recognised_qty, by_unit[world.umum].pending) == (
        2, "4.00", 1)
    assert (by_unit[world.keu].approved, by_unit[world.keu].recognised_qty, by_unit[world.keu].revisions) == (
        2, "4.00", 1)


def test_unit_recaps_count_each_date_in_its_unit(world, recap):
    stub, pb = recap
    start, end = month_range(world.cal.month_start)
    members = {world.umum: {world.A.nip, world.B.nip, world.C.nip, world.P.nip},
               world.keu: {world.A.nip, world.Q.nip}}

    def check():
        for unit, nips in members.items():
            reply = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id=unit, period=pb.PERIOD_MONTH,
                                                             date=start.isoformat(), page_size=100),
                                      metadata=world.admin_md, timeout=20)
            rows = {row.nip: counters_of(row.counters) for row in reply.rows}
            assert set(rows) == nips, unit
            assert rows == {nip: expect(world.ledger.counters(nip, unit, start, end)) for nip in nips}, unit
            assert counters_of(reply.totals) == expect(world.ledger.counters(None, unit, start, end)), unit
    eventually(check, what="recap's unit recaps")
    instansi = stub.GetInstansiRecap(pb.GetInstansiRecapRequest(instansi_id=world.inst, period=pb.PERIOD_MONTH,
                                                                date=start.isoformat()),
                                     metadata=world.admin_md, timeout=20)
    assert counters_of(instansi.totals) == expect(world.ledger.counters(None, None, start, end))


def test_plans_per_day_and_month(world, recap):
    if not world.ledger.plans:
        pytest.skip("early January: the scenario month is last December, whose SKPs do not cover today")
    stub, pb = recap
    start, end = month_range(world.cal.today)

    def check():
        for person in (world.A, world.B):
            reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=person.nip, period=pb.PERIOD_MONTH,
                                                                     date=world.cal.today.isoformat()),
                                          metadata=person.md(), timeout=20)
            want = world.ledger.counters(person.nip, None, start, end)
            assert (reply.counters.plans, reply.counters.planned_qty) == (want["plans"], want["planned_qty"])
    eventually(check, what="recap's planned quantities")


def test_percent_of_the_monthly_target_agrees_with_des_and_skp(world, recap, des):
    stub, pb = recap
    start, end = month_range(world.cal.month_start)
    doc = world.docs["B"]
    period_months = months_between(dt.date.fromisoformat(doc.period_start), dt.date.fromisoformat(doc.period_end))
    expected = {}
    for k in doc.kegiatan:
        monthly = Decimal(k.kuantitas) / period_months
        realised = world.ledger.recognised(doc.skp_id, k.kegiatan_id, start, end)
        expected[k.kegiatan_id] = (fmt(monthly), fmt(realised), fmt(realised / monthly * HUNDRED),
                                   fmt(world.quality[k.kegiatan_id]))
    mean = sum(Decimal(v[2]) for v in expected.values()) / len(expected)  # both are exact here (75, 50)

    def check():
        reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=world.B.nip, period=pb.PERIOD_MONTH,
                                                                 date=start.isoformat()),
                                      metadata=world.P.md(), timeout=20)   # the penilai reads its subordinate
        got = {k.kegiatan_id: (k.target_qty, k.recognised_qty, k.achievement_pct, k.kualitas) for k in reply.kegiatan
               if k.skp_id == doc.skp_id}
        assert got == expected
        assert reply.counters.achievement_pct == fmt(mean)
    eventually(check, what="recap's % of the monthly target")
    assert {v[2] for v in expected.values()} == {"75.00", "50.00"}
    # des's monthly split of the same SKP gives the same monthly target
    targets = des.stub.GetMonthlyTargets(des.pb.GetMonthlyTargetsRequest(nip=world.B.nip, skp_id=doc.skp_id),
                                         metadata=world.B.md(), timeout=20).targets
    month_targets = {t.kegiatan_id: fmt(t.kuantitas) for t in targets if t.bulan == world.cal.bulan}
    assert month_targets == {kid: v[0] for kid, v in expected.items()}
    kualitas = {t.kegiatan_id: t.kualitas for t in targets if t.bulan == world.cal.bulan}
    assert {kid: fmt(v) for kid, v in kualitas.items()} == {kid: v[3] for kid, v in expected.items()}


# -- recap: compliance --------------------------------------------------------------------------------------------

def _noncompliance(stub, pb, world, unit):
    rows, token = [], ""
    while True:
        reply = stub.ListNoncompliance(pb.ListNoncomplianceRequest(
            instansi_id=world.inst, unit_id=unit, date_from=world.cal.month_start.isoformat(),
            date_to=world.cal.last_day.isoformat(), page_size=500, page_token=token),
            metadata=world.admin_md, timeout=30)
        rows += list(reply.rows)
        token = reply.next_page_token
        if not token:
            return rows, reply.excluded_employee_days


def _days(rows, nip, kind):
    return {r.tanggal for r in rows if r.nip == nip and r.kind == kind}


def test_compliance_excludes_leave_and_follows_the_move(world, recap):
    stub, pb = recap
    cal, ledger = world.cal, world.ledger
    days = working_days(cal.month_start, cal.last_day)
    leave = {d for d in days if cal.leave[0] <= d <= cal.leave[1]}
    move = cal.move_date
    reported = {(e.nip, e.unit, e.tanggal) for e in ledger.entries.values()}
    planned = {(p.nip, p.unit, p.tanggal) for p in ledger.plans}

    def owed(nip, unit, kind, span):
        done = reported if kind == "no_report" else planned
        return {d.isoformat() for d in span if (nip, unit, d) not in done}

    def check():
        umum, excluded = _noncompliance(stub, pb, world, world.umum)
        keu, _ = _noncompliance(stub, pb, world, world.keu)
        before, after = [d for d in days if d < move], [d for d in days if d >= move]
        for kind in ("no_plan", "no_report"):
            # B owes nothing while on leave
            assert _days(umum, world.B.nip, kind) == owed(world.B.nip, world.umum, kind, sorted(set(days) - leave))
            # A owes Bagian Umum the days before the move and Bagian Keuangan the days from it
            assert _days(umum, world.A.nip, kind) == owed(world.A.nip, world.umum, kind, before)
            assert _days(keu, world.A.nip, kind) == owed(world.A.nip, world.keu, kind, after)
        assert excluded == len(leave)
        not_approved = {r.nip for r in umum + keu if r.kind == "skp_not_approved"}
        assert {world.P.nip, world.Q.nip} <= not_approved and not {world.A.nip, world.B.nip} & not_approved
    eventually(check, what="recap's compliance with leave and the move")


# -- skp: realisation from des, scored like the offline calculator ---------------------------------------------------

def _realised(skp, person, doc_key, world):
    doc = skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=world.docs[doc_key].skp_id), metadata=person.md(),
                          timeout=20).document
    return doc, {k.kegiatan_id: k.realisasi for k in doc.kegiatan}


def test_skp_shows_the_realisation_from_des(world, skp):
    """B: kuantitas = what the penilai recognised in des (every approved entry of the year), kualitas = the mean of
    the months des's penilai assessed."""
    doc_b = world.docs["B"]
    start, end = dt.date.fromisoformat(doc_b.period_start), dt.date.fromisoformat(doc_b.period_end)

    def check():
        _, real = _realised(skp, world.B, "B", world)
        for k in doc_b.kegiatan:
            want = world.ledger.recognised(doc_b.skp_id, k.kegiatan_id, start, end, year=True)
            assert Decimal(real[k.kegiatan_id].kuantitas or "0") == want, k.nama
            # one month assessed: the mean is that month's kualitas
            assert Decimal(real[k.kegiatan_id].kualitas or "0") == Decimal(world.quality[k.kegiatan_id]), k.nama
            assert real[k.kegiatan_id].bulan_dinilai == 1
    eventually(check, what="skp's realisation from des's approvals and monthly quality")
    assert {world.ledger.recognised(doc_b.skp_id, k.kegiatan_id, start, end) for k in doc_b.kegiatan} == {
        Decimal(3), Decimal(5)}


def test_score_from_des_realisation_equals_the_offline_calculator(world, skp):
    """C's SKP period ends in M, so its realisation waktu is entered now; ScoreSkp carries des's numbers and equals
    `ekinerja skp score` on the score input skp returns."""
    doc = world.docs["C"]
    [k] = doc.kegiatan
    start, end = dt.date.fromisoformat(doc.period_start), dt.date.fromisoformat(doc.period_end)
    recognised = world.ledger.recognised(doc.skp_id, k.kegiatan_id, start, end, year=True)

    def check():
        _, real = _realised(skp, world.C, "C", world)
        assert Decimal(real[k.kegiatan_id].kuantitas or "0") == recognised
        assert Decimal(real[k.kegiatan_id].kualitas or "0") == Decimal("88.5")
    eventually(check, what="skp's realisation of C from des")
    waktu = str(int(k.waktu) - 1) if int(k.waktu) > 1 else k.waktu
    skp.stub.SetRealisasi(skp.pb.SetRealisasiRequest(skp_id=doc.skp_id, kegiatan_id=k.kegiatan_id, waktu=waktu),
                          metadata=world.C.md(True), timeout=20)
    perilaku = dict(orientasi_pelayanan="82", integritas="85", komitmen="80", disiplin="78", kerja_sama="84")
    skp.stub.SetPerilaku(skp.pb.SetPerilakuRequest(skp_id=doc.skp_id, perilaku=skp.pb.PerilakuValues(**perilaku)),
                         metadata=world.P.md(True), timeout=20)
    score = skp.stub.ScoreSkp(skp.pb.ScoreSkpRequest(skp_id=doc.skp_id), metadata=world.C.md(), timeout=20)
    score_input = json.loads(score.score_input_json)
    [document] = score_input["skp"]
    [item] = document["kegiatan"]
    assert Decimal(str(item["realisasi"]["kuantitas"])) == recognised == Decimal(3)
    assert Decimal(str(item["realisasi"]["kualitas"])) == Decimal("88.5")
    assert Decimal(str(item["realisasi"]["waktu"])) == Decimal(waktu)
    assert Decimal(str(item["target"]["kuantitas"])) == Decimal(k.kuantitas)
    assert {a: Decimal(str(v)) for a, v in score_input["perilaku"].items()} == {
        a: Decimal(v) for a, v in perilaku.items()}
    offline = offline_score(score_input)
    assert score_as_contract(score) == offline
    assert offline["nilai_prestasi_kerja"] is not None and score.nilai_prestasi_kerja == offline["nilai_prestasi_kerja"]


def test_moved_employee_realisation_on_both_documents_without_proses_work(world, skp):
    old, new = world.docs["A1"], world.docs["A2"]
    ledger = world.ledger
    year = (world.cal.year_start, dt.date(world.cal.year_start.year, 12, 31))

    def check():
        _, real_old = _realised(skp, world.A, "A1", world)
        _, real_new = _realised(skp, world.A, "A2", world)
        for doc, real in ((old, real_old), (new, real_new)):
            for k in doc.kegiatan:
                assert Decimal(real[k.kegiatan_id].kuantitas or "0") == ledger.recognised(
                    doc.skp_id, k.kegiatan_id, *year, year=True), k.nama
        assert Decimal(real_new[new.kegiatan[0].kegiatan_id].kualitas or "0") == Decimal(85)
        assert not any(r.kualitas for r in real_old.values())   # P set no kualitas for the old document
    eventually(check, what="skp's realisation of both of A's documents")
    # a4 recognised 3 counts; a5 ("proses") and a6 (returned) do not
    assert ledger.recognised(new.skp_id, new.kegiatan[0].kegiatan_id, *year, year=True) == Decimal(3)
