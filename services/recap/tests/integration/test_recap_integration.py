"""recap against real PostgreSQL and RabbitMQ: events in, recap numbers out, through the real service process.

Scenario (March 2025, instansi i-1): A moves from unit u-a to u-b on 15 March; B is on leave 10-14 March; C retires
on 17 March; P is the penilai in u-a, Q in u-b. Events arrive out of order and one is redelivered.
"""
import io
import subprocess
import sys

import grpc
import pytest
import recap_events as ev
import sqlalchemy as sa

from ekinerja_platform import testing

pytestmark = pytest.mark.integration

INST = "i-1"
A, B, C, P, Q = ("198001012005011001", "198102022006012002", "196001011985031003", "197503032000031004",
                 "197404042001011005")
OTHER = "199001012015031009"  # in another instansi


def scenario():
    out = [ev.employee_registered(nip, INST, nama) for nip, nama in
           ((A, "Ani"), (B, "Budi"), (C, "Citra"), (P, "Putu"), (Q, "Qori"))]
    out += [ev.employee_registered(OTHER, "i-2", "Lain"),
            ev.position_changed("j-a", INST, "u-a", unit_nama="Bagian Umum"),
            ev.position_changed("j-b", INST, "u-b", unit_nama="Bagian Keuangan"),
            ev.assignment_changed("as-a1", A, INST, "j-a", "u-a", "2025-01-01", "2025-03-14", penilai=P,
                                  unit_nama="Bagian Umum"),
            ev.assignment_changed("as-a2", A, INST, "j-b", "u-b", "2025-03-15", None, penilai=Q,
                                  unit_nama="Bagian Keuangan"),
            ev.assignment_changed("as-b", B, INST, "j-a", "u-a", "2024-01-01", None, penilai=P,
                                  unit_nama="Bagian Umum"),
            ev.assignment_changed("as-c", C, INST, "j-a", "u-a", "2010-01-01", None, penilai=Q,
                                  unit_nama="Bagian Umum"),
            ev.assignment_changed("as-p", P, INST, "j-p", "u-a", "2020-01-01", None, penilai=None,
                                  unit_nama="Bagian Umum"),
            ev.assignment_changed("as-o", OTHER, "i-2", "j-x", "u-x", "2020-01-01", None, penilai=None),
            ev.status_changed(B, INST, "aktif", "cuti", "2025-03-10", "2025-03-14"),
            ev.status_changed(C, INST, "aktif", "pensiun", "2025-03-17", None),
            *ev.with_targets(
                ev.skp_approved("s-a1", A, INST, "u-a", "j-a", "2025-01-01", "2025-03-14", P, [("k1", 12)]),
                ev.skp_approved("s-a2", A, INST, "u-b", "j-b", "2025-03-15", "2025-12-31", Q, [("k1", 20)]),
                ev.skp_approved("s-b", B, INST, "u-a", "j-a", "2025-01-01", "2025-12-31", P, [("k1", 24)]))]
    a = dict(nip=A, instansi_id=INST)
    reviewed_a1 = ev.activity_reviewed("a1", **a, unit_id="u-a", tanggal="2025-03-03", skp_id="s-a1",
                                       kegiatan_id="k1", diakui=2, reviewer=P, version=2)
    out += [ev.activity_submitted("a1", **a, unit_id="u-a", tanggal="2025-03-03", skp_id="s-a1", kegiatan_id="k1",
                                  kuantitas=2, penilai=P, version=1),
            reviewed_a1, reviewed_a1,  # redelivered
            ev.activity_submitted("a2", **a, unit_id="u-a", tanggal="2025-03-04", skp_id="s-a1", kegiatan_id="k1",
                                  kuantitas=1, penilai=P, version=1),
            # a3: the review and the lock overtake the submission
            ev.period_locked(A, INST, "s-a2", ["a3"], "2025-03-17"),
            ev.activity_reviewed("a3", **a, unit_id="u-b", tanggal="2025-03-17", skp_id="s-a2", kegiatan_id="k1",
                                 diakui=1, reviewer=Q, version=2),
            ev.activity_submitted("a3", **a, unit_id="u-b", tanggal="2025-03-17", skp_id="s-a2", kegiatan_id="k1",
                                  kuantitas=2, penilai=Q, version=1),
            ev.activity_submitted("a4", **a, unit_id="u-b", tanggal="2025-03-18", skp_id="s-a2", kegiatan_id="k1",
                                  kuantitas=1, proses=True, penilai=Q, version=1),
            ev.activity_reviewed("a4", **a, unit_id="u-b", tanggal="2025-03-18", skp_id="s-a2", kegiatan_id="k1",
                                 diakui=1, proses=True, reviewer=Q, version=2),
            ev.activity_submitted("b1", nip=B, instansi_id=INST, unit_id="u-a", tanggal="2025-03-03", skp_id="s-b",
                                  kegiatan_id="k1", kuantitas=3, penilai=P, version=1),
            ev.activity_reviewed("b1", nip=B, instansi_id=INST, unit_id="u-a", tanggal="2025-03-03", skp_id="s-b",
                                 kegiatan_id="k1", diakui=3, reviewer=P, version=2),
            ev.monthly_quality_set("s-a2", A, INST, "k1", 2025, 3, "90")]
    out += [ev.plan_submitted(A, INST, unit, day, "s-a1" if unit == "u-a" else "s-a2", "k1", 1)
            for unit, day in (("u-a", "2025-03-03"), ("u-a", "2025-03-04"), ("u-b", "2025-03-17"),
                              ("u-b", "2025-03-18"))]
    out += [ev.skp_scored(f"s-{n}", n, INST, "u-a", 2025, P, 95) for n in ("x1", "x2")]
    out += [ev.skp_scored(f"s-{n}", n, INST, "u-a", 2025, Q, 70) for n in ("y1", "y2")]
    return out


