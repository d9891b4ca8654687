"""Golongan/ruang parsing, ordering and pangkat (DOMAIN.md §5.2); employee status and performance duty."""

import pytest

from ekinerja_platform.domain_errors import InvalidArgument
from identity.domain.golongan import (
    EXCLUDED_FROM_DUTY,
    EmployeeStatus,
    Golongan,
    is_active_for_duty,
    pangkat_for,
    parse_golongan,
    parse_status,
)

pytestmark = pytest.mark.unit


def test_seventeen_golongan_in_order():
    assert [g.value for g in Golongan] == [
        "I/a", "I/b", "I/c", "I/d",
        "II/a", "II/b", "II/c", "II/d",
        "III/a", "III/b", "III/c", "III/d",
        "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
    ]  # fmt: skip
    assert sorted(reversed(list(Golongan))) == list(Golongan)


def test_ordering_operators():
    assert Golongan.I_D < Golongan.II_A < Golongan.III_A < Golongan.IV_E
    assert Golongan.III_C <= Golongan.III_C and Golongan.III_C >= Golongan.III_C
    assert Golongan.IV_A > Golongan.III_D
    assert max(Golongan.II_B, Golongan.III_A, Golongan.I_C) is Golongan.III_A
    with pytest.raises(TypeError):
        Golongan.I_A < "I/b"  # noqa: B015


@pytest.mark.parametrize(
    "text", ["III/c", "iii/c", "III c", "IIIc", "3c", "3/c", "3 C", "III-c", "III.c", " iii / C "]
)
def test_parse_accepts_common_spellings(text):
    assert parse_golongan(text) is Golongan.III_C


@pytest.mark.parametrize("text, expected", [("1a", Golongan.I_A), ("IVe", Golongan.IV_E), ("ii/D", Golongan.II_D)])
def test_parse_edges(text, expected):
    assert parse_golongan(text) is expected


@pytest.mark.parametrize("text", ["", "V/a", "5a", "I/e", "III/e", "IV/f", "III", "c", "IIII/a", "3cc", "0a", None])
def test_parse_refuses_unknown(text):
    with pytest.raises(InvalidArgument) as err:
        parse_golongan(text)
    assert err.value.field == "golongan"
    assert err.value.code == "invalid_argument"


def test_parse_passes_a_golongan_through():
    assert parse_golongan(Golongan.II_B) is Golongan.II_B


@pytest.mark.parametrize(
    "gol, pangkat",
    [
        ("I/a", "Juru Muda"),
        ("I/b", "Juru Muda Tingkat I"),
        ("I/c", "Juru"),
        ("I/d", "Juru Tingkat I"),
        ("II/a", "Pengatur Muda"),
        ("II/b", "Pengatur Muda Tingkat I"),
        ("II/c", "Pengatur"),
        ("II/d", "Pengatur Tingkat I"),
        ("III/a", "Penata Muda"),
        ("III/b", "Penata Muda Tingkat I"),
        ("III/c", "Penata"),
        ("III/d", "Penata Tingkat I"),
        ("IV/a", "Pembina"),
        ("IV/b", "Pembina Tingkat I"),
        ("IV/c", "Pembina Utama Muda"),
        ("IV/d", "Pembina Utama Madya"),
        ("IV/e", "Pembina Utama"),
    ],
)
def test_pangkat(gol, pangkat):
    assert pangkat_for(gol) == pangkat
    assert pangkat_for(parse_golongan(gol)) == pangkat


def test_pangkat_for_unknown_raises():
    with pytest.raises(InvalidArgument):
        pangkat_for("V/a")


def test_parts_of_a_golongan():
    assert (Golongan.III_C.tingkat, Golongan.III_C.ruang, str(Golongan.III_C)) == (3, "c", "III/c")
    assert Golongan.I_A.rank == 0 and Golongan.IV_E.rank == 16


def test_only_aktif_is_active_for_duty():
    assert is_active_for_duty(EmployeeStatus.AKTIF)
    assert is_active_for_duty("aktif")
    for status in EmployeeStatus:
        if status is not EmployeeStatus.AKTIF:
            assert not is_active_for_duty(status), status


def test_statuses_excluded_from_duty():
    assert EXCLUDED_FROM_DUTY == {
        EmployeeStatus.CUTI,
        EmployeeStatus.TUGAS_BELAJAR,
        EmployeeStatus.DIBERHENTIKAN_SEMENTARA,
        EmployeeStatus.PENSIUN,
    }
    assert EmployeeStatus.AKTIF not in EXCLUDED_FROM_DUTY


def test_status_labels_and_parsing():
    assert EmployeeStatus.TUGAS_BELAJAR.label == "Tugas belajar"
    assert EmployeeStatus.DIBERHENTIKAN_SEMENTARA.label == "Diberhentikan sementara"
    assert all(s.label for s in EmployeeStatus)
    assert parse_status(" Tugas_Belajar ") is EmployeeStatus.TUGAS_BELAJAR
    with pytest.raises(InvalidArgument) as err:
        is_active_for_duty("libur")
    assert err.value.field == "status"
