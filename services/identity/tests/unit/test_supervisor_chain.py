"""Assignments and the supervisor chain (pejabat penilai, atasan pejabat penilai) over the position tree."""

from datetime import date

import pytest

from ekinerja_platform.domain_errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from identity.domain.organisation import (
    Assignment,
    Holder,
    Jabatan,
    JabatanKind,
    JobGroup,
    SupervisorChain,
    ancestors,
    chain_key,
    chain_updates,
    resolve_supervisor_chain,
    validate_new_assignment,
    validate_tree,
)

pytestmark = pytest.mark.unit

ON = date(2025, 3, 10)
YEAR_START = date(2025, 1, 1)

# Sekda -> Kepala Dinas -> Kabid -> Kasi 1 / Kasi 2 -> staff positions
TREE = {
    j.id: j
    for j in [
        Jabatan("sekda", "Sekretaris Daerah", "setda", JabatanKind.STRUKTURAL_JPT, JobGroup.UMUM, None, eselon="II.a"),
        Jabatan("kadis", "Kepala Dinas", "dinas", "struktural_jpt", "umum", "sekda", eselon="II.b"),
        Jabatan("kabid", "Kepala Bidang", "dinas", "struktural_administrator", "umum", "kadis", eselon="III.b"),
        Jabatan("kasi1", "Kepala Seksi 1", "dinas", "struktural_pengawas", "umum", "kabid", eselon="IV.a"),
        Jabatan("kasi2", "Kepala Seksi 2", "dinas", "struktural_pengawas", "umum", "kabid", eselon="IV.a"),
        Jabatan("staf1", "Pengadministrasi Umum", "dinas", "pelaksana", "umum", "kasi1"),
        Jabatan("staf2", "Pengolah Data", "dinas", "pelaksana", "umum", "kasi2"),
    ]
}

SEKDA = "197001011995031001"
KADIS = "197202022000031002"
KABID = "197503032002121001"
KASI1 = "198004042005012001"
KASI2 = "198105052006041001"
STAF = "199006062015032001"
OTHER = "198707072010011001"


def held(nip, jabatan_id, start=YEAR_START, end=None, acting=False):
    return Assignment(nip, jabatan_id, start, end, acting)


FULL = [
    held(SEKDA, "sekda"),
    held(KADIS, "kadis"),
    held(KABID, "kabid"),
    held(KASI1, "kasi1"),
    held(KASI2, "kasi2"),
    held(STAF, "staf1"),
]


def without(*nips):
    return [a for a in FULL if a.nip not in nips]


def chain(nip, assignments, on=ON, tree=TREE):
    return resolve_supervisor_chain(nip, on, tree, assignments)


def test_full_chain():
    assert chain(STAF, FULL) == SupervisorChain(
        jabatan_id="staf1",
        pejabat_penilai=Holder(KASI1, "kasi1", acting=False),
        atasan_pejabat_penilai=Holder(KABID, "kabid", acting=False),
    )


def test_vacancy_one_level_up():
    result = chain(STAF, without(KASI1))
    assert result.pejabat_penilai == Holder(KABID, "kabid", False)
    assert result.atasan_pejabat_penilai == Holder(KADIS, "kadis", False)


def test_vacancy_two_levels_up():
    result = chain(STAF, without(KASI1, KABID))
    assert result.pejabat_penilai == Holder(KADIS, "kadis", False)
    assert result.atasan_pejabat_penilai == Holder(SEKDA, "sekda", False)


def test_vacancy_between_penilai_and_atasan():
    result = chain(STAF, without(KABID))
    assert result.pejabat_penilai == Holder(KASI1, "kasi1", False)
    assert result.atasan_pejabat_penilai == Holder(KADIS, "kadis", False)


def test_acting_holder_counts_when_there_is_no_definitive_one():
    plt = held(KASI2, "kasi1", start=date(2025, 2, 1), acting=True)  # Kasi 2 is also Plt Kasi 1
    result = chain(STAF, [*without(KASI1), plt])
    assert result.pejabat_penilai == Holder(KASI2, "kasi1", acting=True)
    assert result.atasan_pejabat_penilai == Holder(KABID, "kabid", False)