@pytest.fixture(scope="module")
def loaded(publish):
    publish(scenario())


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


@pytest.fixture(scope="module")
def tokens(test_keys):
    return {
        "A": testing.bearer(test_keys.token(subject=A, roles=["pegawai"], instansi=INST)),
        "B": testing.bearer(test_keys.token(subject=B, roles=["pegawai"], instansi=INST)),
        "P": testing.bearer(test_keys.token(subject=P, roles=["pegawai"], instansi=INST)),
        "admin": testing.bearer(test_keys.token(subject="admin-i1", roles=["admin_instansi"], instansi=INST)),
        "admin_other": testing.bearer(test_keys.token(subject="admin-i2", roles=["admin_instansi"], instansi="i-2")),
        "bkn": testing.bearer(test_keys.token(subject="bkn", roles=["admin_bkn"])),
        "operator": testing.bearer(test_keys.token(subject="ops", roles=["operator"])),
    }


MARCH = "2025-03-20"


def test_unit_recaps_count_a_moved_employee_in_the_right_unit(loaded, stub, pb, tokens):
    u_a = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-a", period=pb.PERIOD_MONTH, date=MARCH),
                            metadata=tokens["admin"], timeout=10)
    rows = {row.nip: row.counters for row in u_a.rows}
    assert set(rows) == {A, B, C, P}          # C and P are assigned there without counters
    assert (rows[A].reported, rows[A].approved, rows[A].recognised_qty, rows[A].pending) == (2, 1, "2.00", 1)
    assert rows[A].plans == 2 and rows[A].oldest_pending_days > 300
    assert (rows[B].reported, rows[B].approved, rows[B].recognised_qty) == (1, 1, "3.00")
    assert u_a.totals.reported == 3 and u_a.totals.recognised_qty == "5.00" and u_a.employees == 4
    assert u_a.unit_nama == "Bagian Umum"
    u_b = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-b", period=pb.PERIOD_MONTH, date=MARCH),
                            metadata=tokens["admin"], timeout=10)
    rows = {row.nip: row.counters for row in u_b.rows}
    assert set(rows) == {A}
    # a3 (locked, recognised 1 though submitted as 2) and a4 (proses: counts for the month)
    assert (rows[A].reported, rows[A].approved, rows[A].recognised_qty, rows[A].reported_qty) == (2, 2, "2.00", "3.00")


