"""One set of monthly targets (issue 16.2): exact splits at the SKP kuantitas scale, a split that does not add up
refused naming the difference, `monthly_targets_set` after every change (0 outside the period, e.g. after a move),
and a report's satuan must be its kegiatan's."""
import datetime as dt
from decimal import Decimal

import grpc
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def rpc_error(fn, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as err:
        fn(*args, **kwargs)
    return err.value


def published(des_db, nip):
    engine = sa.create_engine(des_db)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = 'monthly_targets_set' "
                                    "AND payload->>'nip' = :n ORDER BY id"), {"n": nip}).scalars().all()
    engine.dispose()
    return sorted((r["data"] for r in rows), key=lambda d: d["revision"])


def stored(des_db, nip, kegiatan_id):
    engine = sa.create_engine(des_db)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT bulan, kuantitas FROM monthly_targets WHERE nip = :n AND kegiatan_id = :k "
                                    "ORDER BY tahun, bulan"), {"n": nip, "k": kegiatan_id}).all()
    engine.dispose()
    return {b: q for b, q in rows}


def test_exact_split_refusal_naming_the_difference_and_the_event(world, stub, pb, des_db):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    year = world.today().year
    start, end = dt.date(year, 9, 1), dt.date(year, 12, 31)  # a part-year document (after a move)
    skp_id, _ = world.approve_skp(nip, penilai, start=start, end=end, kegiatan=[
        {"kegiatan_id": "k-exact", "nomor": 1, "nama": "Menyusun telaahan", "satuan": "Jam Tatap Muka",
         "kuantitas": "2"},
        {"kegiatan_id": "k-ten", "nomor": 2, "nama": "Rapat", "satuan": "kali", "kuantitas": "10"}])
    me = world.token(nip)
    targets = stub.GetMonthlyTargets(m.GetMonthlyTargetsRequest(skp_id=skp_id), metadata=me, timeout=5).targets
    ten = [Decimal(t.kuantitas) for t in targets if t.kegiatan_id == "k-ten"]
    assert ten == [Decimal(2), Decimal(2), Decimal(3), Decimal(3)]  # the remainder goes to the last months

    def split(*values):
        return [m.MonthTarget(bulan=f"{year}-{9 + i:02d}", kuantitas=v) for i, v in enumerate(values)]

    before = stored(des_db, nip, "k-exact")
    err = rpc_error(stub.SetMonthlyTargets, m.SetMonthlyTargetsRequest(
        skp_id=skp_id, kegiatan_id="k-exact", targets=split("0.333", "0.333", "0.333", "1")), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "selisih 0,001" in err.details() and "targets" in err.details(), err.details()
    assert stored(des_db, nip, "k-exact") == before  # nothing changed
    err = rpc_error(stub.SetMonthlyTargets, m.SetMonthlyTargetsRequest(
        skp_id=skp_id, kegiatan_id="k-exact", targets=split("0.3335", "0.3325", "0.334", "1")), metadata=me,
        timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "desimal" in err.details()

    done = stub.SetMonthlyTargets(m.SetMonthlyTargetsRequest(
        skp_id=skp_id, kegiatan_id="k-exact", targets=split("0.333", "0.333", "0.334", "1")), metadata=me, timeout=5)
    assert [t.kuantitas for t in done.targets if t.kegiatan_id == "k-exact"] == ["0.333", "0.333", "0.334", "1.000"]
    assert sum(stored(des_db, nip, "k-exact").values()) == Decimal(2)  # not 1.99

    events = published(des_db, nip)
    assert [e["revision"] for e in events] == [1, 2]
    last = {k["kegiatan_id"]: k for k in events[-1]["kegiatan"]}
    months = last["k-exact"]["months"]
    assert [mo["bulan"] for mo in months] == list(range(1, 13)) and {mo["tahun"] for mo in months} == {year}
    assert [mo["kuantitas"] for mo in months] == ["0.000"] * 8 + ["0.333", "0.333", "0.334", "1.000"]
    assert last["k-exact"]["kuantitas"] == "2.000" and last["k-exact"]["satuan"] == "Jam Tatap Muka"


def test_a_close_by_move_zeroes_the_months_after_it(world, stub, pb, des_db):
    from ekinerja_platform import testing
    from ekinerja_platform.outbox import Event

    nip, penilai = world.new_nip(), world.new_nip()
    year = world.today().year
    skp_id, _ = world.approve_skp(nip, penilai, kegiatan=[
        {"kegiatan_id": "k-a", "nomor": 1, "nama": "Konsep", "satuan": "konsep", "kuantitas": "12"}])
    testing.publish_event(world.amqp_uri, Event("skp_closed", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": "i-test", "period_end": f"{year}-06-14", "reason": "moved",
        "nilai_prestasi_kerja": None, "kegiatan": [{"kegiatan_id": "k-a", "kuantitas": "6.00"}]},
        nip=nip, instansi_id="i-test").envelope())
    assert testing.wait_for(lambda: len(published(des_db, nip)) == 2, timeout=20)
    months = published(des_db, nip)[-1]["kegiatan"][0]["months"]
    assert [mo["kuantitas"] for mo in months] == ["1.000"] * 6 + ["0.000"] * 6


def test_a_close_by_move_makes_the_served_months_add_up_to_skps_prorated_target(world, stub, pb, des_db):
    """skp prorates 10 a year to 4.17 for January-May (x 5/12, half-up to 0.01); des's even split kept 4.165 for those
    months: the served months now add up to 4.17, the agreed split kept where it fits (the difference on May)."""
    from ekinerja_platform import testing
    from ekinerja_platform.outbox import Event

    nip, penilai = world.new_nip(), world.new_nip()
    year = world.today().year
    skp_id, _ = world.approve_skp(nip, penilai, kegiatan=[
        {"kegiatan_id": "k-p", "nomor": 1, "nama": "Laporan", "satuan": "laporan", "kuantitas": "10"},
        {"kegiatan_id": "k-q", "nomor": 2, "nama": "Konsep", "satuan": "konsep", "kuantitas": "12"}])
    assert testing.wait_for(lambda: len(published(des_db, nip)) == 1, timeout=20)
    assert sum(v for mo, v in stored(des_db, nip, "k-p").items() if mo <= 5) == Decimal("4.165")
    testing.publish_event(world.amqp_uri, Event("skp_closed", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": "i-test", "period_end": f"{year}-05-31", "reason": "moved",
        "nilai_prestasi_kerja": None, "kegiatan": [{"kegiatan_id": "k-p", "kuantitas": "4.17"},
                                                   {"kegiatan_id": "k-q", "kuantitas": "5"},
                                                   {"kegiatan_id": "k-unknown", "kuantitas": "1"}]},
        nip=nip, instansi_id="i-test").envelope())
    assert testing.wait_for(lambda: len(published(des_db, nip)) == 2, timeout=20)
    last = {k["kegiatan_id"]: k for k in published(des_db, nip)[-1]["kegiatan"]}
    assert set(last) == {"k-p", "k-q"}
    assert last["k-p"]["kuantitas"] == "4.170"
    assert [mo["kuantitas"] for mo in last["k-p"]["months"]] == ["0.833"] * 4 + ["0.838"] + ["0.000"] * 7
    assert last["k-q"]["kuantitas"] == "5.000"  # the months held 5 x 1: unchanged
    assert [mo["kuantitas"] for mo in last["k-q"]["months"]] == ["1.000"] * 5 + ["0.000"] * 7
    assert sum(stored(des_db, nip, "k-p").values()) == Decimal("4.17")
    shown = stub.GetMonthlyTargets(pb[0].GetMonthlyTargetsRequest(skp_id=skp_id), metadata=world.token(nip),
                                   timeout=5)
    assert sum(Decimal(t.kuantitas) for t in shown.targets if t.kegiatan_id == "k-p") == Decimal("4.17")