def test_definitive_holder_preferred_over_acting():
    plh = held(KASI2, "kasi1", start=date(2025, 3, 1), end=date(2025, 3, 31), acting=True)
    for assignments in ([*FULL, plh], [plh, *FULL]):
        assert chain(STAF, assignments).pejabat_penilai == Holder(KASI1, "kasi1", False)


def test_acting_holder_only_during_the_acting_period():
    plh = held(KASI2, "kasi1", start=date(2025, 3, 1), end=date(2025, 3, 31), acting=True)
    assignments = [*without(KASI1), plh]
    assert chain(STAF, assignments, on=date(2025, 3, 31)).pejabat_penilai.nip == KASI2
    assert chain(STAF, assignments, on=date(2025, 4, 1)).pejabat_penilai.nip == KABID


def test_nobody_is_their_own_penilai():
    # The Kabid is also Plt Kepala Dinas: he is rated by the Sekda, not by himself.
    plt_kadis = held(KABID, "kadis", acting=True)
    assignments = [*without(KADIS), plt_kadis]
    result = chain(KABID, assignments)
    assert result.jabatan_id == "kabid"
    assert result.pejabat_penilai == Holder(SEKDA, "sekda", False)
    assert result.atasan_pejabat_penilai is None


def test_penilai_is_not_also_the_atasan():
    # Kasi 1 is rated by the Kabid; the Kabid is also Plt Kadis, so the atasan is the next one up.
    plt_kadis = held(KABID, "kadis", acting=True)
    result = chain(KASI1, [*without(KADIS), plt_kadis])
    assert result.pejabat_penilai == Holder(KABID, "kabid", False)
    assert result.atasan_pejabat_penilai == Holder(SEKDA, "sekda", False)


def test_atasan_starts_above_the_position_where_the_penilai_was_found():
    # Kasi 2 is Plt Kasi 1: the atasan is found above kasi1 (the Kabid), whatever Kasi 2's own position is.
    plt = held(KASI2, "kasi1", acting=True)
    result = chain(STAF, [*without(KASI1, KABID), plt])
    assert result.pejabat_penilai == Holder(KASI2, "kasi1", True)
    assert result.atasan_pejabat_penilai == Holder(KADIS, "kadis", False)


def test_move_on_a_date():
    move = date(2025, 7, 1)
    assignments = [
        *without(STAF),
        held(STAF, "staf1", end=date(2025, 6, 30)),
        held(STAF, "staf2", start=move),
    ]
    before = chain(STAF, assignments, on=date(2025, 6, 30))
    after = chain(STAF, assignments, on=move)
    assert (before.jabatan_id, before.pejabat_penilai.nip) == ("staf1", KASI1)
    assert (after.jabatan_id, after.pejabat_penilai.nip) == ("staf2", KASI2)


def test_supervisor_replaced_on_a_date():
    assignments = [
        *without(KASI1),
        held(KASI1, "kasi1", end=date(2025, 6, 30)),
        held(OTHER, "kasi1", start=date(2025, 7, 1)),
    ]
    assert chain(STAF, assignments, on=date(2025, 6, 30)).pejabat_penilai.nip == KASI1
    assert chain(STAF, assignments, on=date(2025, 7, 1)).pejabat_penilai.nip == OTHER


def test_supervisor_gap_walks_up():
    assignments = [*without(KASI1), held(KASI1, "kasi1", end=date(2025, 3, 9))]
    assert chain(STAF, assignments, on=date(2025, 3, 9)).pejabat_penilai.nip == KASI1
    assert chain(STAF, assignments, on=date(2025, 3, 10)).pejabat_penilai.nip == KABID


def test_top_of_tree():
    assert chain(SEKDA, FULL) == SupervisorChain("sekda", None, None)
    result = chain(KADIS, FULL)
    assert result.pejabat_penilai == Holder(SEKDA, "sekda", False)
    assert result.atasan_pejabat_penilai is None


def test_everything_above_vacant():
    assert chain(STAF, [held(STAF, "staf1")]) == SupervisorChain("staf1", None, None)