def test_employee_recap_month_and_year_with_targets(loaded, stub, pb, tokens):
    month = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=pb.PERIOD_MONTH, date=MARCH),
                                  metadata=tokens["A"], timeout=10)
    assert month.nip == A and month.nama == "Ani" and month.period_key == "2025-03"
    assert {row.unit_id: row.counters.reported for row in month.by_unit} == {"u-a": 2, "u-b": 2}
    assert month.counters.recognised_qty == "4.00"
    # s-a1: 2 of 12/3 = 4 → 50 %; s-a2: 2 of 20/10 = 2 → 100 %; mean 75 %
    assert month.counters.achievement_pct == "75.00"
    kegiatan = {k.skp_id: k for k in month.kegiatan}
    assert kegiatan["s-a2"].target_qty == "2.00" and kegiatan["s-a2"].kualitas == "90.00"
    year = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=A, period=pb.PERIOD_YEAR, date=MARCH),
                                 metadata=tokens["A"], timeout=10)
    # a4 is "proses": it counts for March, not for the year; 2/12 and 1/20 → (16.67 + 5) / 2
    assert year.counters.recognised_qty == "3.00"
    assert year.counters.achievement_pct == "10.83"
    day = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=pb.PERIOD_DAY, date="2025-03-17"),
                                metadata=tokens["A"], timeout=10)
    assert (day.counters.reported, day.counters.approved, day.counters.recognised_qty) == (1, 1, "1.00")
    week = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(period=pb.PERIOD_WEEK, date="2025-03-19"),
                                 metadata=tokens["A"], timeout=10)
    assert week.period_key == "2025-W12" and week.counters.reported == 2


def test_noncompliance_excludes_leave_and_retirement_and_follows_the_move(loaded, stub, pb, tokens):
    reply = stub.ListNoncompliance(pb.ListNoncomplianceRequest(
        instansi_id=INST, unit_id="u-a", date_from="2025-03-03", date_to="2025-03-21", page_size=1000),
        metadata=tokens["admin"], timeout=20)
    by = {}
    for row in reply.rows:
        by.setdefault((row.nip, row.kind), []).append(row)
    a_days = {r.tanggal for r in by[(A, "no_plan")]}
    # A owes u-a only until the move (14 March); planned 3 and 4 March
    assert a_days == {f"2025-03-{d:02d}" for d in (5, 6, 7, 10, 11, 12, 13, 14)}
    b_plan = {r.tanggal for r in by[(B, "no_plan")]}
    assert len(b_plan) == 10 and not b_plan & {f"2025-03-{d}" for d in range(10, 15)}   # leave excluded
    assert "2025-03-03" not in {r.tanggal for r in by[(B, "no_report")]} and len(by[(B, "no_report")]) == 9
    assert {r.tanggal for r in by[(C, "no_report")]} == {f"2025-03-{d:02d}" for d in range(3, 8)} | \
        {f"2025-03-{d:02d}" for d in range(10, 15)}                                      # retired from 17 March
    assert reply.excluded_employee_days == 10
    assert (P, "skp_not_approved") in by and (A, "skp_not_approved") not in by
    backlog = by[(P, "review_backlog")][0]
    assert backlog.count == 1 and backlog.age_days > 300


def test_pagination_returns_every_row_once(loaded, stub, pb, tokens):
    seen, token = [], ""
    while True:
        page = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-a", period=pb.PERIOD_MONTH, date=MARCH,
                                                        page_size=3, page_token=token),
                                 metadata=tokens["admin"], timeout=10)
        seen += [row.nip for row in page.rows]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted({A, B, C, P}) and len(seen) == 4
    with pytest.raises(grpc.RpcError) as err:
        stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-b", period=pb.PERIOD_MONTH, date=MARCH, page_size=3,
                                                 page_token=page.next_page_token or "bm90LWEtdG9rZW4="),
                          metadata=tokens["admin"], timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and err.value.details().startswith("page_token:")


