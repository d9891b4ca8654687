"""NIP validation and decoding (DOMAIN.md §0.17, §5.1), log-safe forms and the check command."""

import io
import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekinerja_rules.nip import (
    NipCheck,
    as_json,
    check_nip,
    hash_nip,
    mask_nip,
    normalize_nip,
    run_nip_check_cli,
)

pytestmark = pytest.mark.unit

TODAY = date(2025, 6, 15)
GOOD = "198609262015051001"


def nip(born="19860926", tmt="201505", gender="1", seq="001"):
    return born + tmt + gender + seq


def errors_for(part, check):
    return [e for e in check.errors if e.startswith(part + ":")]


def test_a_good_nip_is_valid_and_decoded():
    check = check_nip(GOOD, TODAY)
    assert check == NipCheck(
        nip=GOOD,
        valid=True,
        tanggal_lahir=date(1986, 9, 26),
        tmt_cpns=(2015, 5),
        jenis_kelamin="L",
        nomor_urut=1,
        errors=[],
    )


def test_spaces_and_dots_are_ignored():
    assert normalize_nip("19860926 201505 1 001") == GOOD
    assert normalize_nip("19860926.201505.1.001") == GOOD
    assert check_nip(" 19860926 201505.1 001 ", TODAY).valid
    assert check_nip("19860926 201505 1 001", TODAY).nip == GOOD


@pytest.mark.parametrize("text, shown", [("19860926-201505-1-001", "'-'"), ("19860926\t2015051001", "'\\t'")])
def test_other_separators_are_not_ignored_and_are_named(text, shown):
    check = check_nip(text, TODAY)
    assert not check.valid
    assert errors_for("nip", check)[0] == f"nip: contains characters other than digits: {shown}"


def test_every_offending_character_is_named_once():
    check = check_nip("1986092620150510ab", TODAY)
    assert "nip: contains characters other than digits: 'a', 'b'" in check.errors
    assert errors_for("nomor_urut", check)  # the part that holds them is named too
    assert check.tanggal_lahir == date(1986, 9, 26)  # the other parts still decode
    assert check.jenis_kelamin == "L"


def test_non_ascii_digits_are_refused():
    arabic = "١" + GOOD[1:]
    fullwidth = "１" + GOOD[1:]
    assert not check_nip(arabic, TODAY).valid
    assert not check_nip(fullwidth, TODAY).valid


@pytest.mark.parametrize("text", ["", GOOD[:-1], GOOD + "1", "1234"])
def test_length_must_be_18(text):
    check = check_nip(text, TODAY)
    assert not check.valid
    assert check.errors == [f"nip: must be 18 digits long, got {len(text)} characters"]
    assert (check.tanggal_lahir, check.tmt_cpns, check.jenis_kelamin, check.nomor_urut) == (None,) * 4


def test_non_text_input_does_not_raise():
    for value in (None, 198609262015051001, b"198609262015051001"):
        check = check_nip(value, TODAY)
        assert not check.valid and check.errors[0].startswith("nip: expected text")


def test_today_may_be_a_datetime():
    assert check_nip(GOOD, datetime(2025, 6, 15, 10, 30)).valid


@pytest.mark.parametrize("born", ["19850230", "19851301", "19850001", "19850431", "19850100", "00000101"])
def test_birth_date_must_be_a_real_date(born):
    check = check_nip(nip(born=born), TODAY)
    assert not check.valid
    assert check.tanggal_lahir is None
    shown = f"{born[:4]}-{born[4:6]}-{born[6:]}"
    assert errors_for("tanggal_lahir", check) == [f"tanggal_lahir: {shown} is not a valid date"]
    # the other parts still decode
    assert (check.tmt_cpns, check.jenis_kelamin, check.nomor_urut) == ((2015, 5), "L", 1)


@pytest.mark.parametrize("born, ok", [("19840229", True), ("20000229", True), ("19850229", False), ("19000229", False)])
def test_29_february_only_in_leap_years(born, ok):
    check = check_nip(nip(born=born), TODAY)
    assert check.valid is ok
    assert (check.tanggal_lahir is not None) is ok


def test_birth_date_not_in_the_future():
    check = check_nip(nip(born="20250616", tmt="202506"), TODAY)
    assert "tanggal_lahir: 2025-06-16 is in the future" in check.errors
    assert check.tanggal_lahir == date(2025, 6, 16)  # decoded: it parses on its own


@pytest.mark.parametrize("tmt", ["201500", "201513", "201599", "000001"])
def test_tmt_must_be_a_real_month(tmt):
    check = check_nip(nip(tmt=tmt), TODAY)
    assert check.tmt_cpns is None
    assert errors_for("tmt_cpns", check) == [f"tmt_cpns: {tmt[:4]}-{tmt[4:]} is not a valid month"]


@pytest.mark.parametrize("tmt, ok", [("198609", False), ("198608", False), ("198510", False), ("198610", True)])
def test_tmt_strictly_after_the_birth_month(tmt, ok):
    check = check_nip(nip(born="19860926", tmt=tmt), TODAY)
    assert check.valid is ok
    if not ok:
        assert errors_for("tmt_cpns", check) == [
            f"tmt_cpns: {tmt[:4]}-{tmt[4:]} is not after the birth month 1986-09"
        ]
        assert check.tmt_cpns == (int(tmt[:4]), int(tmt[4:]))


