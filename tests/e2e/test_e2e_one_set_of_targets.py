"""Issue 16.2 "One set of monthly targets everywhere", across the real services: identity → skp → des → recap.

One kabupaten built through identity's API: a Kepala Sekolah (P) over two teachers. G teaches all year; H teaches in
one school until the move day of the scenario month M and then in another (skp closes the old SKP and drafts the
new one). Through skp's API each SKP is agreed and approved; then, through des's API:
- des's monthly targets add up to each yearly target exactly, at the SKP kuantitas scale; a split that does not add
  up is refused naming the difference; after the move, the old SKP has no month after the move and the new one
  only the months from the move on, adding up to its own (prorated) target;
- the penilai moves G's "telaahan" target out of M (target 0 in M) and gives "tatap muka" 3 in M;
- G's reports: a wrong satuan is refused naming both units, a declared synonym is taken; P approves;
- recap's month: "tatap muka" % = realisation ÷ des's month target (2 of 3, not 2 of 24 / 12); "telaahan" with
  target 0 and realisation says so plainly (no 1,200 %); the recommendations say "work without a monthly target",
  never "targets too low"; day and week recaps compare plan with report per kegiatan.
The expected numbers come from what the test did; recap is polled with a deadline until it agrees.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

import grpc
import pytest
from e2e_lib import Calendar, eventually, fmt, rpc_error

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


class World:
    """Names and handles of the scenario (filled by the `world` fixture)."""


def by_kegiatan(targets) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for t in targets:
        out.setdefault(t.kegiatan_id, {})[t.bulan] = Decimal(t.kuantitas)
    return out


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


@pytest.fixture(scope="module")
def world(identity, skp, des, recap):
    w = World()
    cal = w.cal = Calendar.now()
    inst = w.inst = "E2T-" + uuid.uuid4().hex[:6].upper()
    w.unit_a, w.unit_b = f"{inst}.SMP1", f"{inst}.SMP2"
    identity.instansi(inst, "Pemerintah Kabupaten Uji Target")
    identity.unit(inst, w.unit_a, "SMP Negeri 1")
    identity.unit(inst, w.unit_b, "SMP Negeri 2")
    identity.jabatan(inst, f"{inst}.KEPSEK", w.unit_a, "Kepala Sekolah SMP Negeri 1", "fungsional_tertentu",
                     "pendidik")
    identity.jabatan(inst, f"{inst}.GURU1", w.unit_a, "Guru Matematika", "fungsional_tertentu", "pendidik",
                     f"{inst}.KEPSEK")
    identity.jabatan(inst, f"{inst}.GURU2", w.unit_b, "Guru IPA", "fungsional_tertentu", "pendidik",
                     f"{inst}.KEPSEK")
    w.P = identity.pegawai(inst, "Purnama Kepala Sekolah", "IV/a")
    w.G = identity.pegawai(inst, "Gita Guru", "III/b", gender=2)
    w.H = identity.pegawai(inst, "Hadi Guru", "III/b")
    identity.assign(w.P.nip, f"{inst}.KEPSEK", cal.year_start)
    identity.assign(w.G.nip, f"{inst}.GURU1", cal.year_start)
    identity.assign(w.H.nip, f"{inst}.GURU1", cal.year_start)
    w.admin_md = [("authorization", f"Bearer {identity.admin_instansi(inst)}")]
    des.stub.SetEntryWindow(des.pb.SetEntryWindowRequest(instansi_id=inst, window_days=cal.window_days),
                            metadata=w.admin_md, timeout=20)

    w.yearly = [dict(nama="Melaksanakan tatap muka pembelajaran", satuan="jam tatap muka", kuantitas="24",
                     waktu="12"),
                dict(nama="Menyusun telaahan kurikulum", satuan="dokumen", kuantitas="2", waktu="12")]
    w.docs = {}
    for key, person in (("G", w.G), ("H1", w.H)):
        [draft] = skp.documents(person, cal.year_start.year)
        w.docs[key] = skp.agree(person, w.P, draft, w.yearly)
        des.wait_for_skp(person, w.docs[key].skp_id)
    w.kg = {k.satuan: k.kegiatan_id for k in w.docs["G"].kegiatan}
    return w


def test_des_targets_add_up_exactly_and_a_bad_split_is_refused_naming_the_difference(world, des):
    w, year = world, world.cal.year_start.year
    split = by_kegiatan(des.wait_for_skp(w.G, w.docs["G"].skp_id).targets)
    for k in w.docs["G"].kegiatan:
        assert list(split[k.kegiatan_id]) == months_of(year)
        assert sum(split[k.kegiatan_id].values()) == Decimal(k.kuantitas)
    assert set(split[w.kg["jam tatap muka"]].values()) == {Decimal(2)}
    # 2 documents a year: never 0.17 × 12 = 2.04; the remainder goes to the last months
    assert list(split[w.kg["dokumen"]].values()) == [Decimal("0.166")] * 4 + [Decimal("0.167")] * 8

    def request(kegiatan_id, values):
        return des.pb.SetMonthlyTargetsRequest(nip=w.G.nip, skp_id=w.docs["G"].skp_id, kegiatan_id=kegiatan_id,
                                               targets=[des.pb.MonthTarget(bulan=b, kuantitas=q)
                                                        for b, q in zip(months_of(year), values, strict=True)])

    err = rpc_error(lambda: des.stub.SetMonthlyTargets(request(w.kg["dokumen"], ["0.167"] * 12),
                                                       metadata=w.P.md(True), timeout=20))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "selisih 0,004" in err.details(), err.details()
    after = by_kegiatan(des.stub.GetMonthlyTargets(des.pb.GetMonthlyTargetsRequest(
        nip=w.G.nip, skp_id=w.docs["G"].skp_id), metadata=w.P.md(), timeout=20).targets)
    assert after == split  # nothing changed

    m = w.cal.month_start.month
    telaahan = ["0"] * 12
    telaahan[11 if m != 12 else 0] = "2"  # everything outside M: M's target is 0
    tatap = ["2"] * 12
    tatap[m - 1], tatap[m % 12] = "3", "1"  # 3 in M, 1 in the month after (or January): still 24
    for kegiatan_id, values in ((w.kg["dokumen"], telaahan), (w.kg["jam tatap muka"], tatap)):
        des.stub.SetMonthlyTargets(request(kegiatan_id, values), metadata=w.P.md(True), timeout=20)
    adjusted = by_kegiatan(des.stub.GetMonthlyTargets(des.pb.GetMonthlyTargetsRequest(
        nip=w.G.nip, skp_id=w.docs["G"].skp_id), metadata=w.G.md(), timeout=20).targets)
    assert adjusted[w.kg["dokumen"]][w.cal.bulan] == 0 and adjusted[w.kg["jam tatap muka"]][w.cal.bulan] == 3
    assert {k: sum(v.values()) for k, v in adjusted.items()} == {w.kg["dokumen"]: 2, w.kg["jam tatap muka"]: 24}


def test_after_a_move_des_months_follow_the_documents(world, identity, skp, des):
    w, cal = world, world.cal
    move = cal.move_date
    old_id = w.docs["H1"].skp_id
    identity.assign(w.H.nip, f"{w.inst}.GURU2", move)
    new = next(d for d in skp.documents(w.H, cal.year_start.year, count=2) if d.skp_id != old_id)
    months = 12 - move.month + 1
    kegiatan = [dict(nama="Melaksanakan tatap muka pembelajaran", satuan="jam tatap muka", kuantitas=str(2 * months),
                     waktu=str(months))]
    approved = skp.agree(w.H, w.P, new, kegiatan)
    split = by_kegiatan(des.wait_for_skp(w.H, approved.skp_id).targets)
    [only] = split.values()
    assert list(only) == months_of(cal.year_start.year)[move.month - 1:]  # no month before the move
    assert sum(only.values()) == 2 * months

    def old_has_no_month_after_the_move():
        old = by_kegiatan(des.stub.GetMonthlyTargets(des.pb.GetMonthlyTargetsRequest(skp_id=old_id),
                                                     metadata=w.H.md(), timeout=20).targets)
        assert old and all(max(v) == cal.bulan for v in old.values()), old
    eventually(old_has_no_month_after_the_move, what="des ends the old SKP's months at the move")

    # the served months add up to skp's prorated yearly target of the closed document (skp_closed's kegiatan)
    old_doc = skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=old_id), metadata=w.H.md(), timeout=20).document
    assert (old_doc.status, old_doc.closed_reason) == ("closed", "moved")
    served = {k.kegiatan_id: Decimal(k.kuantitas) for k in old_doc.kegiatan}

    def served_months_add_up_to_skps_prorated_targets():
        old = by_kegiatan(des.stub.GetMonthlyTargets(des.pb.GetMonthlyTargetsRequest(skp_id=old_id),
                                                     metadata=w.H.md(), timeout=20).targets)
        assert {k: sum(v.values()) for k, v in old.items()} == served, (old, served)
    eventually(served_months_add_up_to_skps_prorated_targets, what="des fits the served months to skp's prorated total")


def test_reports_in_the_kegiatan_satuan_only_then_recap_measures_against_des(world, des, recap):
    w = world
    day = w.cal.days()[0]
    err = rpc_error(lambda: des.stub.SubmitActivity(des.pb.SubmitActivityRequest(activity=des.pb.ActivityInput(
        tanggal=day.isoformat(), jenis=des.pb.JENIS_SKP, kegiatan_id=w.kg["jam tatap muka"], uraian="mengajar 8A",
        kuantitas="2", satuan="laporan"), idempotency_key=uuid.uuid4().hex), metadata=w.G.md(), timeout=20))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'laporan'" in err.details() and "'jam tatap muka'" in err.details(), err.details()
    taught = des.stub.SubmitActivity(des.pb.SubmitActivityRequest(activity=des.pb.ActivityInput(
        tanggal=day.isoformat(), jenis=des.pb.JENIS_SKP, kegiatan_id=w.kg["jam tatap muka"], uraian="mengajar 8A",
        kuantitas="2", satuan="JTM"), idempotency_key=uuid.uuid4().hex), metadata=w.G.md(), timeout=20)
    assert taught.satuan == "jam tatap muka"
    written = des.report(w.G, day, w.kg["dokumen"], "1", "telaahan kurikulum merdeka")
    des.approve(w.P, taught, written)

    stub, pb = recap

    def month():
        reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=w.G.nip, period=pb.PERIOD_MONTH,
                                                                 date=day.isoformat()), metadata=w.P.md(), timeout=20)
        lines = {k.kegiatan_id: k for k in reply.kegiatan}
        tatap, telaahan = lines[w.kg["jam tatap muka"]], lines[w.kg["dokumen"]]
        # realisation ÷ des's month target: 2 of 3 (never 2 of 24 / 12 = 100 %)
        assert (tatap.target_qty, tatap.recognised_qty, tatap.achievement_pct, tatap.status) == \
            ("3.00", "2.00", fmt(Decimal(2) / 3 * 100), "")
        # target 0 with realisation: said plainly, no percentage
        assert (telaahan.target_qty, telaahan.recognised_qty, telaahan.achievement_pct, telaahan.status) == \
            ("0.00", "1.00", "", "target_zero")
        assert reply.counters.achievement_pct == "66.67"
    eventually(month, what="recap's month against des's monthly targets")

    def advice():
        reply = stub.GetRecommendations(pb.GetRecommendationsRequest(
            instansi_id=w.inst, tahun=w.cal.month_start.year, bulan=w.cal.month_start.month),
            metadata=w.admin_md, timeout=20)
        kinds = {r.kind: r for r in reply.recommendations}
        assert "work_without_monthly_target" in kinds, kinds
        assert kinds["work_without_monthly_target"].numbers["kegiatan_id"] == w.kg["dokumen"]
        assert "target_underloaded" not in kinds
    eventually(advice, what="recap's advice on work without a monthly target")


def test_day_and_week_recaps_compare_plan_with_report_per_kegiatan(world, des, recap):
    w = world
    if not w.cal.plans_possible:
        pytest.skip("plans are made for today, outside the scenario's SKP year")
    today = w.cal.today
    plan = des.stub.SubmitPlan(des.pb.SubmitPlanRequest(
        tanggal=today.isoformat(), kegiatan_id=w.kg["jam tatap muka"], uraian="mengajar 9B", kuantitas="4"),
        metadata=w.G.md(), timeout=20)
    assert plan.satuan == "jam tatap muka"
    des.report(w.G, today, w.kg["jam tatap muka"], "3", "mengajar 9B")
    stub, pb = recap
    for period in (pb.PERIOD_DAY, pb.PERIOD_WEEK):
        def check(period=period):
            reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=period, date=today.isoformat()),
                                          metadata=w.G.md(), timeout=20)
            line = {k.kegiatan_id: k for k in reply.kegiatan}.get(w.kg["jam tatap muka"])
            assert line is not None, "recap has no line of the kegiatan yet"
            assert (line.planned_qty, line.reported_qty, line.recognised_qty) == ("4.00", "3.00", "0.00")
            assert (line.plans, line.reported, line.approved, line.satuan) == (1, 1, 0, "jam tatap muka")
        eventually(check, what=f"recap's {period} plan vs report per kegiatan")
