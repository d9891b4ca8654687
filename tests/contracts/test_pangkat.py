"""skp prints pangkat/golongan on the official forms from the golongan identity sends; identity owns the table.
The two must name every golongan alike."""
import pytest

pytestmark = pytest.mark.unit


def test_skp_prints_the_pangkat_identity_knows_for_every_golongan():
    from identity.domain.golongan import Golongan
    from skp.domain.pangkat import PANGKAT

    assert PANGKAT == {g.value: g.pangkat for g in Golongan}
