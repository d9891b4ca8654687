"""CloseMonth (snapshot, idempotence, recap_closed through the outbox, later events) and the holiday calendar,
through the real recap process. February 2025, instansi i-7, unit u-7: X has an SKP (k1: 12 a year → 1 a month)
and one approved entry on 3 February; Y has no plan or report at all."""
import time

import grpc
import pytest
import recap_events as ev
import sqlalchemy as sa

from ekinerja_platform import testing

pytestmark = pytest.mark.integration

INST, OTHER_INST = "i-7", "i-8"
X, Y = "198801012010011001", "198902022011012002"
FEB = "2025-02-14"


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


@pytest.fixture(scope="module")
def loaded(publish):
    x = dict(nip=X, instansi_id=INST, unit_id="u-7", tanggal="2025-02-03", skp_id="s-x", kegiatan_id="k1")
    publish([ev.employee_registered(X, INST, "Xena"), ev.employee_registered(Y, INST, "Yudi"),
             ev.assignment_changed("as-x", X, INST, "j-7", "u-7", "2024-01-01", unit_nama="Bagian Tujuh"),
             ev.assignment_changed("as-y", Y, INST, "j-7", "u-7", "2024-01-01", unit_nama="Bagian Tujuh"),
             *ev.with_targets(ev.skp_approved("s-x", X, INST, "u-7", "j-7", "2025-01-01", "2025-12-31", None,
                                              [("k1", 12)])),
             ev.plan_submitted(X, INST, "u-7", "2025-02-03", "s-x", "k1", 1),
             ev.activity_submitted("x1", **x, kuantitas=1, version=1),
             ev.activity_reviewed("x1", **x, diakui=1, version=2)])


@pytest.fixture(scope="module")
def tokens(test_keys):
    token = test_keys.token
    return {"admin": testing.bearer(token(subject="admin-i7", roles=["admin_instansi"], instansi=INST)),
            "admin_other": testing.bearer(token(subject="admin-i8", roles=["admin_instansi"], instansi=OTHER_INST)),
            "bkn": testing.bearer(token(subject="bkn", roles=["admin_bkn"])),
            "X": testing.bearer(token(subject=X, roles=["pegawai"], instansi=INST)),
            "client": testing.bearer(token(subject="c-7", roles=["agency_client"], instansi=INST,
                                           scope="recap:read"))}


def _unit(stub, pb, tokens, snapshot):
    return stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-7", period=pb.PERIOD_MONTH, date=FEB,
                                                    snapshot=snapshot), metadata=tokens["admin"], timeout=10)


def _code(call):
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code(), err.value.details()


def test_close_month_snapshots_once_and_publishes_recap_closed(loaded, stub, pb, tokens, engine):
    code, details = _code(lambda: _unit(stub, pb, tokens, True))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and details.startswith("snapshot:")
    first = stub.CloseMonth(pb.CloseMonthRequest(instansi_id=INST, tahun=2025, bulan=2), metadata=tokens["admin"],
                            timeout=20)
    assert not first.already_closed and first.rows == 2 and first.employees == 2
    assert first.totals.reported == 1 and first.totals.recognised_qty == "1.00" and first.closed_by == "admin-i7"
    again = stub.CloseMonth(pb.CloseMonthRequest(instansi_id=INST, tahun=2025, bulan=2), metadata=tokens["bkn"],
                            timeout=20)
    assert again.already_closed and again.closed_at == first.closed_at and again.closed_by == "admin-i7"
    assert again.totals == first.totals and again.rows == 2
    deadline = time.monotonic() + 15
    while True:   # exactly one recap_closed, and the relay publishes it
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT payload, sent_at FROM outbox WHERE event_type = 'recap_closed'")).all()
        if rows and rows[0].sent_at is not None or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(rows) == 1 and rows[0].sent_at is not None
    assert rows[0].payload["data"] == {"instansi_id": INST, "tahun": 2025, "bulan": 2}
    assert rows[0].payload["producer"] == "recap" and rows[0].payload["instansi_id"] == INST


def test_later_events_change_the_live_recap_not_the_snapshot(loaded, stub, pb, tokens, publish):
    before = _unit(stub, pb, tokens, True)
    x = dict(nip=X, instansi_id=INST, unit_id="u-7", tanggal="2025-02-10", skp_id="s-x", kegiatan_id="k1")
    publish([ev.activity_submitted("x2", **x, kuantitas=2, version=1),
             ev.activity_reviewed("x2", **x, diakui=2, version=2)])
    live, snap = _unit(stub, pb, tokens, False), _unit(stub, pb, tokens, True)
    assert live.totals.reported == 2 and live.totals.recognised_qty == "3.00"
    assert snap == before and snap.totals.reported == 1
    rows = {row.nip: row for row in snap.rows}
    assert set(rows) == {X, Y} and rows[X].counters.achievement_pct == "100.00" and rows[X].nama == "Xena"
    assert {row.nip: row for row in live.rows}[X].counters.achievement_pct == "300.00"
    inst = stub.GetInstansiRecap(pb.GetInstansiRecapRequest(instansi_id=INST, period=pb.PERIOD_MONTH, date=FEB,
                                                            snapshot=True), metadata=tokens["admin"], timeout=10)
    assert inst.totals.reported == 1 and [r.unit_id for r in inst.rows] == ["u-7"]
    assert inst.rows[0].unit_nama == "Bagian Tujuh" and inst.totals.achievement_pct == "100.00"
    me = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=pb.PERIOD_MONTH, date=FEB, snapshot=True),
                               metadata=tokens["X"], timeout=10)
    assert me.counters.reported == 1 and me.counters.achievement_pct == "100.00" and len(me.by_unit) == 1
    code, details = _code(lambda: stub.GetUnitRecap(pb.GetUnitRecapRequest(
        unit_id="u-7", period=pb.PERIOD_YEAR, date=FEB, snapshot=True), metadata=tokens["admin"], timeout=10))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("snapshot:")


