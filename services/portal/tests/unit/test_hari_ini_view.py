""""Hari ini" costs one des call (GetDay) per page view, and its view model comes from that answer as it is (a real
GetDay reply, turned into the application's plain answer by the adapter's converter)."""
import asyncio
import datetime as dt
import threading

import pytest
from portal.adapters.answers import convert
from portal.adapters.services import pb
from portal.application.views import hari_ini

pytestmark = pytest.mark.unit


def run(coroutine):
    """On a loop of its own in a thread (the browser tests in the same process keep the main thread's loop)."""
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", asyncio.run(coroutine)))
    worker.start()
    worker.join(60)
    return result["value"]


class FakeServices:
    def __init__(self, reply):
        self.reply, self.calls = convert("des", "GetDay", reply), []

    async def call(self, service, rpc, request, token="", **_):
        self.calls.append((service, rpc, request, token))
        return self.reply


def day_reply(skp_id="skp-1"):
    des = pb("des")
    kegiatan = [] if not skp_id else [
        des.KegiatanMonth(target=des.MonthlyTarget(skp_id=skp_id, kegiatan_id="k2", nomor=2, nama="Laporan",
                                                   bulan="2026-12", kuantitas="8.000", satuan="laporan"),
                          dilaporkan="6.000", diakui="2.500"),
        des.KegiatanMonth(target=des.MonthlyTarget(skp_id=skp_id, kegiatan_id="k1", nomor=1, nama="Konsep",
                                                   bulan="2026-12", kuantitas="0.000", satuan="konsep"),
                          dilaporkan="0.000", diakui="0.000")]
    return des.GetDayResponse(
        tanggal="2026-12-05", skp_id=skp_id,
        plans=[des.Plan(plan_id="p1", tanggal="2026-12-05", kegiatan_id="k2", uraian="menyusun", kuantitas="2")],
        activities=[des.Activity(activity_id="a1", tanggal="2026-12-05", kegiatan_id="k2", kuantitas="3",
                                 state="submitted")],
        kegiatan=kegiatan)


def test_one_call_for_the_whole_page():
    services = FakeServices(day_reply())
    data = run(hari_ini(services, "token-1", dt.date(2026, 12, 5)))
    assert [(s, rpc, r["tanggal"], t) for s, rpc, r, t in services.calls] == [("des", "GetDay", "2026-12-05",
                                                                            "token-1")]
    assert (data["today"], data["bulan"], data["no_skp"]) == ("2026-12-05", "2026-12", False)
    assert [p.plan_id for p in data["plans"]] == ["p1"] and [a.activity_id for a in data["reports"]] == ["a1"]
    assert [k["id"] for k in data["kegiatan"]] == ["k1", "k2"]  # choices by nomor
    assert data["nomor"] == {"k2": 2, "k1": 1}
    k2 = data["progress"][0]
    assert (k2["target"], k2["reported"], k2["recognised"], k2["pct"]) == ("8", "6", "2,5", 75)
    assert data["progress"][1]["pct"] == 0  # a month with no target is no division by zero


def test_no_skp_covering_the_day():
    data = run(hari_ini(FakeServices(day_reply(skp_id="")), "t", dt.date(2026, 12, 5)))
    assert data["no_skp"] and data["progress"] == [] and data["kegiatan"] == []