@pytest.mark.parametrize("tmt, ok", [("202506", True), ("202507", False), ("202601", False)])
def test_tmt_not_in_the_future(tmt, ok):
    check = check_nip(nip(tmt=tmt), TODAY)
    assert check.valid is ok
    if not ok:
        assert errors_for("tmt_cpns", check) == [f"tmt_cpns: {tmt[:4]}-{tmt[4:]} is in the future"]


@pytest.mark.parametrize("digit, expected", [("1", "L"), ("2", "P"), ("0", None), ("3", None), ("9", None)])
def test_gender_digit(digit, expected):
    check = check_nip(nip(gender=digit), TODAY)
    assert check.jenis_kelamin == expected
    assert check.valid is (expected is not None)
    if expected is None:
        assert errors_for("jenis_kelamin", check) == [f"jenis_kelamin: '{digit}' is not 1 (L) or 2 (P)"]


@pytest.mark.parametrize("seq, expected", [("001", 1), ("010", 10), ("999", 999), ("000", None)])
def test_sequence_001_to_999(seq, expected):
    check = check_nip(nip(seq=seq), TODAY)
    assert check.nomor_urut == expected
    assert check.valid is (expected is not None)
    if expected is None:
        assert errors_for("nomor_urut", check) == ["nomor_urut: 000 is not in 001-999"]


def test_several_errors_are_all_reported():
    check = check_nip(nip(born="19850230", tmt="201513", gender="3", seq="000"), TODAY)
    assert [e.split(":")[0] for e in check.errors] == ["tanggal_lahir", "tmt_cpns", "jenis_kelamin", "nomor_urut"]


def test_as_json_shape():
    assert as_json(check_nip(GOOD, TODAY)) == {
        "nip": GOOD,
        "valid": True,
        "tanggal_lahir": "1986-09-26",
        "tmt_cpns": "2015-05",
        "jenis_kelamin": "L",
        "nomor_urut": 1,
        "errors": [],
    }
    bad = as_json(check_nip(nip(born="19850230", gender="2"), TODAY))
    assert bad["valid"] is False
    assert bad["tanggal_lahir"] is None
    assert bad["tmt_cpns"] == "2015-05" and bad["jenis_kelamin"] == "P" and bad["nomor_urut"] == 1
    assert json.loads(json.dumps(bad)) == bad


def test_mask_nip_keeps_first_4_and_last_3():
    assert mask_nip(GOOD) == "1986***********001"
    assert mask_nip("19860926 201505 1 001") == "1986***********001"
    assert mask_nip("12345") == "*****"  # anything that is not a NIP is fully masked


def test_hash_nip_is_keyed_short_and_stable():
    h = hash_nip(GOOD, b"secret")
    assert len(h) == 16 and all(c in "0123456789abcdef" for c in h)
    assert hash_nip("19860926 201505 1 001", b"secret") == h
    assert hash_nip(GOOD, b"other") != h
    assert GOOD not in h
    with pytest.raises(ValueError):
        hash_nip(GOOD, b"")


def test_cli_json_output_and_exit_codes():
    out = io.StringIO()
    assert run_nip_check_cli("19860926 201505 1 001", True, out, today=TODAY) == 0
    assert json.loads(out.getvalue()) == as_json(check_nip(GOOD, TODAY))

    out = io.StringIO()
    assert run_nip_check_cli(nip(seq="000"), True, out, today=TODAY) == 1
    assert json.loads(out.getvalue())["errors"] == ["nomor_urut: 000 is not in 001-999"]


def test_cli_readable_summary():
    out = io.StringIO()
    assert run_nip_check_cli(GOOD, False, out, today=TODAY) == 0
    text = out.getvalue()
    assert "VALID" in text and "1986-09-26" in text and "2015-05" in text and "laki-laki" in text and "001" in text

    out = io.StringIO()
    assert run_nip_check_cli(nip(born="19850230", gender="2"), False, out, today=TODAY) == 1
    text = out.getvalue()
    assert "TIDAK VALID" in text and "perempuan" in text
    assert "tanggal_lahir: 1985-02-30 is not a valid date" in text


@st.composite
def valid_parts(draw):
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY - timedelta(days=40)))
    first = born.year * 12 + born.month  # months counted from year 0; TMT must be later than the birth month
    last = TODAY.year * 12 + TODAY.month - 1
    months = draw(st.integers(min_value=first, max_value=last))
    tmt = (months // 12, months % 12 + 1)
    gender = draw(st.sampled_from(["L", "P"]))
    seq = draw(st.integers(min_value=1, max_value=999))
    return born, tmt, gender, seq


@given(valid_parts(), st.lists(st.sampled_from([" ", "."]), max_size=5), st.randoms(use_true_random=False))
def test_any_valid_nip_round_trips(parts, separators, rnd):
    born, tmt, gender, seq = parts
    text = f"{born:%Y%m%d}{tmt[0]:04d}{tmt[1]:02d}{'1' if gender == 'L' else '2'}{seq:03d}"
    for sep in separators:  # spaces and dots anywhere do not change the result
        at = rnd.randint(0, len(text))
        text = text[:at] + sep + text[at:]

    check = check_nip(text, TODAY)

    assert check.valid, check.errors
    assert check.errors == []
    assert (check.tanggal_lahir, check.tmt_cpns, check.jenis_kelamin, check.nomor_urut) == (born, tmt, gender, seq)
    assert len(check.nip) == 18