@pytest.mark.parametrize("caller, instansi, bulan, expected, field", [
    ("admin_other", INST, 1, grpc.StatusCode.PERMISSION_DENIED, "instansi_id"),
    ("X", INST, 1, grpc.StatusCode.PERMISSION_DENIED, "instansi_id"),
    ("client", INST, 1, grpc.StatusCode.PERMISSION_DENIED, "instansi_id"),
    ("admin", INST, 13, grpc.StatusCode.INVALID_ARGUMENT, "bulan"),
    ("admin", "", 1, grpc.StatusCode.INVALID_ARGUMENT, "instansi_id"),
])
def test_close_month_refusals(loaded, stub, pb, tokens, engine, caller, instansi, bulan, expected, field):
    code, details = _code(lambda: stub.CloseMonth(pb.CloseMonthRequest(instansi_id=instansi, tahun=2025,
                                                                       bulan=bulan), metadata=tokens[caller]))
    assert code == expected and details.startswith(f"{field}:")
    with engine.connect() as conn:   # and nothing changed
        assert conn.execute(sa.text("SELECT count(*) FROM month_closes WHERE bulan <> 2")).scalar() == 0


def test_a_month_that_has_not_ended_cannot_be_closed(loaded, stub, pb, tokens):
    from ekinerja_platform import clock
    today = clock.today()  # the service's month (WIB)
    code, details = _code(lambda: stub.CloseMonth(pb.CloseMonthRequest(instansi_id=INST, tahun=today.year,
                                                                       bulan=today.month), metadata=tokens["bkn"]))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and details.startswith("bulan:")


def _owed_days(stub, pb, tokens, nip):
    reply = stub.ListNoncompliance(pb.ListNoncomplianceRequest(instansi_id=INST, date_from="2025-02-03",
                                                               date_to="2025-02-07", page_size=1000),
                                   metadata=tokens["admin"], timeout=20)
    return ({r.tanggal[-2:] for r in reply.rows if r.nip == nip and r.kind == "no_plan"},
            {r.tanggal[-2:] for r in reply.rows if r.nip == nip and r.kind == "no_report"})


def test_holidays_are_skipped_by_compliance(loaded, stub, pb, tokens):
    assert _owed_days(stub, pb, tokens, Y) == ({"03", "04", "05", "06", "07"},) * 2
    set_ = lambda who, day, inst, remove=False: stub.SetHoliday(pb.SetHolidayRequest(  # noqa: E731
        holiday=pb.Holiday(tanggal=day, nama="Libur", instansi_id=inst), remove=remove), metadata=tokens[who])
    set_("bkn", "2025-02-04", "")                   # national
    set_("admin", "2025-02-05", INST)               # regional, this instansi
    set_("admin_other", "2025-02-06", OTHER_INST)   # regional, another instansi: not ours
    assert _owed_days(stub, pb, tokens, Y) == ({"03", "06", "07"},) * 2
    assert _owed_days(stub, pb, tokens, X) == ({"06", "07"}, {"06", "07"})
    listed = stub.ListHolidays(pb.ListHolidaysRequest(instansi_id=INST, date_from="2025-02-01",
                                                      date_to="2025-02-28"), metadata=tokens["X"])
    assert [(h.tanggal, h.instansi_id) for h in listed.holidays] == [("2025-02-04", ""), ("2025-02-05", INST)]
    assert set_("admin", "2025-02-05", INST, remove=True).removed
    assert _owed_days(stub, pb, tokens, Y) == ({"03", "05", "06", "07"},) * 2


@pytest.mark.parametrize("caller, tanggal, instansi, nama, expected, field", [
    ("admin", "2025-02-10", "", "Libur", grpc.StatusCode.PERMISSION_DENIED, "holiday.instansi_id"),
    ("admin", "2025-02-10", OTHER_INST, "Libur", grpc.StatusCode.PERMISSION_DENIED, "holiday.instansi_id"),
    ("X", "2025-02-10", INST, "Libur", grpc.StatusCode.PERMISSION_DENIED, "holiday.instansi_id"),
    ("bkn", "2025-2-10", "", "Libur", grpc.StatusCode.INVALID_ARGUMENT, "holiday.tanggal"),
    ("bkn", "2025-02-10", "", "", grpc.StatusCode.INVALID_ARGUMENT, "holiday.nama"),
])
def test_set_holiday_refusals_change_nothing(loaded, stub, pb, tokens, engine, caller, tanggal, instansi, nama,
                                             expected, field):
    code, details = _code(lambda: stub.SetHoliday(pb.SetHolidayRequest(
        holiday=pb.Holiday(tanggal=tanggal, nama=nama, instansi_id=instansi)), metadata=tokens[caller]))
    assert code == expected and details.startswith(f"{field}:")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM holidays WHERE tanggal = '2025-02-10'")).scalar() == 0
