"""The jenis jabatan contract between identity and skp: identity's events carry it as docs/events.md says, and
every jenis identity's demo gives a position has a starter catalogue in skp (so each demo position gets one that
fits it, not a fallback)."""
import datetime as dt
import re
from types import SimpleNamespace

import pytest

from ekinerja_platform.testing import REPO_ROOT

pytestmark = pytest.mark.unit


def documented(event_type: str) -> str:
    text = (REPO_ROOT / "docs" / "events.md").read_text()
    [row] = [line for line in text.splitlines() if line.startswith(f"| `{event_type}` |")]
    return row


def test_position_changed_carries_exactly_the_documented_fields():
    from identity.application.events import position_changed
    row = SimpleNamespace(id="J", instansi_id="I", unit_id="U", nama="Bidan", kind="fungsional_tertentu",
                          job_group="kesehatan", parent_id=None, eselon=None, jenjang="terampil",
                          jenis_jabatan="bidan", version=1)
    data = position_changed(row, "Puskesmas").data
    fields = re.search(r"\| `position_changed` \| `([^`]*)`", documented("position_changed")).group(1)
    assert set(data) == {f.strip() for f in fields.split(",")}
    assert data["jenis_jabatan"] == "bidan"


def test_assignment_changed_new_carries_the_jenis():
    from identity.application.events import assignment_changed
    row = SimpleNamespace(id="J", nama="Bidan", unit_id="U", kind="fungsional_tertentu", job_group="kesehatan",
                          jenis_jabatan="bidan")
    view = SimpleNamespace(instansi_id="I", jabatan_rows={"J": row}, units={"U": SimpleNamespace(nama="PKM")},
                           chain=lambda nip, on: None)
    new = SimpleNamespace(jabatan_id="J", start=dt.date(2024, 1, 2), end=None)
    data = assignment_changed(view, assignment_id="a", nip="n", acting=False, effective_date=dt.date(2024, 1, 2),
                              old=None, new=new, version=1).data
    assert data["new"]["jenis_jabatan"] == "bidan"
    inner = re.search(r"`new` \(`\{([^}]*)\}`", documented("assignment_changed")).group(1)
    assert set(data["new"]) == {f.strip() for f in inner.split(",")}


def test_every_demo_jenis_has_a_catalogue_in_skp():
    from identity.demo import JENIS, J
    from skp.domain.catalogue import CATALOGUES
    assert set(JENIS) == {row[0] for row in J}  # every demo position states its jenis
    assert set(JENIS.values()) <= set(CATALOGUES)


def test_every_demo_position_has_a_fitting_template_of_its_own():
    from identity.demo import AGENCIES, JENIS, J
    from skp.demo import demo_templates
    from skp.domain.catalogue import CATALOGUES
    templates = demo_templates()
    kinds = {f"{instansi}.{row[0]}": row[3] for instansi in AGENCIES for row in J}
    assert set(templates) == set(kinds)  # every position of every demo agency, nothing else
    seen = {}
    for jabatan_id, (source, _reason, kegiatan) in templates.items():
        jenis = JENIS[jabatan_id.split(".", 1)[1]]
        if source.startswith("catalogue:"):
            assert source == f"catalogue:{jenis}"  # the catalogue of the position's own jenis
        fungsional = kinds[jabatan_id] == "fungsional_tertentu"
        assert fungsional or all(k.angka_kredit is None for k in kegiatan)  # angka kredit: fungsional only
        assert all(k.satuan and k.kuantitas > 0 for k in kegiatan)
        names = (jabatan_id.split(".", 1)[0], frozenset(k.nama for k in kegiatan))  # within one agency
        assert names not in seen, f"{jabatan_id} shares its template with {seen.get(names)}"
        seen[names] = jabatan_id
    # positions sharing a jenis never fall back to one shared list
    shared = {j for j in JENIS.values() if list(JENIS.values()).count(j) > 1}
    assert shared <= set(CATALOGUES)
