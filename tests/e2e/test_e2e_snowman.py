"""snowman answers with the asker's job group taken from identity's real token (`kelompok` claim).

A teacher and a nurse, registered in identity with their positions and given expert accounts of their job groups
through identity's API, log in and ask the same question: each gets its own group, and its group's entries first.
snowman verifies identity's tokens with identity's JWKS; a token signed by another key is refused.
"""
import uuid

import grpc
import pytest
from e2e_lib import PASSWORD, des_today, rpc_error

from ekinerja_platform import testing

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

QUESTION = "contoh target angka kredit dalam skp"  # AK targets in the SKP: a PP 46/2011 question
RULESET = "pp46-2011"  # the askers' agency appraises under PP 46 (snowman's default is PermenPANRB 6/2022)


@pytest.fixture(scope="module")
def people(identity, stack):
    inst = "E2E-SNOW-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kota Uji Snowman")
    identity.unit(inst, f"{inst}.SD", "SD Negeri Uji")
    identity.unit(inst, f"{inst}.PKM", "Puskesmas Uji")
    identity.jabatan(inst, f"{inst}.GURU", f"{inst}.SD", "Guru Kelas", "fungsional_tertentu", "pendidik",
                     jenjang="guru muda")
    identity.jabatan(inst, f"{inst}.PERAWAT", f"{inst}.PKM", "Perawat Terampil", "fungsional_tertentu",
                     "kesehatan", jenjang="terampil")
    guru = identity.pegawai(inst, "Guru Ahli", roles=("pegawai", "expert"), kelompok=("pendidik",), gender=2)
    perawat = identity.pegawai(inst, "Perawat Ahli", roles=("pegawai", "expert"), kelompok=("kesehatan",))
    guru_kelas = identity.pegawai(inst, "Guru Kelas Biasa", roles=("pegawai",), gender=2)
    for person, jabatan in ((guru, "GURU"), (perawat, "PERAWAT"), (guru_kelas, "GURU")):
        identity.assign(person.nip, f"{inst}.{jabatan}", des_today().replace(month=1, day=1))
    guru_kelas.token = identity.login(guru_kelas.nip, PASSWORD)  # a token issued now that it holds a position
    return {"guru": guru, "perawat": perawat, "guru_kelas": guru_kelas, "instansi": inst}


def test_a_plain_teacher_is_answered_for_its_own_job_group(snowman, people):
    """Not an expert: identity puts the job group of the teacher's position in the token."""
    stub, pb = snowman
    reply = stub.Ask(pb.AskRequest(pertanyaan=QUESTION), metadata=people["guru_kelas"].md(True), timeout=20)
    assert reply.kelompok == "pendidik"
    assert "pendidik" in reply.answers[0].kelompok


def test_identity_puts_the_expert_job_group_in_the_token(identity, people):
    who = identity.stub.WhoAmI(identity.pb.WhoAmIRequest(), metadata=people["guru"].md(), timeout=20)
    assert list(who.principal.kelompok) == ["pendidik"] and who.principal.nip == people["guru"].nip
    assert who.pegawai.current_assignment.jabatan_id == f"{people['instansi']}.GURU"


def test_snowman_answers_with_the_askers_job_group(snowman, people):
    stub, pb = snowman
    as_guru = stub.Ask(pb.AskRequest(pertanyaan=QUESTION, ruleset=RULESET), metadata=people["guru"].md(True),
                       timeout=20)
    as_perawat = stub.Ask(pb.AskRequest(pertanyaan=QUESTION, ruleset=RULESET), metadata=people["perawat"].md(True),
                          timeout=20)
    assert (as_guru.kelompok, as_perawat.kelompok) == ("pendidik", "kesehatan")
    assert as_guru.status == "answered" and as_guru.answers
    assert "pendidik" in as_guru.answers[0].kelompok
    assert "kesehatan" in as_perawat.answers[0].kelompok
    assert as_guru.answers[0].id != as_perawat.answers[0].id
    # the same question with the group given explicitly ranks like the nurse's token did
    explicit = stub.Ask(pb.AskRequest(pertanyaan=QUESTION, kelompok="kesehatan", ruleset=RULESET),
                        metadata=people["guru"].md(True), timeout=20)
    assert explicit.answers[0].id == as_perawat.answers[0].id


def test_snowman_refuses_a_token_identity_did_not_sign(snowman, people, test_keys):
    stub, pb = snowman
    forged = test_keys.token(subject=people["guru"].nip, roles=["pegawai", "expert"], kelompok=["pendidik"])
    error = rpc_error(lambda: stub.Ask(pb.AskRequest(pertanyaan=QUESTION), metadata=testing.bearer(forged),
                                       timeout=20))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