@pytest.mark.parametrize("request_fields, field", [
    ({"unit_id": "u-a", "period": 0}, "period"),
    ({"unit_id": "u-a", "period": 3, "date": "2025-3-1"}, "date"),
    ({"unit_id": "", "period": 3}, "unit_id"),
    ({"unit_id": "u-a", "period": 3, "page_size": 5000}, "page_size"),
])
def test_bad_input_is_invalid_argument_naming_the_field(loaded, stub, pb, tokens, request_fields, field):
    with pytest.raises(grpc.RpcError) as err:
        stub.GetUnitRecap(pb.GetUnitRecapRequest(**request_fields), metadata=tokens["admin"], timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith(f"{field}:")


OK, DENIED = "ok", "denied"
MATRIX = [
    # caller, rpc, target, expected
    ("A", "employee", A, OK), ("A", "employee", B, DENIED),
    ("P", "employee", A, OK), ("P", "employee", B, OK), ("P", "employee", C, DENIED),
    ("admin", "employee", C, OK), ("admin_other", "employee", A, DENIED), ("bkn", "employee", OTHER, OK),
    ("operator", "employee", A, DENIED),
    ("admin", "unit", "u-a", OK), ("admin_other", "unit", "u-a", DENIED), ("bkn", "unit", "u-x", OK),
    ("operator", "unit", "u-a", "totals_only"), ("P", "unit", "u-a", "subordinates"),
    ("A", "instansi", INST, DENIED), ("admin", "instansi", INST, OK), ("admin_other", "instansi", INST, DENIED),
    ("operator", "instansi", INST, OK), ("bkn", "instansi", INST, OK),
    ("admin", "noncompliance", INST, OK), ("operator", "noncompliance", INST, DENIED), ("P", "noncompliance", INST,
                                                                                 "subordinates"),
    ("admin_other", "noncompliance", INST, DENIED),
    ("admin", "advice", INST, OK), ("operator", "advice", INST, "impersonal"), ("A", "advice", INST, DENIED),
    ("admin", "chart_unit", "u-a", OK), ("A", "chart_unit", "u-a", DENIED), ("B", "chart_nip", A, DENIED),
    ("P", "chart_nip", A, OK),
]


@pytest.mark.parametrize("caller, rpc, target, expected", MATRIX)
def test_authorisation_matrix(loaded, stub, pb, tokens, caller, rpc, target, expected):
    calls = {
        "employee": lambda: stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=target, period=pb.PERIOD_MONTH,
                                                                             date=MARCH), metadata=tokens[caller]),
        "unit": lambda: stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id=target, period=pb.PERIOD_MONTH, date=MARCH),
                                          metadata=tokens[caller]),
        "instansi": lambda: stub.GetInstansiRecap(pb.GetInstansiRecapRequest(instansi_id=target,
                                                                             period=pb.PERIOD_MONTH, date=MARCH),
                                                  metadata=tokens[caller]),
        "noncompliance": lambda: stub.ListNoncompliance(pb.ListNoncomplianceRequest(
            instansi_id=target, date_from="2025-03-03", date_to="2025-03-07", page_size=1000),
            metadata=tokens[caller]),
        "advice": lambda: stub.GetRecommendations(pb.GetRecommendationsRequest(instansi_id=target, tahun=2025,
                                                                               bulan=3), metadata=tokens[caller]),
        "chart_unit": lambda: stub.RenderChart(pb.RenderChartRequest(unit_id=target, tahun=2025),
                                               metadata=tokens[caller]),
        "chart_nip": lambda: stub.RenderChart(pb.RenderChartRequest(nip=target, tahun=2025), metadata=tokens[caller]),
    }
    if expected == DENIED:
        with pytest.raises(grpc.RpcError) as err:
            calls[rpc]()
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        return
    reply = calls[rpc]()
    if expected == "totals_only":
        assert len(reply.rows) == 0 and reply.totals.reported == 3 and reply.employees == 4
    elif expected == "subordinates":
        nips = {row.nip for row in reply.rows}
        assert nips and nips <= {A, B, P} and C not in nips
    elif expected == "impersonal":
        assert reply.recommendations and all(r.subject in {"u-a", "u-b", "j-a", "j-b", "j-p", "j-x"}
                                             for r in reply.recommendations)
    if rpc == "unit" and expected == OK and target == "u-a":
        assert len(reply.rows) == 4


