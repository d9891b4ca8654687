"""The admin employee search walks identity's ListPegawai pages instead of filtering only the first one."""
import asyncio
import threading

from portal.application.answers import Pegawai, PegawaiPage
from portal.application.views import search_pegawai


def run(coroutine):
    """Run `coroutine` on a loop of its own in a thread: the browser tests in the same process leave the main
    thread's loop running (Playwright's sync API)."""
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", asyncio.run(coroutine)))
    worker.start()
    worker.join(60)
    return result["value"]


def directory(n: int, page_limit: int = 1000):
    people = [Pegawai(nama=f"Pegawai {i:04d}", nip=f"1990{i:014d}") for i in range(n - 1)]
    people.append(Pegawai(nama="Siti Rahayu", nip=f"1990{n - 1:014d}"))  # the one to find sits on the last page
    calls = []

    async def fetch_page(page_size, page_token):
        size = min(page_size, page_limit)
        start = int(page_token or 0)
        calls.append((size, page_token))
        end = start + size
        return PegawaiPage(tuple(people[start:end]), str(end) if end < n else "")
    return fetch_page, calls


def test_a_name_beyond_the_first_pages_is_found():
    """Fails with the old code (one page of 200, filtered): Siti is number 1200."""
    fetch, calls = directory(1200)
    found, token = run(search_pegawai(fetch, "siti", page_size=500))
    assert [p.nama for p in found] == ["Siti Rahayu"] and token == ""
    assert calls == [(500, ""), (500, "500"), (500, "1000")]


def test_a_scan_is_bounded_and_continues_where_it_stopped():
    fetch, calls = directory(5000)
    found, token = run(search_pegawai(fetch, "siti", page_size=500, max_pages=4))
    assert found == [] and token == "2000"
    found, token = run(search_pegawai(fetch, "siti", page_token=token, page_size=500, max_pages=10))
    assert [p.nama for p in found] == ["Siti Rahayu"] and token == ""


def test_without_a_search_one_short_page_is_shown_with_its_continuation():
    fetch, calls = directory(120)
    found, token = run(search_pegawai(fetch, ""))
    assert len(found) == 50 and token == "50" and calls == [(50, "")]


def test_a_nip_search_stops_once_enough_matched():
    fetch, calls = directory(3000)
    found, token = run(search_pegawai(fetch, "1990000000000000", want=5, page_size=500))
    assert len(found) >= 5 and token == "500" and len(calls) == 1
