"""Daily plans (application/plans.py) on the in-memory unit of work (des_fakes.py): no PostgreSQL, no broker.

What SubmitPlan decides (the day, the kegiatan of the SKP covering it, its satuan, the kuantitas, who may plan,
the audit record and the `plan_submitted` event) and what ListPlans returns (the month, in order, in pages, to
whom). Checked failing: with `uow.record` dropped from `submit_plan`, `check_context` skipped, the satuan taken as
given, `authorize` dropped from either use case, the page key's order reversed and `month_range` ending a day early.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from des_fakes import FakeDesUnitOfWork

from des.application import plans
from des.application.ports import DaySkp
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal

pytestmark = pytest.mark.unit

NIP = "198001012005011001"
PENILAI = "197001011990031001"
OTHER = "199001012015011002"
PEGAWAI = Principal(NIP, ("pegawai",), instansi_id="pemkot-bogor", nip=NIP)
NOW = dt.datetime(2026, 5, 13, 23, 30, tzinfo=dt.timezone.utc)  # 06:30 WIB on 14 May
TODAY = dt.date(2026, 5, 14)



@pytest.fixture
def uow():
    uow = FakeDesUnitOfWork()
    uow.relations.add_skp(NIP, dt.date(2026, 1, 1), dt.date(2026, 12, 31), DaySkp("skp-1", "pemkot-bogor", PENILAI))
    uow.plans.kegiatan[(NIP, "skp-1")] = {"k1": ("Konsep", 1), "k2": ("laporan", 2)}
    return uow


def plan(uow, cfg, tanggal="2026-05-15", kegiatan_id="k1", uraian=" Menyusun konsep surat ", kuantitas="2",
         satuan="konsep", principal=PEGAWAI):
    return plans.submit_plan(uow, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan, cfg)


def test_a_plan_is_recorded_in_the_kegiatan_s_satuan_with_its_audit_and_event(uow, cfg):
    made = plan(uow, cfg)
    assert made["satuan"] == "Konsep" and made["nomor"] == 1 and made["uraian"] == "Menyusun konsep surat"
    assert made["kuantitas"] == Decimal("2") and made["tanggal"] == dt.date(2026, 5, 15)
    assert [r["plan_id"] for r in uow.plans.rows] == [made["plan_id"]]
    [audit] = uow.audit.records
    assert (audit["entity"], audit["action"], audit["actor"], audit["entity_id"]) == (
        "plan", "create", NIP, str(made["plan_id"]))
    [event] = uow.recorded("plan_submitted")
    assert event == {"plan_id": str(made["plan_id"]), "nip": NIP, "instansi_id": "pemkot-bogor", "unit_id": "unit-1",
                     "tanggal": "2026-05-15", "skp_id": "skp-1", "kegiatan_id": "k1", "kuantitas": "2.00"}


def test_an_empty_tanggal_plans_today(uow, cfg):
    assert plan(uow, cfg, tanggal="")["tanggal"] == TODAY


@pytest.mark.parametrize("kwargs, field", [
    ({"tanggal": "2026-05-13"}, "tanggal"),             # past
    ({"tanggal": "2026-06-15"}, "tanggal"),             # more than 31 days ahead
    ({"kegiatan_id": ""}, "kegiatan_id"),
    ({"kegiatan_id": "k9"}, "kegiatan_id"),             # not on the SKP
    ({"uraian": "  "}, "uraian"),
    ({"kuantitas": "0"}, "kuantitas"),
    ({"kuantitas": "1.005"}, "kuantitas"),
    ({"satuan": "dokumen"}, "satuan"),                  # not the kegiatan's satuan
])
def test_a_bad_plan_names_the_field_and_records_nothing(uow, cfg, kwargs, field):
    with pytest.raises(InvalidArgument) as err:
        plan(uow, cfg, **kwargs)
    assert err.value.field == field
    assert uow.plans.rows == [] and uow.audit.records == [] and uow.recorded("plan_submitted") == []


def test_a_locked_day_or_a_day_without_an_skp_is_refused(uow, cfg):
    uow.plans.locked.add((NIP, dt.date(2026, 5, 15)))
    with pytest.raises(FailedPrecondition) as err:
        plan(uow, cfg)
    assert err.value.reason == "PERIOD_LOCKED"
    uow.relations.skps.clear()
    with pytest.raises(FailedPrecondition) as err:
        plan(uow, cfg)
    assert err.value.field == "tanggal"
    assert uow.plans.rows == []


@pytest.mark.parametrize("principal", [
    Principal("admin-1", ("admin_instansi",), instansi_id="pemkot-bogor"),
    Principal(NIP, ("operator",), instansi_id="pemkot-bogor", nip=NIP),  # the nip alone is not enough
])
def test_only_the_employee_plans_their_own_day(uow, cfg, principal):
    with pytest.raises(PermissionDenied):
        plan(uow, cfg, principal=principal)
    assert uow.plans.rows == []


def test_the_month_s_plans_come_in_day_then_entry_order_in_pages(uow, cfg):
    made = [plan(uow, cfg, tanggal=d) for d in ("2026-05-20", "2026-05-15", "2026-05-20", "2026-05-31")]
    plan(uow, cfg, tanggal="2026-06-01")  # the next month
    first, token = plans.list_plans(uow, PEGAWAI, "", "2026-05", cfg, page_size=2)
    rest, last = plans.list_plans(uow, PEGAWAI, "", "2026-05", cfg, page_size=2, page_token=token)
    assert [p["plan_id"] for p in first + rest] == [made[i]["plan_id"] for i in (1, 0, 2, 3)]
    assert token and last == ""


def test_the_penilai_reads_the_plans_and_another_employee_does_not(uow, cfg):
    plan(uow, cfg)
    penilai = Principal(PENILAI, ("pegawai",), instansi_id="pemkot-bogor", nip=PENILAI)
    rows, _ = plans.list_plans(uow, penilai, NIP, "2026-05", cfg)
    assert len(rows) == 1
    other = Principal(OTHER, ("pegawai",), instansi_id="pemkot-bogor", nip=OTHER)
    with pytest.raises(PermissionDenied):
        plans.list_plans(uow, other, NIP, "2026-05", cfg)
    uow.relations.heads[NIP] = frozenset({OTHER})  # a head up the chain reads them
    assert len(plans.list_plans(uow, other, NIP, "2026-05", cfg)[0]) == 1


def test_a_bad_month_names_the_field(uow, cfg):
    with pytest.raises(InvalidArgument) as err:
        plans.list_plans(uow, PEGAWAI, "", "2026-13", cfg)
    assert err.value.field == "bulan"
