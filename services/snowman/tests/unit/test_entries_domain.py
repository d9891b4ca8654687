"""Entry content validation and the four-eyes publication rule."""
import pytest

from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, PermissionDenied
from snowman.domain import entries as dom

pytestmark = pytest.mark.unit

GOOD = dom.EntryContent(judul=" Judul ", pertanyaan=("Apa?", "Apa?", " "), jawaban="Jawab.",
                        kelompok=("umum", "umum"), rujukan="PP 46/2011", ruleset="pp46-2011", tags=("A",))


def test_valid_content_is_cleaned():
    clean = dom.validate_content(GOOD)
    assert clean.judul == "Judul" and clean.pertanyaan == ("Apa?",) and clean.kelompok == ("umum",)
    assert clean.tags == ("a",)
    assert clean.fingerprint() == dom.validate_content(GOOD).fingerprint()


@pytest.mark.parametrize("change,field", [
    ({"judul": ""}, "content.judul"), ({"jawaban": " "}, "content.jawaban"), ({"rujukan": ""}, "content.rujukan"),
    ({"pertanyaan": ()}, "content.pertanyaan"), ({"kelompok": ("dokter",)}, "content.kelompok"),
    ({"kelompok": ()}, "content.kelompok"), ({"ruleset": "pp30"}, "content.ruleset")])
def test_invalid_content_names_the_field(change, field):
    with pytest.raises(InvalidArgument) as err:
        dom.validate_content(dom.EntryContent(**{**GOOD.__dict__, **change}))
    assert err.value.field == field


def test_author_cannot_publish_own_draft_unless_admin():
    with pytest.raises(PermissionDenied):
        dom.check_publishable(status=dom.DRAFT, author="x", approver="x", approver_is_admin=False)
    dom.check_publishable(status=dom.DRAFT, author="x", approver="x", approver_is_admin=True)
    dom.check_publishable(status=dom.DRAFT, author="x", approver="y", approver_is_admin=False)
    with pytest.raises(FailedPrecondition):
        dom.check_publishable(status=dom.SUPERSEDED, author="x", approver="y", approver_is_admin=False)


def test_stale_edit_conflicts():
    dom.check_edit_base(3, 3)
    with pytest.raises(Conflict):
        dom.check_edit_base(2, 3)


def test_ids():
    assert dom.slug_from("Nilai Waktu: 76 (PP 46)") == "nilai-waktu-76-pp-46"
    with pytest.raises(InvalidArgument):
        dom.validate_entry_id("Bad Id")