def test_chain_uses_the_definitive_position_of_someone_who_also_acts():
    plt = held(KASI1, "kasi2", acting=True)
    assert chain(KASI1, [*without(KASI2), plt]).jabatan_id == "kasi1"


def test_no_definitive_assignment_on_the_date():
    with pytest.raises(NotFound) as err:
        chain(STAF, FULL, on=date(2024, 12, 31))
    assert err.value.field == "nip"
    assert STAF not in str(err.value)  # the NIP is masked in messages, which may end up in logs
    with pytest.raises(NotFound):
        chain(STAF, [held(STAF, "kasi1", acting=True)])


def test_two_definitive_assignments_on_the_date_are_reported():
    with pytest.raises(AlreadyExists):
        chain(STAF, [*FULL, held(STAF, "staf2")])


def test_unknown_position():
    with pytest.raises(NotFound) as err:
        chain(STAF, [held(STAF, "nowhere")])
    assert err.value.field == "jabatan_id"
    orphan = {**TREE, "staf1": Jabatan("staf1", "Staf", "dinas", "pelaksana", "umum", "gone")}
    with pytest.raises(NotFound) as err:
        chain(STAF, [held(STAF, "staf1")], tree=orphan)
    assert err.value.field == "parent_id"


def test_cycle_is_refused_with_a_clear_error():
    looped = {
        **TREE,
        "sekda": Jabatan("sekda", "Sekretaris Daerah", "setda", "struktural_jpt", "umum", "kasi1"),
    }
    with pytest.raises(FailedPrecondition) as err:
        chain(STAF, [held(STAF, "staf1")], tree=looped)  # everything vacant: the walk would never end
    assert err.value.field == "parent_id"
    assert "cycle" in err.value.message and "'kasi1'" in err.value.message
    with pytest.raises(FailedPrecondition):
        validate_tree(looped)
    validate_tree(TREE)


def test_ancestors_nearest_first():
    assert [j.id for j in ancestors("staf2", TREE)] == ["kasi2", "kabid", "kadis", "sekda"]
    assert list(ancestors("sekda", TREE)) == []


# --- validate_new_assignment -------------------------------------------------------------------------------


def test_overlapping_definitive_assignment_refused():
    existing = [held(STAF, "staf1")]  # open-ended
    with pytest.raises(AlreadyExists) as err:
        validate_new_assignment(existing, held(STAF, "staf2", start=date(2025, 7, 1)))
    assert err.value.code == "already_exists"
    assert STAF not in err.value.message


def test_move_needs_the_old_assignment_to_end_the_day_before():
    validate_new_assignment([held(STAF, "staf1", end=date(2025, 6, 30))], held(STAF, "staf2", start=date(2025, 7, 1)))
    with pytest.raises(AlreadyExists):  # end dates are inclusive: both held on 1 July
        validate_new_assignment(
            [held(STAF, "staf1", end=date(2025, 7, 1))], held(STAF, "staf2", start=date(2025, 7, 1))
        )


def test_new_assignment_before_an_existing_one():
    existing = [held(STAF, "staf1", start=date(2025, 7, 1))]
    validate_new_assignment(existing, held(STAF, "staf2", start=YEAR_START, end=date(2025, 6, 30)))
    with pytest.raises(AlreadyExists):
        validate_new_assignment(existing, held(STAF, "staf2", start=YEAR_START))  # open-ended runs into it


def test_acting_may_overlap_definitive():
    existing = [held(KASI2, "kasi2")]
    validate_new_assignment(existing, held(KASI2, "kasi1", acting=True))
    validate_new_assignment([held(KASI2, "kasi1", acting=True)], held(KASI2, "kasi2"))


def test_other_people_do_not_conflict():
    validate_new_assignment([held(KASI1, "kasi1")], held(OTHER, "kasi1", acting=True))
    validate_new_assignment([held(STAF, "staf1")], held(OTHER, "staf1"))  # a pelaksana position has many holders


def test_same_person_same_position_twice_refused():
    with pytest.raises(AlreadyExists):
        validate_new_assignment([held(KASI2, "kasi1", acting=True)], held(KASI2, "kasi1", acting=True))


