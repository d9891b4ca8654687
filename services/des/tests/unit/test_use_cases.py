"""des's converted use cases on the in-memory unit of work (des_fakes.py): no PostgreSQL, no broker.

`monthly_targets.publish` (the `monthly_targets_set` event of an SKP's split) and `quick.submit_text` (one SMS-like
line → a report or a plan; the report rules are activities.py's, in test_use_cases_activities.py, the plan rules
plans.py's, in test_plans.py); here the tests check what these use cases decide: which event with which revision
and months, which line records what for which day, that a refusal is an Indonesian reply and leaves nothing
behind, who may call.
Checked failing: with `uow.record` removed from `publish`, the revision taken before instead of from
`next_revision`, `savepoint()` replaced by a null context in `submit_text`, and `authorize` dropped from it.
`instansi_settings.set_entry_window`: checked failing with `authorize`, the 0-28 check or `forget_contexts` dropped.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import instansi_settings, monthly_targets, quick
from des.domain.quick_entry import Kegiatan
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unauthenticated
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
ADMIN = Principal("admin-1", ("admin_instansi",), instansi_id="pemkot-bogor")
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 14 May
TODAY = dt.date(2026, 5, 14)
KEGIATAN = [Kegiatan("k1", 1, "Menyusun konsep surat", "konsep"),
            Kegiatan("k2", 2, "Menyusun laporan keuangan", "laporan")]


@pytest.fixture
def uow():
    return FakeDesUnitOfWork()



# -- monthly_targets.publish ----------------------------------------------------------------------------------------

def with_document(uow, skp_id="skp-1"):
    uow.targets.add(NIP, skp_id, dt.date(2026, 3, 1), dt.date(2026, 12, 31), kegiatan={
        "k1": ("konsep", "10", {(2026, m): "1" for m in range(3, 13)}),
        "k2": ("laporan", "5", {(2026, 3): "5"})})
    return skp_id


def test_publish_records_the_whole_split_of_the_year_with_zero_outside_the_period(uow):
    with uow:
        monthly_targets.publish(uow, NIP, with_document(uow))
    [event] = uow.events
    assert (event.event_type, event.nip, event.instansi_id) == ("monthly_targets_set", NIP, "pemkot-bogor")
    data = event.data
    assert (data["skp_id"], data["period_start"], data["period_end"]) == ("skp-1", "2026-03-01", "2026-12-31")
    assert data["revision"] == 1
    k1, k2 = data["kegiatan"]
    assert (k1["kegiatan_id"], k1["satuan"], k1["kuantitas"]) == ("k1", "konsep", "10.000")
    assert [(m["bulan"], m["kuantitas"]) for m in k1["months"]] == \
        [(1, "0.000"), (2, "0.000")] + [(m, "1.000") for m in range(3, 13)]
    assert [m["kuantitas"] for m in k2["months"]] == ["0.000", "0.000", "5.000"] + ["0.000"] * 9


def test_each_publication_carries_a_higher_revision(uow):
    skp_id = with_document(uow)
    with uow:
        monthly_targets.publish(uow, NIP, skp_id)
        monthly_targets.publish(uow, NIP, skp_id)
    assert [d["revision"] for d in uow.recorded("monthly_targets_set")] == [1, 2]


def test_an_unknown_document_publishes_nothing(uow):
    with uow:
        monthly_targets.publish(uow, NIP, "skp-unknown")
    assert uow.recorded("monthly_targets_set") == []


def test_the_event_is_the_contract_whatever_the_order_of_the_rows(uow):
    """A kegiatan without month rows still lists every month (all 0): recap learns its total is unsplit."""
    uow.targets.add(NIP, "skp-2", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                    kegiatan={"k9": ("dokumen", "12", {})})
    with uow:
        monthly_targets.publish(uow, NIP, "skp-2")
    [k9] = uow.recorded("monthly_targets_set")[0]["kegiatan"]
    assert [m["kuantitas"] for m in k9["months"]] == ["0.000"] * 12


# -- quick.submit_text ----------------------------------------------------------------------------------------------

@pytest.fixture
def employee(uow):
    uow.quick.add_skp(NIP, "skp-1", dt.date(2026, 1, 1), dt.date(2026, 12, 31), KEGIATAN)
    return uow


def test_a_report_line_records_a_report_for_today(employee, cfg):
    answer = quick.submit_text(employee, PEGAWAI, "LAPOR K2 3 laporan menyusun laporan keuangan", cfg)
    [report] = employee.quick.reports
    assert answer["ok"] and answer["activity_id"] == report["id"] and "plan_id" not in answer
    assert answer["reply"].startswith("OK Laporan 14/05 K2: 3 laporan")
    assert (report["tanggal"], report["kegiatan_id"], report["kuantitas"], report["satuan"], report["uraian"]) == \
        (TODAY, "k2", Decimal("3"), "laporan", "menyusun laporan keuangan")
    assert employee.quick.plans == []


def test_a_plan_line_records_a_plan(employee, cfg):
    answer = quick.submit_text(employee, PEGAWAI, "rencana k1 2 konsep surat edaran", cfg)
    [plan] = employee.quick.plans
    assert answer == {"ok": True, "plan_id": plan["id"], "reply": answer["reply"]}
    assert answer["reply"].startswith("OK Rencana 14/05 K1: 2 konsep")
    assert (plan["kegiatan_id"], plan["uraian"], plan["tanggal"]) == ("k1", "surat edaran", TODAY)
    assert employee.quick.reports == []


def test_a_line_that_does_not_parse_is_answered_and_records_nothing(employee, cfg):
    answer = quick.submit_text(employee, PEGAWAI, "LAPOR K7 3 sesuatu", cfg)
    assert answer == {"ok": False, "reply": "Kode K7 tidak ada di SKP Anda. Kode yang berlaku: K1, K2"}
    assert employee.quick.reports == [] and employee.quick.plans == []


def test_without_an_skp_for_today_the_reply_says_so(uow, cfg):
    answer = quick.submit_text(uow, PEGAWAI, "LAPOR K1 1 konsep", cfg)
    assert not answer["ok"] and "belum punya SKP" in answer["reply"]


def test_a_refused_report_is_an_indonesian_reply_and_is_undone(employee, cfg):
    employee.quick.refuse = FailedPrecondition("the day is locked by the penilai", field="tanggal")
    answer = quick.submit_text(employee, PEGAWAI, "LAPOR K2 3 laporan menyusun laporan", cfg)
    assert answer == {"ok": False, "reply": "Gagal: tanggal ini sudah dikunci penilai."}
    assert employee.quick.reports == []  # written, then rolled back to the savepoint


def test_a_refusal_without_a_known_reason_names_the_field(employee, cfg):
    employee.quick.refuse = FailedPrecondition("must be greater than 0", field="kuantitas")
    answer = quick.submit_text(employee, PEGAWAI, "RENCANA K1 2 konsep x", cfg)
    assert answer == {"ok": False, "reply": "Gagal: kuantitas: must be greater than 0."}
    assert employee.quick.plans == []


def test_only_an_employee_token_may_send_a_line(employee, cfg):
    with pytest.raises(Unauthenticated):
        quick.submit_text(employee, None, "LAPOR K1 1 konsep", cfg)
    with pytest.raises(PermissionDenied) as err:
        quick.submit_text(employee, ADMIN, "LAPOR K1 1 konsep", cfg)
    assert err.value.field == "authorization"
    assert employee.quick.reports == []


def test_a_token_without_the_pegawai_role_is_refused(employee, cfg):
    """The nip alone is not enough: SubmitText is the employee's own (`self`) call."""
    nameless = Principal(NIP, ("operator",), instansi_id="pemkot-bogor", nip=NIP)
    with pytest.raises(PermissionDenied, match="SubmitText"):
        quick.submit_text(employee, nameless, "LAPOR K1 1 konsep", cfg)
    assert employee.quick.reports == []


