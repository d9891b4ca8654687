"""The SKP document's rules without a database: periods, proration, workflow, keberatan window, inputs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from skp.domain import document as d
from skp.domain.catalogue import CATALOGUES

pytestmark = pytest.mark.unit
D = dt.date


def test_period_runs_from_the_assignment_to_the_end_of_its_year_or_its_end():
    assert d.document_period(D(2024, 7, 1), None) == (D(2024, 7, 1), D(2024, 12, 31))
    assert d.document_period(D(2024, 2, 1), D(2024, 6, 30)) == (D(2024, 2, 1), D(2024, 6, 30))
    assert d.document_period(D(2024, 2, 1), D(2026, 1, 1)) == (D(2024, 2, 1), D(2024, 12, 31))
    assert d.months_covered(D(2024, 7, 15), D(2024, 12, 31)) == 6
    assert d.months_covered(D(2024, 1, 2), D(2024, 12, 31)) == 12


def test_a_half_year_gets_half_the_yearly_targets_rounded_half_up():
    items = CATALOGUES["struktural_pengawas"].kegiatan
    funded = next(i for i in items if i.biaya)
    half = d.prorated(funded, 6)
    assert (half.kuantitas, half.waktu, half.biaya) == (Decimal(2), Decimal(6), funded.biaya / 2)
    one = d.prorated(items[0], 1)  # 1 dokumen a year -> still at least 1
    assert (one.kuantitas, one.waktu) == (Decimal(1), Decimal(1))
    assert d.prorated(items[0], 12) == items[0]


def amounts(kuantitas, waktu="12", biaya=None, angka_kredit=None):
    return d.TargetAmounts(Decimal(kuantitas), Decimal(waktu), None if biaya is None else Decimal(biaya),
                           None if angka_kredit is None else Decimal(angka_kredit))


def test_a_document_closed_early_keeps_the_targets_of_the_months_served():
    # 12 planned months, 5 served (January .. May): volume and money x 5/12, half-up to 0.01; waktu capped at 5
    served = d.served_targets(amounts("1200", "12", "24000000", "12.5"), 12, 5)
    assert served == d.TargetAmounts(Decimal(500), Decimal(5), Decimal(10000000), Decimal("5.208"))
    odd = d.served_targets(amounts("10", "3", "1000"), 12, 5)
    assert (odd.kuantitas, odd.waktu, odd.biaya) == (Decimal("4.17"), Decimal(3), Decimal("416.67"))
    assert d.served_targets(amounts("1"), 12, 5).kuantitas == Decimal("0.42")  # not kept at 1 as a whole number
    assert d.served_targets(amounts("0.01"), 12, 1).kuantitas == Decimal("0.01")  # never rounded away
    assert d.served_targets(amounts("7", biaya="0"), 12, 6).biaya == 0  # unfunded stays unfunded
    # a document drafted for 6 months (July..) and closed after 2 (July, August): x 2/6
    assert d.served_targets(amounts("6", "6"), 6, 2) == d.TargetAmounts(Decimal(2), Decimal(2), None, None)
    assert d.served_targets(amounts("6", "6"), 6, 6) == amounts("6", "6")  # nothing to prorate


def test_each_year_of_an_assignment_has_its_own_period():
    assert d.period_in_year(D(2023, 3, 1), None, 2024) == (D(2024, 1, 1), D(2024, 12, 31))
    assert d.period_in_year(D(2023, 3, 1), D(2024, 8, 31), 2024) == (D(2024, 1, 1), D(2024, 8, 31))
    assert d.period_in_year(D(2024, 3, 1), None, 2024) == (D(2024, 3, 1), D(2024, 12, 31))
    assert d.period_in_year(D(2023, 3, 1), D(2023, 12, 31), 2024) is None
    assert d.period_in_year(D(2025, 1, 1), None, 2024) is None


def target(**values):
    base = dict(kegiatan_id="", nama="Menyusun laporan", satuan="dokumen", kuantitas="10", kualitas="",
                waktu="12", biaya="", angka_kredit="")
    base.update(values)
    return d.TargetInput(**base)


@pytest.mark.parametrize("values, field", [
    ({"kuantitas": "0"}, "kegiatan[0].kuantitas"),
    ({"kuantitas": "abc"}, "kegiatan[0].kuantitas"),
    ({"waktu": "13"}, "kegiatan[0].waktu"),
    ({"kualitas": "101"}, "kegiatan[0].kualitas"),
    ({"biaya": "-1"}, "kegiatan[0].biaya"),
    ({"nama": " "}, "kegiatan[0].nama"),
    ({"angka_kredit": "0.5"}, "kegiatan[0].angka_kredit"),  # not a fungsional tertentu position
])
def test_bad_targets_name_their_field(values, field):
    with pytest.raises(InvalidArgument) as error:
        d.validate_targets([target(**values)], "pelaksana", 12)
    assert error.value.field == field


def test_targets_default_kualitas_100_and_waktu_is_bounded_by_the_period():
    [t] = d.validate_targets([target(kuantitas="10.50")], "pelaksana", 12)
    assert (t.kualitas, t.kuantitas, t.nomor) == (Decimal(100), Decimal("10.5"), 1)
    with pytest.raises(InvalidArgument):
        d.validate_targets([target(waktu="7")], "pelaksana", 6)
    [ft] = d.validate_targets([target(angka_kredit="0.250")], "fungsional_tertentu", 12)
    assert ft.angka_kredit == Decimal("0.25")


def test_workflow_transitions():
    assert d.check_submit(d.DRAFT, 2, "p") == d.SUBMITTED
    with pytest.raises(FailedPrecondition):
        d.check_submit(d.DRAFT, 2, None)  # nobody to approve
    with pytest.raises(FailedPrecondition):
        d.check_submit(d.SUBMITTED, 2, "p")
    assert d.check_approve(d.SUBMITTED, as_atasan=False) == d.APPROVED
    with pytest.raises(FailedPrecondition):
        d.check_approve(d.SUBMITTED, as_atasan=True)
    assert d.check_return(d.SUBMITTED, False, "alasan") == d.RETURNED
    with pytest.raises(InvalidArgument):
        d.check_return(d.SUBMITTED, False, " ")
    assert d.check_escalate(d.RETURNED, "tidak setuju", "q") == d.DISPUTED
    with pytest.raises(FailedPrecondition):
        d.check_escalate(d.RETURNED, "tidak setuju", None)
    assert d.check_approve(d.DISPUTED, as_atasan=True) == d.APPROVED


def test_approved_targets_change_only_through_a_revision_with_a_reason():
    assert d.check_editable(d.DRAFT, "", "", False) == d.DRAFT
    with pytest.raises(InvalidArgument):
        d.check_editable(d.APPROVED, "", "", True)
    assert d.check_editable(d.APPROVED, "", "target berubah", True) == d.REVISION
    with pytest.raises(FailedPrecondition):
        d.check_editable(d.SUBMITTED, "", "x", False)
    with pytest.raises(FailedPrecondition):
        d.check_editable(d.APPROVED, d.RESULT_ISSUED, "x", True)


def test_keberatan_within_14_days_then_the_result_becomes_final():
    issued = D(2025, 1, 10)
    deadline = d.keberatan_deadline(issued)
    assert deadline == D(2025, 1, 24)
    assert d.check_keberatan(d.RESULT_ISSUED, deadline, deadline, "alasan", "q") == d.RESULT_KEBERATAN
    with pytest.raises(FailedPrecondition):
        d.check_keberatan(d.RESULT_ISSUED, deadline, deadline + dt.timedelta(days=1), "alasan", "q")
    with pytest.raises(FailedPrecondition):
        d.check_keberatan(d.RESULT_FINAL, deadline, issued, "alasan", "q")
    assert not d.expired(d.RESULT_ISSUED, deadline, deadline)
    assert d.expired(d.RESULT_ISSUED, deadline, deadline + dt.timedelta(days=1))
    assert not d.expired(d.RESULT_KEBERATAN, deadline, deadline + dt.timedelta(days=30))


def test_result_only_after_the_period_on_an_approved_open_document():
    with pytest.raises(FailedPrecondition):
        d.check_issue(d.APPROVED, None, "", D(2024, 12, 31), D(2024, 12, 31))
    d.check_issue(d.APPROVED, None, "", D(2024, 12, 31), D(2025, 1, 2))
    with pytest.raises(FailedPrecondition):
        d.check_issue(d.CLOSED, "moved", "", D(2024, 6, 30), D(2025, 1, 2))


def test_realised_kualitas_is_the_monthly_mean_half_up_to_2_decimals():
    assert d.realised_kualitas([]) is None
    assert d.realised_kualitas([Decimal(80), Decimal(85), Decimal(86)]) == Decimal("83.67")
    assert d.realised_kualitas([Decimal("80.005")]) == Decimal("80.01")


def test_perilaku_kepemimpinan_only_for_struktural():
    five = {"orientasi_pelayanan": "80", "integritas": "82", "komitmen": "78", "disiplin": "85", "kerja_sama": "80"}
    assert len(d.validate_perilaku(five, "pelaksana")) == 5
    with pytest.raises(InvalidArgument) as error:
        d.validate_perilaku({**five, "kepemimpinan": "70"}, "pelaksana")
    assert error.value.field == "perilaku.kepemimpinan"
    with pytest.raises(InvalidArgument) as error:
        d.validate_perilaku(five, "struktural_administrator")
    assert error.value.field == "perilaku.kepemimpinan"
    with pytest.raises(InvalidArgument) as error:
        d.validate_perilaku({**five, "disiplin": "100.5"}, "pelaksana")
    assert error.value.field == "perilaku.disiplin"
