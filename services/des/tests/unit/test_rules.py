"""Monthly split, entry window, evidence checks and the quick-entry grammar: pure domain rules."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from des.domain import entry_window, evidence, quick_entry, satuan, targets
from ekinerja_platform.domain_errors import DomainError, FailedPrecondition, InvalidArgument

pytestmark = pytest.mark.unit
YEAR = targets.months_between(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_even_split_whole_units_remainder_to_last_months():
    split = targets.split_evenly(Decimal("100"), YEAR)
    assert list(split.values()) == [Decimal(8)] * 8 + [Decimal(9)] * 4
    assert targets.split_evenly(Decimal("7.5"), YEAR)[(2024, 1)] == Decimal("0.6")
    assert targets.split_evenly(Decimal("7.5"), YEAR)[(2024, 12)] == Decimal("0.7")
    assert all(v.as_tuple().exponent == -3 for v in split.values())  # at the SKP kuantitas scale


def test_split_of_a_fine_total_is_at_three_decimals():
    split = targets.split_evenly(Decimal("2.000000000000"), YEAR[:3])  # skp's numeric(30, 12) form
    assert list(split.values()) == [Decimal("0.666"), Decimal("0.667"), Decimal("0.667")]
    with pytest.raises(InvalidArgument, match="desimal"):
        targets.split_evenly(Decimal("1.0005"), YEAR)


def test_part_year_period_splits_over_its_months():
    months = targets.months_between(dt.date(2024, 7, 15), dt.date(2024, 12, 31))
    assert months[0] == (2024, 7) and len(months) == 6
    assert sum(targets.split_evenly(Decimal("10"), months).values()) == 10


@given(st.decimals(min_value=0, max_value=100000, places=2), st.integers(min_value=1, max_value=12))
def test_split_always_adds_up_and_is_even_within_one_quantum(total, n):
    split = targets.split_evenly(total, YEAR[:n])
    assert sum(split.values()) == total
    quantum = Decimal(1).scaleb(min(total.normalize().as_tuple().exponent, 0))
    assert max(split.values()) - min(split.values()) <= (quantum if total >= quantum * n else Decimal("0.001"))
    assert list(split.values()) == sorted(split.values())  # never more early in the year than later


def test_adjustment_must_add_up_and_cover_every_month():
    good = {m: Decimal(2) for m in YEAR}
    assert targets.check_adjustment(Decimal(24), YEAR, good) == good
    with pytest.raises(InvalidArgument, match="berjumlah 23|bulanan 23"):
        targets.check_adjustment(Decimal(24), YEAR, {**good, (2024, 1): Decimal(1)})
    with pytest.raises(InvalidArgument, match="belum ada"):
        targets.check_adjustment(Decimal(24), YEAR, {m: Decimal(2) for m in YEAR[1:]})
    with pytest.raises(InvalidArgument, match="di luar"):
        targets.check_adjustment(Decimal(24), YEAR, {**good, (2025, 1): Decimal(0)})


def test_a_split_that_does_not_add_up_names_the_difference():
    months = YEAR[:4]
    exact = dict(zip(months, map(Decimal, ("0.333", "0.333", "0.334", "1")), strict=True))
    assert sum(targets.check_adjustment(Decimal("2.000"), months, exact).values()) == Decimal(2)
    short = {**exact, months[2]: Decimal("0.333")}
    with pytest.raises(InvalidArgument, match=r"selisih 0,001 \(kurang\)") as err:
        targets.check_adjustment(Decimal("2.000"), months, short)
    assert err.value.field == "targets"
    with pytest.raises(InvalidArgument, match=r"selisih 1,5 \(lebih\)"):
        targets.check_adjustment(Decimal("2"), months, {**exact, months[3]: Decimal("2.5")})
    with pytest.raises(InvalidArgument, match="desimal"):
        targets.check_adjustment(Decimal("2"), months, {**exact, months[0]: Decimal("0.3335")})


def test_satuan_forgives_case_spacing_and_declared_synonyms_only():
    assert satuan.check("  Jam  Tatap MUKA", "jam tatap muka") == "jam tatap muka"
    assert satuan.check("JP", "Jam Tatap Muka") == "Jam Tatap Muka"
    assert satuan.check("", "laporan") == "laporan"
    assert satuan.check("dok.", "Dokumen") == "Dokumen"
    assert satuan.check("apa saja", None) == "apa saja"  # non-SKP work keeps its own unit
    with pytest.raises(InvalidArgument) as err:
        satuan.check("laporan", "jam tatap muka")
    assert "'laporan'" in err.value.message and "'jam tatap muka'" in err.value.message
    assert err.value.field == "satuan"


def test_full_years_cover_january_to_december():
    part = targets.months_between(dt.date(2024, 9, 1), dt.date(2024, 12, 31))
    assert targets.full_years(part) == YEAR
    assert targets.show(Decimal("0.0010")) == "0,001" and targets.show(Decimal("100")) == "100"


@pytest.mark.parametrize("tanggal,today,window,ok", [
    ("2024-05-31", "2024-06-05", 5, True),
    ("2024-05-31", "2024-06-06", 5, False),
    ("2024-05-01", "2024-05-31", 0, True),
    ("2024-05-31", "2024-06-01", 0, False),
    ("2024-12-15", "2025-01-10", 10, True),
    ("2024-02-10", "2024-03-29", 28, False),
])
def test_entry_window(tanggal, today, window, ok):
    call = lambda: entry_window.check_entry_date(dt.date.fromisoformat(tanggal), dt.date.fromisoformat(today), window)  # noqa: E731
    if ok:
        call()
    else:
        with pytest.raises(FailedPrecondition, match="entry window"):
            call()


def test_no_future_dates():
    with pytest.raises(InvalidArgument, match="future") as err:
        entry_window.check_entry_date(dt.date(2024, 5, 15), dt.date(2024, 5, 14), 5)
    assert err.value.field == "tanggal"


def test_evidence_size_and_type():
    evidence.check_evidence(b"%PDF-1.7 ...", "application/pdf", 100)
    for data, ctype, field in [(b"%PDF-" + b"x" * 200, "application/pdf", "evidence_file"),
                               (b"MZ\x90\x00", "application/pdf", "evidence_file"),
                               (b"%PDF-1.7", "application/x-msdownload", "evidence_content_type"),
                               (b"", "image/png", "evidence_file")]:
        with pytest.raises(InvalidArgument) as err:
            evidence.check_evidence(data, ctype, 100)
        assert err.value.field == field


KEGIATAN = [quick_entry.Kegiatan("k1", 1, "Menyusun konsep surat", "konsep"),
            quick_entry.Kegiatan("k2", 2, "Menyusun laporan keuangan", "laporan"),
            quick_entry.Kegiatan("k3", 3, "Rapat koordinasi", "kali rapat")]


@pytest.mark.parametrize("line,kind,kegiatan,qty,satuan,uraian", [
    ("LAPOR K2 3 laporan menyusun laporan keuangan", "lapor", "k2", "3", "laporan", "menyusun laporan keuangan"),
    ("RENCANA K1 2 konsep surat edaran", "rencana", "k1", "2", "konsep", "surat edaran"),
    ("  lapor   k 2   3,5  LAPORAN   menyusun   neraca ", "lapor", "k2", "3.5", "laporan", "menyusun neraca"),
    ("Lapor K3 1 kali rapat koordinasi anggaran", "lapor", "k3", "1", "kali rapat", "koordinasi anggaran"),
    ("lapor k3 1 koordinasi anggaran", "lapor", "k3", "1", "kali rapat", "koordinasi anggaran"),
    ("rencana K1 2.25 konsep nota dinas", "rencana", "k1", "2.25", "konsep", "nota dinas"),
])
def test_good_lines(line, kind, kegiatan, qty, satuan, uraian):
    resolved = quick_entry.resolve(quick_entry.parse(line), KEGIATAN)
    assert (resolved.kind, resolved.kegiatan.kegiatan_id, resolved.kuantitas, resolved.satuan, resolved.uraian) == (
        kind, kegiatan, Decimal(qty), satuan, uraian)
    reply = quick_entry.confirmation(resolved, "14/05")
    assert reply.startswith("OK") and len(reply) <= 160 and f"K{resolved.kegiatan.nomor}" in reply


@pytest.mark.parametrize("line,expected", [
    ("LAPOR K9 3 laporan menyusun", "Kode K9 tidak ada di SKP Anda. Kode yang berlaku: K1, K2, K3"),
    ("KIRIM K1 2 konsep", "Perintah 'KIRIM' tidak dikenal"),
    ("LAPOR 3 laporan menyusun", "Kode kegiatan tidak ada"),
    ("LAPOR K2 tiga laporan", "Jumlah harus angka sesudah K2 (tertulis: tiga)"),
    ("LAPOR K2 0 laporan x", "Jumlah harus lebih dari 0"),
    ("LAPOR K2 3", "Uraian kegiatan kosong"),
    ("LAPOR K2 3 laporan", "Uraian kegiatan kosong sesudah satuan 'laporan'"),
    ("", "Pesan kosong"),
    ("LAPOR K2 1.234 laporan x", "2 angka desimal"),
])
def test_bad_lines_say_exactly_what_is_wrong(line, expected):
    with pytest.raises(quick_entry.QuickEntryError) as err:
        quick_entry.resolve(quick_entry.parse(line), KEGIATAN)
    assert expected in err.value.reply
    assert len(err.value.reply) <= 160


def test_no_skp_and_long_lines_still_fit_one_sms():
    with pytest.raises(quick_entry.QuickEntryError, match="belum punya SKP"):
        quick_entry.resolve(quick_entry.parse("LAPOR K1 1 x"), [])
    resolved = quick_entry.resolve(quick_entry.parse("LAPOR K2 3 laporan " + "sangat panjang " * 30), KEGIATAN)
    assert len(quick_entry.confirmation(resolved, "14/05")) <= 160


@given(st.text(max_size=300))
def test_any_line_gets_a_reply_of_at_most_160_chars(line):
    try:
        resolved = quick_entry.resolve(quick_entry.parse(line), KEGIATAN)
        reply = quick_entry.confirmation(resolved, "14/05")
    except quick_entry.QuickEntryError as exc:
        reply = exc.reply
    except DomainError:  # pragma: no cover
        raise
    assert 0 < len(reply) <= 160 and "\n" not in reply
