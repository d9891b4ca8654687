"""Under PermenPANRB 6/2022 a report's ``kegiatan_id`` names an IKI of the approved plan: a name that is not one is
refused naming the field, in Indonesian; a PP 46 document keeps its answer word for word."""
import datetime as dt

import pytest

from des.adapters.activity_store import Context
from des.application.access import check_context as _check_context
from ekinerja_platform.domain_errors import InvalidArgument

pytestmark = pytest.mark.unit
DAY = dt.date(2025, 3, 4)


def context(ruleset, kegiatan_id=None):
    return Context("skp-1", "i-1", "u-1", "p-1", 1, None, False, kegiatan_id, "dokumen" if kegiatan_id else None,
                   1 if kegiatan_id else None, ruleset)


def test_an_iki_not_in_the_approved_plan_is_refused_naming_the_field():
    with pytest.raises(InvalidArgument) as error:
        _check_context(context("permenpanrb-6-2022"), DAY, "iki-x")
    assert error.value.field == "kegiatan_id" and "bukan IKI" in str(error.value)
    assert _check_context(context("permenpanrb-6-2022", "iki-1"), DAY, "iki-1").kegiatan_id == "iki-1"


def test_a_pp46_document_answers_as_before():
    with pytest.raises(InvalidArgument) as error:
        _check_context(context("pp46-2011"), DAY, "k-x")
    assert error.value.field == "kegiatan_id" and "'k-x' is not a kegiatan of SKP skp-1" in str(error.value)
    assert Context("s", "i", None, None, 1, None, False, None, None, None).ruleset == "pp46-2011"
