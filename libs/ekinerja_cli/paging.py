"""Following page tokens: a list command shows every row, whatever the server's page size."""
from __future__ import annotations

MAX_PAGES = 10_000  # a server that never stops handing out tokens cannot keep the CLI busy forever


def every_page(fetch, request, field: str):
    """Call `fetch(request)` with each `next_page_token` in turn; returns the first response with `field` (the
    repeated rows) holding the rows of every page, and no next_page_token."""
    first = response = fetch(request)
    for _ in range(MAX_PAGES - 1):
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
        response = fetch(request)
        getattr(first, field).extend(getattr(response, field))
    first.next_page_token = ""
    return first