# -- instansi_settings.set_entry_window -----------------------------------------------------------------------------

def test_an_admin_sets_the_window_with_its_audit_and_the_cached_contexts_are_dropped(uow):
    assert instansi_settings.set_entry_window(uow, ADMIN, "pemkot-bogor", 7) == 7
    assert uow.settings.windows == {"pemkot-bogor": 7}
    assert uow.settings.audits == [("pemkot-bogor", "admin-1", {"window_days": 7})]
    assert uow.settings.contexts_forgotten == 1


@pytest.mark.parametrize("days", [-1, 29])
def test_a_window_outside_0_to_28_days_is_refused_and_nothing_is_set(uow, days):
    with pytest.raises(InvalidArgument) as err:
        instansi_settings.set_entry_window(uow, ADMIN, "pemkot-bogor", days)
    assert err.value.field == "window_days"
    assert uow.settings.windows == {} and uow.settings.contexts_forgotten == 0


def test_the_instansi_is_required(uow):
    with pytest.raises(InvalidArgument) as err:
        instansi_settings.set_entry_window(uow, ADMIN, "", 5)
    assert err.value.field == "instansi_id"


@pytest.mark.parametrize("principal", [PEGAWAI, Principal("admin-2", ("admin_instansi",), instansi_id="pemkot-depok")])
def test_only_the_instansi_s_own_admin_sets_its_window(uow, principal):
    with pytest.raises(PermissionDenied):
        instansi_settings.set_entry_window(uow, principal, "pemkot-bogor", 5)
    assert uow.settings.windows == {}
