"""every_page: a list command gathers the rows of every page into the first response, and stops on a server that
never ends its tokens."""
from types import SimpleNamespace

import pytest

from ekinerja_cli import paging

pytestmark = pytest.mark.unit


def pages(*rows_per_page):
    """A fake RPC serving the given pages in turn; the token of page i is str(i)."""
    asked = []

    def fetch(request):
        asked.append(request.page_token)
        index = int(request.page_token or 0)
        more = str(index + 1) if index + 1 < len(rows_per_page) else ""
        return SimpleNamespace(rows=list(rows_per_page[index]), next_page_token=more)
    return fetch, asked


def test_the_rows_of_every_page_in_order_and_no_token_left():
    fetch, asked = pages([1, 2], [3], [4, 5])
    response = paging.every_page(fetch, SimpleNamespace(page_token=""), "rows")
    assert response.rows == [1, 2, 3, 4, 5]
    assert response.next_page_token == ""
    assert asked == ["", "1", "2"]


def test_one_page_is_one_call():
    fetch, asked = pages([7])
    assert paging.every_page(fetch, SimpleNamespace(page_token=""), "rows").rows == [7]
    assert asked == [""]


def test_a_server_that_never_ends_is_asked_max_pages_times(monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES", 4)
    calls = []

    def endless(request):
        calls.append(request.page_token)
        return SimpleNamespace(rows=[len(calls)], next_page_token="again")
    response = paging.every_page(endless, SimpleNamespace(page_token=""), "rows")
    assert len(calls) == 4
    assert response.rows == [1, 2, 3, 4]
    assert response.next_page_token == ""
