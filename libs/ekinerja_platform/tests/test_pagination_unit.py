"""Page tokens: opaque keyset cursors bound to their query; bad sizes and tokens name their field."""
import datetime as dt
import uuid

import pytest

from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.pagination import encode_token, fingerprint, page_request

KEY = (dt.date, dt.datetime, uuid.UUID)


def test_a_page_token_carries_the_last_rows_key_back_exactly():
    rows = [(dt.date(2026, 1, i), dt.datetime(2026, 1, i, 8, tzinfo=dt.timezone.utc), uuid.uuid4())
            for i in range(1, 6)]
    first = page_request(2, "", "des.ListActivities", "nip-1", key=KEY)
    page, token = first.split(rows[:3], lambda r: r)
    assert page == rows[:2] and token
    second = page_request(2, token, "des.ListActivities", "nip-1", key=KEY)
    assert second.after == rows[1]
    assert second.split(rows[2:4], lambda r: r) == (rows[2:4], "")  # no extra row: the last page


def test_defaults_and_limits_of_the_page_size():
    assert page_request(0, "", "x", key=(int,)).size == 100
    assert page_request(0, "", "x", key=(int,), default=50).size == 50
    assert page_request(1000, "", "x", key=(int,)).size == 1000
    for size in (-1, 1001):
        with pytest.raises(InvalidArgument) as err:
            page_request(size, "", "x", key=(int,))
        assert err.value.field == "page_size"


@pytest.mark.parametrize("token", ["%%%", "bm90LWEtdG9rZW4", "e30", "x" * 3000,
                                   encode_token(fingerprint("x"), ("not an int",)),
                                   encode_token(fingerprint("x"), (1, 2)),
                                   encode_token(fingerprint("y"), (1,))])
def test_a_forged_broken_or_foreign_token_is_refused_naming_the_field(token):
    with pytest.raises(InvalidArgument) as err:
        page_request(10, token, "x", key=(int,))
    assert err.value.field == "page_token"


def test_a_token_is_bound_to_its_filters():
    token = page_request(1, "", "des.ListPlans", "nip-1", "2026-01", key=(int,)).split([(1,), (2,)],
                                                                                   lambda r: r)[1]
    assert page_request(1, token, "des.ListPlans", "nip-1", "2026-01", key=(int,)).after == (1,)
    with pytest.raises(InvalidArgument):
        page_request(1, token, "des.ListPlans", "nip-2", "2026-01", key=(int,))
