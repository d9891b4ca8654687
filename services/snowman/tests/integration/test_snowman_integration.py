"""snowman end to end: a real service process, real PostgreSQL search, the curated knowledge base loaded."""
import json
import time
import uuid

import grpc
import pytest
import sqlalchemy as sa

from ekinerja.snowman.v1 import snowman_pb2 as pb

pytestmark = pytest.mark.integration


def content(judul, pertanyaan, jawaban, kelompok, tags=("uji",)):
    return pb.EntryContent(judul=judul, pertanyaan=pertanyaan, jawaban=jawaban, kelompok=kelompok,
                           rujukan="Uji integrasi", ruleset="pp46-2011", tags=list(tags))


def outbox(engine, event_type):
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY id"),
                            {"t": event_type}).scalars().all()
    return [r["data"] for r in rows]


def code_of(call):
    with pytest.raises(grpc.RpcError) as err:
        call()
    return err.value.code(), err.value.details()


def test_ask_answers_an_informal_question_with_score_and_citation(stub, tokens, snowman_engine):
    response = stub.Ask(pb.AskRequest(pertanyaan="brp persen bobot prilaku dlm ppk pns?"),
                        metadata=tokens["staf"], timeout=10)
    assert response.status == "answered"
    assert response.kelompok == "umum"  # from the token's kelompok claim
    top = response.answers[0]
    assert top.id == "pp46-bobot-skp-perilaku"
    assert "40" in top.jawaban and top.rujukan
    assert len(response.answers) == 3
    scores = [float(a.skor) for a in response.answers]
    assert scores == sorted(scores, reverse=True)
    assert all(len(a.skor.split(".")[1]) == 4 for a in response.answers)  # exact decimal, 4 places
    assert {"question_id": response.question_id, "kelompok": "umum", "status": "answered"} in outbox(
        snowman_engine, "question_asked")