def test_report_and_plan_satuan_must_be_the_kegiatan_satuan(world, stub, pb):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai, kegiatan=[
        {"kegiatan_id": "k-jtm", "nomor": 1, "nama": "Mengajar", "satuan": "jam tatap muka", "kuantitas": "720"}])
    me = world.token(nip)
    err = rpc_error(stub.SubmitActivity, m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id="k-jtm", uraian="mengajar kelas 7A", kuantitas="1", satuan="laporan")), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'laporan'" in err.details() and "'jam tatap muka'" in err.details() and "satuan" in err.details()
    assert not stub.ListActivities(m.ListActivitiesRequest(), metadata=me, timeout=5).activities
    err = rpc_error(stub.SubmitPlan, m.SubmitPlanRequest(kegiatan_id="k-jtm", uraian="mengajar", kuantitas="2",
                                                         satuan="dokumen"), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "'dokumen'" in err.details()
    # case and spacing forgiven, declared synonyms allowed: stored in the kegiatan's own spelling
    ok = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id="k-jtm", uraian="mengajar kelas 7B", kuantitas="2", satuan="  Jam  Tatap MUKA ")),
        metadata=me, timeout=5)
    assert ok.satuan == "jam tatap muka"
    err = rpc_error(stub.UpdateActivity, m.UpdateActivityRequest(activity_id=ok.activity_id, activity=m.ActivityInput(
        kegiatan_id="k-jtm", uraian="mengajar kelas 7B", kuantitas="2", satuan="berkas")), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "'berkas'" in err.details()
    assert stub.GetActivity(m.GetActivityRequest(activity_id=ok.activity_id), metadata=me,
                            timeout=5).satuan == "jam tatap muka"
    ok = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id="k-jtm", uraian="mengajar kelas 7C", kuantitas="2", satuan="JP")), metadata=me, timeout=5)
    assert ok.satuan == "jam tatap muka"