def test_recommendations_carry_their_numbers(loaded, stub, pb, tokens):
    reply = stub.GetRecommendations(pb.GetRecommendationsRequest(instansi_id=INST, tahun=2025, bulan=3),
                                    metadata=tokens["admin"], timeout=20)
    by_kind = {}
    for r in reply.recommendations:
        by_kind.setdefault(r.kind, {})[r.subject] = r
    assert by_kind["review_backlog"][P].numbers["entries"] == "1"
    assert "j-p" in by_kind["position_without_approved_skp"]
    lenient, severe = by_kind["appraiser_lenient"][P], by_kind["appraiser_severe"][Q]
    assert lenient.numbers["mean_score"] == "95.00" and lenient.numbers["peer_mean_score"] == "70.00"
    assert severe.numbers["difference"] == "-25.00"


def test_instansi_recap_and_exports(loaded, stub, pb, tokens, tmp_path):
    reply = stub.GetInstansiRecap(pb.GetInstansiRecapRequest(instansi_id=INST, period=pb.PERIOD_MONTH, date=MARCH),
                                  metadata=tokens["admin"], timeout=10)
    rows = {row.unit_id: row for row in reply.rows}
    assert rows["u-a"].counters.reported == 3 and rows["u-b"].counters.reported == 2
    assert rows["u-a"].unit_nama == "Bagian Umum" and reply.totals.reported == 5
    csv_reply = stub.ExportRecap(pb.ExportRecapRequest(unit_id="u-a", period=pb.PERIOD_MONTH, date=MARCH,
                                                       format=pb.EXPORT_FORMAT_CSV), metadata=tokens["admin"])
    lines = csv_reply.content.decode().splitlines()
    assert lines[0].startswith("key,nama,unit_id") and len(lines) == 1 + 4 + 1
    assert any(line.startswith(f"{A},Ani,u-a") for line in lines) and lines[-1].startswith("TOTAL")
    xlsx = stub.ExportRecap(pb.ExportRecapRequest(instansi_id=INST, period=pb.PERIOD_MONTH, date=MARCH,
                                                  format=pb.EXPORT_FORMAT_XLSX), metadata=tokens["admin"])
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "key" and values[-1][0] == "TOTAL" and values[-1][6] == 5   # reported
    chart = stub.RenderChart(pb.RenderChartRequest(nip=A, tahun=2025), metadata=tokens["A"])
    assert chart.png.startswith(b"\x89PNG") and chart.achievement_pct[2] == "75.00"
    (tmp_path / "chart.png").write_bytes(chart.png)


