"""recap's ListHolidays comes in pages (issue 15.11); the other lists already did (test_recap_integration)."""
import grpc
import pytest

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


def test_holidays_come_in_pages(stub, test_keys):
    from ekinerja.recap.v1 import recap_pb2 as pb
    bkn = testing.bearer(test_keys.token(subject="bkn-pages", roles=["admin_bkn"]))
    days = [f"2031-0{m}-1{d}" for m in (1, 2) for d in (1, 2, 3)]
    for day in days:
        stub.SetHoliday(pb.SetHolidayRequest(holiday=pb.Holiday(tanggal=day, nama=f"Libur {day}")), metadata=bkn,
                        timeout=10)
    seen, token, pages = [], "", 0
    while True:
        page = stub.ListHolidays(pb.ListHolidaysRequest(date_from="2031-01-01", date_to="2031-12-31", page_size=4,
                                                        page_token=token), metadata=bkn, timeout=10)
        pages += 1
        seen += [h.tanggal for h in page.holidays]
        token = page.next_page_token
        if not token:
            break
    assert seen == days and pages == 2
    with pytest.raises(grpc.RpcError) as err:
        stub.ListHolidays(pb.ListHolidaysRequest(date_from="2031-01-01", date_to="2031-12-31", page_size=5000),
                          metadata=bkn, timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_size" in err.value.details()