def test_cli_des_targets_show_and_set(world, des_service, test_keys, tmp_path, monkeypatch, capsys):
    import json
    import time as _time

    from ekinerja_cli.main import main
    nip, penilai = world.new_nip(), world.new_nip()
    year = world.today().year
    skp_id, _ = world.approve_skp(nip, penilai, start=dt.date(year, 10, 1), end=dt.date(year, 12, 31), kegiatan=[
        {"kegiatan_id": "k-cli", "nomor": 1, "nama": "Menyusun telaahan", "satuan": "dokumen", "kuantitas": "1"}])
    monkeypatch.setenv("EKINERJA_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "credentials.json").write_text(json.dumps({
        "access_token": test_keys.token(subject=nip, roles=["pegawai"], instansi="i-test"),
        "access_expires_at": _time.time() + 600, "nip": nip}))
    endpoint = ["--endpoint", f"des={des_service.target}"]
    assert main(endpoint + ["des", "targets", "show", "--skp", skp_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["targets"]
    assert [t["kuantitas"] for t in shown] == ["0.333", "0.333", "0.334"]
    code = main(endpoint + ["des", "targets", "set", "--skp", skp_id, "--kegiatan", "k-cli",
                            f"{year}-10=0,333", f"{year}-11=0.333", f"{year}-12=0.333"])
    assert code == 2 and "selisih 0,001" in capsys.readouterr().err
    assert main(endpoint + ["des", "targets", "set", "--skp", skp_id, "--kegiatan", "k-cli",
                            f"{year}-10=0", f"{year}-11=0,5", f"{year}-12=0.5"]) == 0
    out = capsys.readouterr().out
    assert "0.500 dokumen" in out and f"{year}-12" in out
    assert main(endpoint + ["des", "targets", "set", "--skp", skp_id, "--kegiatan", "k-cli", "2026-10"]) == 2
    assert "BULAN=JUMLAH" in capsys.readouterr().err