def test_assignment_end_before_start_refused():
    with pytest.raises(InvalidArgument) as err:
        Assignment(STAF, "staf1", date(2025, 2, 1), date(2025, 1, 31), False)
    assert err.value.field == "end"
    Assignment(STAF, "staf1", date(2025, 2, 1), date(2025, 2, 1), False)  # a one-day assignment is fine


def test_jabatan_values_checked():
    assert TREE["kadis"].kind is JabatanKind.STRUKTURAL_JPT and TREE["kadis"].job_group is JobGroup.UMUM
    assert TREE["kasi1"].is_struktural and not TREE["staf1"].is_struktural
    with pytest.raises(InvalidArgument) as err:
        Jabatan("x", "X", "u", "eselon_v", "umum", None)
    assert err.value.field == "kind"
    with pytest.raises(InvalidArgument) as err:
        Jabatan("x", "X", "u", "pelaksana", "guru", None)
    assert err.value.field == "job_group"
    with pytest.raises(InvalidArgument):
        Jabatan("x", "X", "u", "pelaksana", "umum", "x")


# -- holders off duty, and what a change tells the subordinates ------------------------------------------------------

def test_a_holder_off_duty_is_walked_past_and_a_plt_beside_them_counts():
    tugas_belajar = {KASI1}
    on_duty = lambda nip, on: nip not in tugas_belajar  # noqa: E731
    result = resolve_supervisor_chain(STAF, ON, TREE, FULL, on_duty)
    assert result.pejabat_penilai == Holder(KABID, "kabid", False)
    assert result.atasan_pejabat_penilai == Holder(KADIS, "kadis", False)
    plt = held(KASI2, "kasi1", acting=True)
    result = resolve_supervisor_chain(STAF, ON, TREE, [*FULL, plt], on_duty)
    assert result.pejabat_penilai == Holder(KASI2, "kasi1", True)
    assert result.atasan_pejabat_penilai == Holder(KABID, "kabid", False)


def test_chain_updates_tell_only_who_changed_and_again_when_an_acting_period_ends():
    march, june = date(2025, 3, 1), date(2025, 6, 1)
    plh = held(KASI2, "kasi1", start=march, end=date(2025, 5, 31), acting=True)
    before = without(KASI1)
    after = [*before, plh]
    of = lambda assignments: lambda nip, on: (  # noqa: E731
        resolve_supervisor_chain(nip, on, TREE, assignments)
        if any(a.nip == nip and not a.acting and a.covers(on) for a in assignments) else None)
    # STAF (below kasi1) changes twice; KASI2 (not below kasi1) never; OTHER holds nothing on those dates
    updates = chain_updates({STAF: [june, march], KASI2: [march, june], OTHER: [march]}, of(before), of(after))
    assert [(nip, on, chain_key(c)[:2]) for nip, on, c in updates] == [
        (STAF, march, (KASI2, KABID)),
        (STAF, june, (KABID, KADIS)),
    ]


def test_every_head_up_the_chain_is_known_and_a_new_head_is_told_to_everyone_below():
    """The heads (Kepala Dinas, Sekda, …) are every holder above, nearest first; a change at the top changes the
    chain of the staff far below it, so they are told (issue 16.3: heads read their subordinates' work)."""
    assert [h.nip for h in chain(STAF, FULL).heads] == [KASI1, KABID, KADIS, SEKDA]
    assert [h.nip for h in chain(KADIS, FULL).heads] == [SEKDA]
    new_sekda = [*without(SEKDA), held(OTHER, "sekda")]
    updates = chain_updates({STAF: [ON]}, lambda n, o: chain(n, FULL, on=o), lambda n, o: chain(n, new_sekda, on=o))
    assert [(nip, chain_key(c)) for nip, _, c in updates] == [(STAF, (KASI1, KABID, (KASI1, KABID, KADIS, OTHER)))]


def test_chain_updates_nothing_when_the_chain_is_the_same():
    same = chain_updates({STAF: [ON]}, lambda n, o: chain(n, FULL, on=o), lambda n, o: chain(n, FULL, on=o))
    assert same == []