def _snapshot(engine):
    tables = ["employee_counters", "kegiatan_counters", "activities", "plans", "employees", "status_spans",
              "assignments", "positions", "units", "skps", "skp_kegiatan", "skp_scores", "monthly_quality"]
    out = {}
    with engine.connect() as conn:
        for name in tables:
            rows = conn.execute(sa.text(f"SELECT * FROM {name}")).all()
            out[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def test_rebuild_from_the_event_log_equals_the_live_projection(loaded, engine, recap_env):
    live = _snapshot(engine)
    assert live["employee_counters"]
    with engine.begin() as conn:   # damage the projection: a rebuild must restore it
        conn.execute(sa.text("UPDATE employee_counters SET reported = reported + 7"))
        conn.execute(sa.text("DELETE FROM assignments"))
    for _ in range(2):  # idempotent: twice gives the same
        result = subprocess.run([sys.executable, "-m", "recap", "rebuild"], env={**__import__("os").environ,
                                **recap_env}, capture_output=True, text=True, timeout=120, cwd=str(testing.REPO_ROOT))
        assert result.returncode == 0, result.stderr
        assert "rebuilt projections from" in result.stdout
        assert _snapshot(engine) == live


def test_cli_me_export_and_chart(loaded, recap, test_keys, tmp_path, monkeypatch, capsys):
    import json
    import time as _time

    from ekinerja_cli.main import main
    monkeypatch.setenv("EKINERJA_CONFIG_DIR", str(tmp_path))
    (tmp_path / "credentials.json").write_text(json.dumps({
        "access_token": test_keys.token(subject=A, roles=["pegawai"], instansi=INST),
        "access_expires_at": _time.time() + 600, "nip": A}))
    endpoint = ["--endpoint", f"recap={recap.target}"]
    assert main(endpoint + ["recap", "me", "--period", "month", "--date", MARCH, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counters"]["achievement_pct"] == "75.00" and data["counters"]["reported"] == "4"
    assert main(endpoint + ["recap", "chart", "--tahun", "2025", "--out", str(tmp_path / "me.png")]) == 0
    assert (tmp_path / "me.png").read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()
    # a pegawai may not export the instansi: exit code 1 and one error line
    code = main(endpoint + ["recap", "export", "--instansi", INST, "--csv", "--out", str(tmp_path / "x.csv")])
    assert code == 1 and "tidak berwenang" in capsys.readouterr().err
    assert main(endpoint + ["recap", "me", "--period", "month", "--date", "2025-13-01"]) == 2


def test_unit_recap_reads_only_its_units_counter_rows(loaded, engine):
    """The unit's counter rows are read by their primary key, not every counter row of the period (the country's, at
    national scale): the unit subtree is read first. Index scans forced so that the tiny test tables plan as the
    national ones would."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    with Session(engine) as session:
        session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        recap = queries.unit_recap(session, "u-a", "month", dt.date(2025, 3, 20), dt.date(2026, 1, 1))
        # heap rows fetched through any index of the table in this transaction (seq scans are off)
        read = session.execute(sa.text(
            "SELECT sum(pg_stat_get_xact_tuples_fetched(i.indexrelid)) FROM pg_index i "
            "WHERE i.indrelid = 'employee_counters'::regclass")).scalar()
        own = session.execute(sa.text("SELECT count(*) FROM employee_counters WHERE unit_id = 'u-a' AND "
                                      "kind = 'month' AND period_key = '2025-03'")).scalar()
        others = session.execute(sa.text("SELECT count(*) FROM employee_counters WHERE unit_id <> 'u-a' AND "
                                         "kind = 'month' AND period_key = '2025-03'")).scalar()
        session.rollback()
    assert recap["rows"] and own and others   # the period has other units' rows to skip
    assert read == own, (read, own, others)


def test_unit_recap_reads_the_maintained_achievement_which_equals_the_formula(loaded, engine):
    """No target or kegiatan counter is read at query time; what is read equals the Python formula exactly."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    seen = []

    def record(conn, cursor, statement, *rest):
        seen.append(statement)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            recap = queries.unit_recap(session, "u-a", "month", dt.date(2025, 3, 20), dt.date(2026, 1, 1))
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert {line.key: str(line.achievement) for line in recap["rows"] if line.achievement is not None}
    assert not [s for s in seen if "kegiatan_counters" in s or "skp_kegiatan" in s], seen
    # the unit subtree (read first, so the counters are reached by their primary key), counters, assignments,
    # achievement, oldest pending, names, unit name
    assert len(seen) <= 7, seen
    with Session(engine) as session:
        for kind, day in (("month", dt.date(2025, 3, 1)), ("year", dt.date(2025, 3, 1)),
                          ("month", dt.date(2025, 1, 1)), ("month", dt.date(2025, 12, 1))):
            maintained = queries.achievements(session, [A, B, C, P], kind, day)
            computed = queries.computed_achievements(session, [A, B, C, P], kind, day)
            # PostgreSQL's numeric mean keeps 16 decimals, Python's context 28 significant digits
            assert {n: round(v, 12) for n, v in maintained.items()} == \
                {n: round(v, 12) for n, v in computed.items() if v is not None}, (kind, day)


def _reference_unit_recap(engine, pb, unit_id, kind, caller):
    """GetUnitRecap's answer built the way it was before `queries.unit_page`: every member as a `Line`
    (`queries.unit_recap`), mapped by `api._row` / `api._counters`."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    from recap.adapters.repositories import SqlRelations
    from recap.application import recaps
    from recap.domain.periods import period_bounds
    from recap.entrypoints import grpc_api as api
    day = dt.date(2025, 3, 20)
    with Session(engine) as session:
        visible = None
        if caller == "P":
            visible = SqlRelations(session).subordinates(P, *period_bounds(kind, day)) | {P}
        recap = queries.unit_recap(session, unit_id, kind, day, recaps.today(), visible)
    rows = [] if caller == "operator" else [api._row(recaps.for_period(line, kind)) for line in recap["rows"]]
    return (rows, api._counters(recaps.for_period(recap["total"], kind)), recap["total"].employees,
            recap["unit_nama"])


@pytest.mark.parametrize("unit_id, period, caller", [
    ("u-a", "PERIOD_MONTH", "admin"), ("u-b", "PERIOD_MONTH", "admin"), ("u-a", "PERIOD_YEAR", "admin"),
    ("u-b", "PERIOD_YEAR", "admin"), ("u-a", "PERIOD_WEEK", "admin"), ("u-b", "PERIOD_DAY", "admin"),
    ("u-a", "PERIOD_MONTH", "P"), ("u-a", "PERIOD_YEAR", "operator"), ("u-kosong", "PERIOD_MONTH", "bkn")])
@pytest.mark.parametrize("page_size", [1, 3, 4, 1000])
def test_unit_recap_pages_equal_the_line_by_line_recap(loaded, engine, stub, pb, tokens, unit_id, period, caller,
                                                       page_size):
    """The page-at-a-time statement (`queries.unit_page`) answers exactly what every member's `Line` answered: the
    rows, their order, the totals, the member count, and a token on every page but the last, whatever the page size
    (4 members in u-a: size 4 ends on a page boundary)."""
    kind = {"PERIOD_MONTH": "month", "PERIOD_YEAR": "year", "PERIOD_WEEK": "week", "PERIOD_DAY": "day"}[period]
    rows, totals, employees, unit_nama = _reference_unit_recap(engine, pb, unit_id, kind, caller)
    date = MARCH if kind != "day" else "2025-03-17"
    if kind == "day":
        rows, totals, employees, unit_nama = _reference_unit_recap_on(engine, pb, unit_id, caller)
    seen, token, pages = [], "", 0
    while True:
        page = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id=unit_id, period=getattr(pb, period), date=date,
                                                        page_size=page_size, page_token=token),
                                 metadata=tokens[caller], timeout=10)
        pages += 1
        seen += list(page.rows)
        assert page.totals == totals and page.employees == employees and page.unit_nama == unit_nama
        assert len(page.rows) <= page_size
        token = page.next_page_token
        if not token:
            break
    assert seen == rows
    assert pages == max(1, -(-len(rows) // page_size))


def _reference_unit_recap_on(engine, pb, unit_id, caller):
    """`_reference_unit_recap` for the day 2025-03-17 (A's first day counted in u-b)."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    from recap.application import recaps
    from recap.entrypoints import grpc_api as api
    with Session(engine) as session:
        recap = queries.unit_recap(session, unit_id, "day", dt.date(2025, 3, 17), recaps.today())
    return ([api._row(line) for line in recap["rows"]], api._counters(recap["total"]),
            recap["total"].employees, recap["unit_nama"])


def test_unit_recap_page_keeps_a_moved_employees_pending_work_elsewhere(loaded, stub, pb, tokens):
    """A moved from u-a to u-b; her entry a2 still waits in u-a. u-b's counters show no pending work for her, yet
    her line there shows the age of her oldest waiting entry of the month, as the employee recap does: the age is
    the employee's, not the unit's (so it cannot be skipped for lines whose counters show `pending` = 0)."""
    u_b = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-b", period=pb.PERIOD_MONTH, date=MARCH),
                            metadata=tokens["admin"], timeout=10)
    (row,) = u_b.rows
    assert row.nip == A and row.counters.pending == 0 and row.counters.oldest_pending_days > 300
    assert u_b.totals.oldest_pending_days == row.counters.oldest_pending_days
    assert row.nama == "Ani" and row.unit_id == "u-b" and row.counters.achievement_pct


def test_unit_page_is_two_statements(loaded, engine):
    """The subtree, then one statement for the page and the total: no statement per member or per lookup."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    seen = []

    def record(conn, cursor, statement, *rest):
        seen.append(statement)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            page = queries.unit_page(session, "u-a", "month", dt.date(2025, 3, 20), dt.date(2026, 1, 1), None, 1, 2)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert [row[0] for row in page["rows"]] == sorted([A, B, C, P])[1:3] and page["members"] == 4
    assert len(seen) == 2, seen
    from recap.entrypoints import grpc_api as api
    api._shown_counters(page["total"][3:])   # every cell has the protobuf field's type
    assert [api._shown_counters(row[3:]).pending for row in page["rows"]] == [0, 1]   # P, then A (a2)


def test_unit_page_reads_only_its_members_names_and_achievements(loaded, engine):
    """A unit of 1,000 among 20,000 employees: the page reads its members' rows of `employees` and
    `employee_achievement`, not the country's (as joins, the planner hashed both whole tables: 5.6 M rows
    nationally). Rolled back afterwards."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from recap.adapters import queries_sql as queries
    with Session(engine) as session:
        session.execute(sa.text(
            "INSERT INTO employees (nip, nama, instansi_id, status) SELECT 'x' || g, 'Pegawai ' || g, 'i-x', 'aktif' "
            "FROM generate_series(1, 20000) g; "
            "INSERT INTO employee_achievement (nip, kind, period_key, achievement) "
            "SELECT 'x' || g, 'month', '2025-03', g / 7.0 FROM generate_series(1, 20000) g; "
            "INSERT INTO assignments (assignment_id, nip, instansi_id, jabatan_id, unit_id, start_date, version) "
            "SELECT 'as-x' || g, 'x' || g, 'i-x', 'j-x', 'u-besar', '2025-01-01', 1 FROM generate_series(1, 1000) g; "
            "ANALYZE employees; ANALYZE employee_achievement; ANALYZE assignments"))

        def reads():
            """Rows read by sequential and bitmap scans of each table and fetched through any of its indexes, as
            the backend has counted them so far (a difference: counts not yet flushed from earlier work remain)."""
            return {table: session.execute(sa.text(
                "SELECT pg_stat_get_xact_tuples_returned(CAST(:t AS regclass)) "
                "+ pg_stat_get_xact_tuples_fetched(CAST(:t AS regclass)) + (SELECT sum("
                "pg_stat_get_xact_tuples_fetched(i.indexrelid)) FROM pg_index i "
                "WHERE i.indrelid = CAST(:t AS regclass))"), {"t": table}).scalar()
                for table in ("employees", "employee_achievement")}
        before = reads()
        page = queries.unit_page(session, "u-besar", "month", dt.date(2025, 3, 20), dt.date(2026, 1, 1), None, 0,
                                 1000)
        read = {table: count - before[table] for table, count in reads().items()}
        session.rollback()
    shown = {row[0]: row[14] for row in page["rows"]}
    assert len(shown) == 1000 and page["members"] == 1000 and (shown["x7"], shown["x1000"]) == ("1.00", "142.86")
    assert read == {"employees": 1000, "employee_achievement": 1000}, read