def test_bad_input_is_refused_with_the_field_and_records_nothing(stub, tokens, snowman_engine):
    before = len(outbox(snowman_engine, "question_asked"))
    code, details = code_of(lambda: stub.Ask(pb.AskRequest(pertanyaan="  "), metadata=tokens["staf"], timeout=5))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "pertanyaan" in details
    code, details = code_of(lambda: stub.Ask(pb.AskRequest(pertanyaan="nilai skp", kelompok="dokter"),
                                             metadata=tokens["staf"], timeout=5))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "kelompok" in details
    code, _ = code_of(lambda: stub.Ask(pb.AskRequest(pertanyaan="nilai skp"), timeout=5))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, _ = code_of(lambda: stub.Ask(pb.AskRequest(pertanyaan="nilai skp"), metadata=tokens["operator"],
                                       timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert len(outbox(snowman_engine, "question_asked")) == before


def test_ask_retried_with_the_same_idempotency_key_records_one_question(stub, tokens, snowman_engine):
    key = [("x-idempotency-key", "ask-" + uuid.uuid4().hex)]
    first = stub.Ask(pb.AskRequest(pertanyaan="kapan skp disusun"), metadata=tokens["staf"] + key, timeout=10)
    again = stub.Ask(pb.AskRequest(pertanyaan="kapan skp disusun"), metadata=tokens["staf"] + key, timeout=10)
    assert again.question_id == first.question_id
    with snowman_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM questions WHERE id = :id"),
                            {"id": first.question_id}).scalar() == 1
    assert [e["question_id"] for e in outbox(snowman_engine, "question_asked")].count(first.question_id) == 1


def test_uncovered_question_is_opened_routed_answered_published_then_answered(stub, tokens, snowman_engine):
    question = "apakah perawat jaga malam di puskesmas dapat uang lembur tambahan shift?"
    asked = stub.Ask(pb.AskRequest(pertanyaan=question), metadata=tokens["perawat"], timeout=10)
    assert asked.status == "open" and asked.kelompok == "kesehatan"
    # a second asker with similar wording sees the earlier open question
    again = stub.Ask(pb.AskRequest(pertanyaan="perawat jaga malam puskesmas dapat uang lembur shift?"),
                     metadata=tokens["perawat"], timeout=10)
    assert again.status == "open"
    assert asked.question_id in [s.question_id for s in again.similar_questions]

    # routed to the experts of kesehatan only
    pend = stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(), metadata=tokens["expert_pend"], timeout=10)
    assert asked.question_id not in [q.question_id for q in pend.questions]
    kes = stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(), metadata=tokens["expert_kes_1"], timeout=10)
    assert asked.question_id in [q.question_id for q in kes.questions]
    code, _ = code_of(lambda: stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(), metadata=tokens["perawat"],
                                                     timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _ = code_of(lambda: stub.AnswerQuestion(pb.AnswerQuestionRequest(
        question_id=asked.question_id, content=content("x", ["x"], "x", ["kesehatan"])),
        metadata=tokens["expert_pend"], timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED

    # the duplicate is marked as such
    dup = stub.MarkDuplicate(pb.MarkDuplicateRequest(question_id=again.question_id,
                                                     duplicate_of=asked.question_id),
                             metadata=tokens["expert_kes_1"], timeout=10)
    assert dup.status == "duplicate"

    answer = content("Lembur jaga malam perawat puskesmas",
                     ["Apakah jaga malam perawat di puskesmas dibayar lembur?"],
                     "Jaga malam (shift) perawat dibayar sesuai ketentuan uang lembur instansi.", ["kesehatan"],
                     tags=("lembur", "jaga-malam", "shift"))
    drafted = stub.AnswerQuestion(pb.AnswerQuestionRequest(question_id=asked.question_id,
                                                           entry_id="kes-lembur-jaga-malam", content=answer),
                                  metadata=tokens["expert_kes_1"], timeout=10)
    assert drafted.entry.status == "draft" and drafted.entry.version == 1
    assert question in drafted.entry.content.pertanyaan
    # a draft is not an answer yet, and its author cannot publish it alone
    assert stub.Ask(pb.AskRequest(pertanyaan=question), metadata=tokens["perawat"], timeout=10).status == "open"
    code, details = code_of(lambda: stub.PublishEntry(pb.PublishEntryRequest(
        entry_id="kes-lembur-jaga-malam", version=1), metadata=tokens["expert_kes_1"], timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "second expert" in details
    published = stub.PublishEntry(pb.PublishEntryRequest(entry_id="kes-lembur-jaga-malam", version=1),
                                  metadata=tokens["expert_kes_2"], timeout=10)
    assert published.entry.status == "published" and published.entry.approved_by == "197102022000012005"

    now = stub.Ask(pb.AskRequest(pertanyaan=question), metadata=tokens["perawat"], timeout=10)
    assert now.status == "answered" and now.answers[0].id == "kes-lembur-jaga-malam"
    assert {"entry_id": "kes-lembur-jaga-malam", "question_id": asked.question_id} in outbox(
        snowman_engine, "answer_published")
    kes = stub.ListOpenQuestions(pb.ListOpenQuestionsRequest(), metadata=tokens["expert_kes_1"], timeout=10)
    assert asked.question_id not in [q.question_id for q in kes.questions]
    assert again.question_id not in [q.question_id for q in kes.questions]


def test_job_group_of_the_asker_raises_its_entries(stub, tokens):
    question = "contoh target angka kredit dalam skp"  # an SKP with AK targets: PP 46/2011 agencies
    as_guru = stub.Ask(pb.AskRequest(pertanyaan=question, ruleset="pp46-2011"), metadata=tokens["guru"], timeout=10)
    as_perawat = stub.Ask(pb.AskRequest(pertanyaan=question, ruleset="pp46-2011"), metadata=tokens["perawat"],
                          timeout=10)
    assert "pendidik" in as_guru.answers[0].kelompok
    assert "kesehatan" in as_perawat.answers[0].kelompok
    assert as_guru.answers[0].id != as_perawat.answers[0].id
    # an explicit kelompok overrides the token's
    explicit = stub.Ask(pb.AskRequest(pertanyaan=question, kelompok="kesehatan", ruleset="pp46-2011"),
                        metadata=tokens["guru"], timeout=10)
    assert explicit.kelompok == "kesehatan" and explicit.answers[0].id == as_perawat.answers[0].id


def test_expert_edits_only_its_job_groups(stub, tokens):
    entry = stub.GetEntry(pb.GetEntryRequest(entry_id="guru-pkg-konversi-ak"), metadata=tokens["guru"], timeout=10)
    edited = pb.EntryContent()
    edited.CopyFrom(entry.entry.content)
    code, details = code_of(lambda: stub.EditEntry(pb.EditEntryRequest(
        entry_id="guru-pkg-konversi-ak", content=edited, base_version=entry.entry.version),
        metadata=tokens["expert_kes_1"], timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "kelompok" in details
    code, _ = code_of(lambda: stub.EditEntry(pb.EditEntryRequest(
        entry_id="guru-pkg-konversi-ak", content=edited, base_version=entry.entry.version),
        metadata=tokens["guru"], timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_versions_need_approval_and_keep_history(stub, tokens):
    entry_id = "skp-tanpa-biaya"
    current = stub.GetEntry(pb.GetEntryRequest(entry_id=entry_id), metadata=tokens["staf"], timeout=10)
    assert current.entry.status == "published" and current.entry.author == "seed:entries.yaml"
    v1 = current.entry.version
    edited = pb.EntryContent()
    edited.CopyFrom(current.entry.content)
    edited.jawaban = current.entry.content.jawaban + "\n\nCatatan penguji: contoh versi baru."
    draft = stub.EditEntry(pb.EditEntryRequest(entry_id=entry_id, content=edited, base_version=v1),
                           metadata=tokens["expert_kes_2"], timeout=10)
    assert draft.entry.version == v1 + 1 and draft.entry.status == "draft"
    # a stale edit loses nothing: it is refused
    code, details = code_of(lambda: stub.EditEntry(pb.EditEntryRequest(entry_id=entry_id, content=edited,
                                                                         base_version=v1),
                                                    metadata=tokens["expert_kes_1"], timeout=5))
    assert code == grpc.StatusCode.ABORTED and "base_version" in details
    # readers still get the published version; the draft is invisible to them
    reader = stub.GetEntry(pb.GetEntryRequest(entry_id=entry_id, history=True), metadata=tokens["staf"], timeout=10)
    assert reader.entry.version == v1 and [v.version for v in reader.history] == [v1]
    code, _ = code_of(lambda: stub.GetEntry(pb.GetEntryRequest(entry_id=entry_id, version=v1 + 1),
                                            metadata=tokens["staf"], timeout=5))
    assert code == grpc.StatusCode.NOT_FOUND
    # an expert of another job group cannot publish it; a second expert of the group can
    code, _ = code_of(lambda: stub.PublishEntry(pb.PublishEntryRequest(entry_id=entry_id, version=v1 + 1),
                                                metadata=tokens["expert_kes_2"], timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    stub.PublishEntry(pb.PublishEntryRequest(entry_id=entry_id, version=v1 + 1), metadata=tokens["expert_kes_1"],
                      timeout=10)
    after = stub.GetEntry(pb.GetEntryRequest(entry_id=entry_id, history=True), metadata=tokens["staf"], timeout=10)
    assert after.entry.version == v1 + 1 and "Catatan penguji" in after.entry.content.jawaban
    assert [(v.version, v.status) for v in after.history] == [(v1, "superseded"), (v1 + 1, "published")]
    # an admin may publish its own draft
    mine = stub.EditEntry(pb.EditEntryRequest(entry_id=entry_id, content=current.entry.content,
                                              base_version=v1 + 1), metadata=tokens["admin"], timeout=10)
    done = stub.PublishEntry(pb.PublishEntryRequest(entry_id=entry_id, version=mine.entry.version),
                             metadata=tokens["admin"], timeout=10)
    assert done.entry.status == "published"


def test_votes_change_the_order(stub, tokens, test_keys):
    from ekinerja_platform import testing
    text = "Bagaimana menghitung cuti bersalin bidan desa terhadap target kunjungan nifas?"
    ids = []
    for n, author in ((1, "expert_kes_1"), (2, "expert_kes_2")):
        created = stub.EditEntry(pb.EditEntryRequest(
            entry_id=f"bidan-cuti-nifas-{n}", base_version=0,
            content=content(f"Cuti bersalin bidan desa dan target kunjungan nifas ({n})", [text],
                            "Target kunjungan nifas disesuaikan secara proporsional dengan masa kerja efektif.",
                            ["kesehatan"])), metadata=tokens[author], timeout=10)
        other = "expert_kes_2" if author == "expert_kes_1" else "expert_kes_1"
        stub.PublishEntry(pb.PublishEntryRequest(entry_id=created.entry.entry_id, version=1),
                          metadata=tokens[other], timeout=10)
        ids.append(created.entry.entry_id)
    before = [a.id for a in stub.Ask(pb.AskRequest(pertanyaan=text), metadata=tokens["perawat"], timeout=10).answers]
    assert before[:2] == ids  # equal scores: stable order by id
    loser, winner = ids
    for i in range(4):
        voter = testing.bearer(test_keys.token(subject=f"19900101201503{i:04d}", roles=["pegawai"],
                                               kelompok=["kesehatan"]))
        stub.Vote(pb.VoteRequest(entry_id=winner, helpful=True), metadata=voter, timeout=10)
        stub.Vote(pb.VoteRequest(entry_id=loser, helpful=False), metadata=voter, timeout=10)
    # voting again replaces the vote, it does not add one
    counts = stub.Vote(pb.VoteRequest(entry_id=winner, helpful=True), metadata=voter, timeout=10)
    assert (counts.helpful, counts.not_helpful) == (4, 0)
    after = stub.Ask(pb.AskRequest(pertanyaan=text), metadata=tokens["perawat"], timeout=10).answers
    assert [a.id for a in after[:2]] == [winner, loser]
    assert after[0].helpful == 4 and after[1].not_helpful == 4


def test_cli_ask_json_and_kb_commands(snowman_proc, test_keys, tmp_path):
    import os
    import subprocess
    import sys
    token = test_keys.token(subject="198001012005011001", roles=["pegawai"], kelompok=["pendidik"])
    (tmp_path / "credentials.json").write_text(json.dumps({"access_token": token,
                                                           "access_expires_at": time.time() + 600}))
    env = dict(os.environ, EKINERJA_CONFIG_DIR=str(tmp_path))

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "ekinerja_cli", "--endpoint", f"snowman={snowman_proc.target}",
                               *args], env=env, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout, done.stderr

    code, out, err = cli("ask", "gmn konversi nilai pkg guru ke angka kredit?", "--kelompok", "pendidik",
                         "--aturan", "pp46-2011", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"status", "question_id", "answers"} and data["status"] == "answered"
    assert set(data["answers"][0]) == {"id", "judul", "jawaban", "skor", "kelompok", "rujukan"}
    assert data["answers"][0]["id"] == "guru-pkg-konversi-ak" and "pendidik" in data["answers"][0]["kelompok"]
    # the same asker under the rule in force gets the 6/2022 answer (angka kredit from the predikat) first
    code, out, err = cli("ask", "gmn konversi nilai pkg guru ke angka kredit?", "--kelompok", "pendidik",
                         "--aturan", "permenpanrb-6-2022", "--json")
    assert code == 0, err
    assert json.loads(out)["answers"][0]["id"] == "pmk-angka-kredit-guru"
    code, out, err = cli("ask", "nilai skp", "--aturan", "pp10-1979")
    assert code != 0 and "--aturan" in err
    code, out, _ = cli("kb", "show", "guru-pkg-konversi-ak", "--json")
    assert code == 0 and json.loads(out)["entry"]["content"]["rujukan"]
    code, out, _ = cli("kb", "list", "--kelompok", "pendidik", "--json")
    assert code == 0 and "guru-pkg-konversi-ak" in [e["entry_id"] for e in json.loads(out)["entries"]]
    code, _, err = cli("ask", "nilai", "--kelompok", "dokter")
    assert code == 2 and "kelompok" in err
    code, _, err = cli("kb", "open")
    assert code == 1 and "Anda tidak berwenang" in err  # the CLI words refusals in Indonesian


def test_simultaneous_first_votes_of_one_person_count_once(stub, tokens, test_keys):
    """Two identical first votes racing on one entry: both succeed, the entry counts one vote."""
    from concurrent.futures import ThreadPoolExecutor

    from ekinerja_platform import testing
    entry_id = stub.Ask(pb.AskRequest(pertanyaan="berapa bobot perilaku kerja"), metadata=tokens["staf"],
                        timeout=10).answers[0].id
    for round_ in range(10):
        before = stub.GetEntry(pb.GetEntryRequest(entry_id=entry_id), metadata=tokens["staf"], timeout=10)
        voter = testing.bearer(test_keys.token(subject=f"19920202201801{round_:04d}", roles=["pegawai"],
                                               kelompok=["umum"]))

        def vote(_, voter=voter):
            return stub.Vote(pb.VoteRequest(entry_id=entry_id, helpful=True), metadata=voter, timeout=10)

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(vote, range(8)))
        assert {(r.helpful, r.not_helpful) for r in results} == {(before.helpful + 1, before.not_helpful)}
