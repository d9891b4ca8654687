"""recap measures months against des's monthly targets (issue 16.2), through the real recap process.

An employee (instansi i-16) with one SKP kegiatan of 12 a year whose des split is adjusted: January 0, February 2,
the rest 1 each. In January 3 are approved (target 0: shown plainly, no 1,200 %); in February 1 of 2 (50 %, not
1 / (12 / 12) = 100 %). Day and week recaps list the kegiatan with what was planned, reported and approved.
"""
import pytest
import recap_events as ev

from ekinerja_platform import testing

pytestmark = pytest.mark.integration

INST, NIP, BOSS = "i-16", "198505052010012016", "197001012000011016"
SKP = "s-16"


def split(january):
    return {"k1": {(2025, 1): january, (2025, 2): 2, **{(2025, m): 1 for m in range(3, 13)}},
            "k2": {(2025, m): 2 for m in range(1, 13)}}


@pytest.fixture(scope="module")
def loaded(publish):
    skp = ev.skp_approved(SKP, NIP, INST, "u-16", "j-16", "2025-01-01", "2025-12-31", BOSS, [("k1", 12), ("k2", 24)])
    base = dict(nip=NIP, instansi_id=INST, unit_id="u-16", skp_id=SKP)
    out = [ev.employee_registered(NIP, INST, "Dewi"),
           ev.assignment_changed("as-16", NIP, INST, "j-16", "u-16", "2024-01-01", penilai=BOSS),
           skp, ev.targets_for(skp, revision=2, split=split(0)),
           ev.targets_for(skp, revision=1, split=split(1)),  # an older publication arriving late: ignored
           ev.plan_submitted(NIP, INST, "u-16", "2025-01-08", SKP, "k1", 2),
           ev.plan_submitted(NIP, INST, "u-16", "2025-01-08", SKP, "k2", 1),
           ev.plan_submitted(NIP, INST, "u-16", "2025-02-04", SKP, "k1", 1)]
    for i, (day, kegiatan, qty, reviewed) in enumerate([("2025-01-08", "k1", 3, True), ("2025-01-09", "k2", 1, False),
                                                        ("2025-02-04", "k1", 1, True)]):
        out.append(ev.activity_submitted(f"a16-{i}", **base, tanggal=day, kegiatan_id=kegiatan, kuantitas=qty,
                                         penilai=BOSS))
        if reviewed:
            out.append(ev.activity_reviewed(f"a16-{i}", **base, tanggal=day, kegiatan_id=kegiatan, diakui=qty,
                                            reviewer=BOSS))
    publish(out)


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


@pytest.fixture(scope="module")
def me(test_keys):
    return testing.bearer(test_keys.token(subject=NIP, roles=["pegawai"], instansi=INST))


def recap(stub, pb, me, period, date):
    reply = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=period, date=date), metadata=me, timeout=10)
    return reply, {k.kegiatan_id: k for k in reply.kegiatan}


def test_a_month_with_target_zero_and_work_says_so_plainly(loaded, stub, pb, me):
    reply, lines = recap(stub, pb, me, pb.PERIOD_MONTH, "2025-01-20")
    k1 = lines["k1"]
    assert (k1.target_qty, k1.recognised_qty, k1.achievement_pct, k1.status) == ("0.00", "3.00", "", "target_zero")
    assert k1.satuan == "dokumen" and (k1.plans, k1.reported, k1.approved) == (1, 1, 1)
    # k2: 2 a month, nothing approved yet → 0 %; the employee's month is k2's alone (k1 has no percentage)
    assert (lines["k2"].target_qty, lines["k2"].achievement_pct, lines["k2"].status) == ("2.00", "0.00", "")
    assert reply.counters.achievement_pct == "0.00"


def test_the_month_percentage_is_realisation_over_des_month_target(loaded, stub, pb, me):
    reply, lines = recap(stub, pb, me, pb.PERIOD_MONTH, "2025-02-10")
    assert (lines["k1"].target_qty, lines["k1"].achievement_pct) == ("2.00", "50.00")  # not 1 of 12/12 = 100 %
    assert reply.counters.achievement_pct == "25.00"  # (50 + 0) / 2


def test_day_and_week_recaps_compare_plan_with_report_per_kegiatan(loaded, stub, pb, me):
    _, day = recap(stub, pb, me, pb.PERIOD_DAY, "2025-01-08")
    assert set(day) == {"k1", "k2"}
    assert (day["k1"].planned_qty, day["k1"].reported_qty, day["k1"].recognised_qty) == ("2.00", "3.00", "3.00")
    assert (day["k1"].plans, day["k1"].reported, day["k1"].approved, day["k1"].target_qty) == (1, 1, 1, "")
    assert (day["k2"].planned_qty, day["k2"].reported_qty, day["k2"].plans, day["k2"].reported) == \
        ("1.00", "0.00", 1, 0)
    assert day["k1"].nama == "Kegiatan k1"
    _, week = recap(stub, pb, me, pb.PERIOD_WEEK, "2025-01-08")  # Mon 6 - Sun 12 January
    assert (week["k2"].planned_qty, week["k2"].reported_qty, week["k2"].recognised_qty) == ("1.00", "1.00", "0.00")
    assert (week["k2"].reported, week["k2"].approved) == (1, 0)


def test_work_without_a_monthly_target_is_advised_not_called_too_low(loaded, stub, pb, test_keys):
    admin = testing.bearer(test_keys.token(subject="admin-16", roles=["admin_instansi"], instansi=INST))
    reply = stub.GetRecommendations(pb.GetRecommendationsRequest(instansi_id=INST, tahun=2025, bulan=1),
                                    metadata=admin, timeout=10)
    kinds = [r.kind for r in reply.recommendations]
    assert "work_without_monthly_target" in kinds and "target_underloaded" not in kinds


def test_cli_recap_me_shows_the_kegiatan_table(loaded, recap, test_keys, tmp_path, monkeypatch, capsys):
    import json
    import time as _time

    from ekinerja_cli.main import main
    monkeypatch.setenv("EKINERJA_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "credentials.json").write_text(json.dumps({
        "access_token": test_keys.token(subject=NIP, roles=["pegawai"], instansi=INST),
        "access_expires_at": _time.time() + 600, "nip": NIP}))
    endpoint = ["--endpoint", f"recap={recap.target}"]
    assert main(endpoint + ["recap", "me", "--period", "month", "--date", "2025-01-20"]) == 0
    out = capsys.readouterr().out
    assert "rencana vs laporan vs disetujui" in out and "target bulan ini 0" in out and "1200" not in out
    assert main(endpoint + ["recap", "me", "--period", "day", "--date", "2025-01-08"]) == 0
    out = capsys.readouterr().out
    assert "Kegiatan k1" in out and "Kegiatan k2" in out
