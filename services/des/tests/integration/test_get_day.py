"""GetDay (the portal's "Hari ini" in one call): the day's plans and reports only, the month's targets of the SKP
covering the day with what was reported (every state but draft) and recognised (approved or locked, at
kuantitas_diakui) against each; the same readers as ListActivities; a bad date names its field."""
import datetime as dt
from decimal import Decimal

import grpc
import pytest
import sqlalchemy as sa

from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration


def rpc_error(fn, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as err:
        fn(*args, **kwargs)
    return err.value


def test_one_day_with_the_months_totals(world, stub, pb):
    m = pb[0]
    nip, penilai, stranger = world.new_nip(), world.new_nip(), world.new_nip()
    skp_id, _ = world.approve_skp(nip, penilai)
    me, boss = world.token(nip), world.token(penilai)
    today = world.today()
    k1, k2 = f"{skp_id}-k1", f"{skp_id}-k2"

    empty = stub.GetDay(m.GetDayRequest(), metadata=me, timeout=5)
    assert (empty.tanggal, empty.skp_id, list(empty.plans), list(empty.activities)) == (today.isoformat(), skp_id,
                                                                                         [], [])
    assert [(k.target.nomor, k.target.bulan, k.dilaporkan, k.diakui) for k in empty.kegiatan] == [
        (n, today.strftime("%Y-%m"), "0.000", "0.000") for n in (1, 2, 3)]

    plan = stub.SubmitPlan(m.SubmitPlanRequest(kegiatan_id=k2, uraian="laporan keuangan", kuantitas="2"),
                           metadata=me, timeout=5)

    def report(kegiatan, kuantitas, draft=False, tanggal=""):
        return stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
            kegiatan_id=kegiatan, uraian=f"bekerja {kuantitas}", kuantitas=kuantitas, menit=30, tanggal=tanggal),
            draft=draft), metadata=me, timeout=5)

    sent = report(k2, "3")
    report(k2, "5", draft=True)  # a draft is not reported yet
    approved = report(k1, "4")
    stub.ApproveActivities(m.ApproveActivitiesRequest(items=[m.ApproveItem(
        activity_id=approved.activity_id, kuantitas_diakui="2")]), metadata=boss, timeout=5)
    earlier = None
    if today.day > 1:  # another day of the same month: in the month's totals, not in the day's lists
        earlier = report(k2, "7", tanggal=(today - dt.timedelta(days=1)).isoformat())

    day = stub.GetDay(m.GetDayRequest(), metadata=me, timeout=5)
    assert [p.plan_id for p in day.plans] == [plan.plan_id]
    assert [a.kuantitas for a in day.activities] == ["3.00", "5.00", "4.00"]
    assert sent.activity_id in {a.activity_id for a in day.activities}
    totals = {k.target.kegiatan_id: (Decimal(k.dilaporkan), Decimal(k.diakui)) for k in day.kegiatan}
    assert totals[k1] == (Decimal(4), Decimal(2))
    assert totals[k2] == (Decimal(10 if earlier else 3), Decimal(0))

    # the penilai reads the same day by nip; someone unrelated is refused; so is a date that is no date
    by_boss = stub.GetDay(m.GetDayRequest(nip=nip, tanggal=today.isoformat()), metadata=boss, timeout=5)
    assert by_boss == day
    err = rpc_error(stub.GetDay, m.GetDayRequest(nip=nip), metadata=world.token(stranger), timeout=5)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = rpc_error(stub.GetDay, m.GetDayRequest(tanggal="kemarin"), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "tanggal" in err.details()
    if earlier:
        yesterday = stub.GetDay(m.GetDayRequest(tanggal=earlier.tanggal), metadata=me, timeout=5)
        assert [a.activity_id for a in yesterday.activities] == [earlier.activity_id] and not yesterday.plans


def test_no_skp_covering_the_day(world, stub, pb):
    m = pb[0]
    nip = world.new_nip()
    world.approve_skp(nip, world.new_nip())
    day = stub.GetDay(m.GetDayRequest(tanggal=f"{world.today().year - 3}-06-15"), metadata=world.token(nip),
                      timeout=5)
    assert (day.skp_id, list(day.kegiatan), list(day.activities)) == ("", [], [])


def test_answers_after_the_database_dropped_every_connection(world, stub, pb, des_db):
    """GetDay reads on pooled autocommit connections without a pre-ping (adapters/direct.py): as after a database
    restart, every one of them is gone, and the next page view is still answered (the read is run once more on a
    fresh connection) rather than failing."""
    m = pb[0]
    nip = world.new_nip()
    skp_id, _ = world.approve_skp(nip, world.new_nip())
    me = world.token(nip)
    for _ in range(3):
        assert stub.GetDay(m.GetDayRequest(), metadata=me, timeout=5).skp_id == skp_id
    engine = sa.create_engine(des_db)
    try:
        with engine.connect() as conn:
            dropped = [pid for (pid,) in conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
            assert dropped
            for pid in dropped:
                conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            wait_for(lambda: not conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                                              {"p": dropped}).scalar(), timeout=10)
    finally:
        engine.dispose()
    assert [stub.GetDay(m.GetDayRequest(), metadata=me, timeout=5).skp_id for _ in range(3)] == [skp_id] * 3
