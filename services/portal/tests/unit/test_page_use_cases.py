"""Every page use case of the portal (application/pages.py, actions.py, views.py) on a fake `Services` port: no
service, no gRPC channel, no database. The fake builds the real protobuf request from the plain fields each call
sends (adapters.services.request_type), so a misspelt field or enum name fails here as it would against a service,
and answers only with the application's plain answers (application/answers.py), as the adapter does: it refuses
anything else (a protobuf message, a SimpleNamespace), so no use case is tested on a shape the port never returns.

Checked failing (each mutation reverted after): `kept` left out of `add_target` (the stored kegiatan would be lost),
the `ids` check removed from `_approve`, `optional` dropped around ScoreSkp in `skp_detail`, and "kelompok" renamed
"kelompoks" in `tanya_action` (the real request refuses the field) each fail a test below.
"""
import asyncio
import datetime as dt
import threading
from dataclasses import fields, is_dataclass
from types import SimpleNamespace as NS

import pytest
from portal.adapters.services import request_type
from portal.application import actions, pages, views
from portal.application import answers as A
from portal.application.actions import FormProblems, UnknownAction
from portal.application.ports import ServiceError

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 3, 5)


def run(coroutine):
    """On a loop of its own in a thread (the browser tests in the same process keep the main thread's loop)."""
    result = {}

    def work():
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001 - handed back to the test's thread
            result["error"] = error
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    if "error" in result:
        raise result["error"]
    return result["value"]


class FakeServices:
    """Answers by (service, rpc): an object, a callable of the fields, or a ServiceError to raise. Unanswered RPCs
    refuse with UNIMPLEMENTED. Every call is recorded with its fields, token, write flag and key."""

    def __init__(self, **answers):
        self.answers = {tuple(name.split("_", 1)): value for name, value in answers.items()}
        self.calls = []

    def answer(self, service, rpc, value):
        self.answers[(service, rpc)] = value
        return self

    async def call(self, service, rpc, fields, token="", *, write=False, idempotency_key="", metadata=()):
        request_type(service, rpc)(**fields)  # the real request accepts these fields (names, types, enum names)
        self.calls.append(NS(service=service, rpc=rpc, fields=fields, token=token, write=write, key=idempotency_key,
                             metadata=metadata))
        value = self.answers.get((service, rpc), ServiceError("UNIMPLEMENTED", f"{rpc} not faked"))
        if isinstance(value, ServiceError):
            raise value
        answer = value(fields) if callable(value) else value
        assert_plain(answer)
        return answer

    def rpcs(self):
        return [c.rpc for c in self.calls]

    def last(self, rpc):
        return [c for c in self.calls if c.rpc == rpc][-1]


PLAIN = (str, int, bool, bytes, type(None))


def assert_plain(value, where="answer"):
    """An answer the port may give: None, or an application/answers value made of plain values all the way down."""
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            assert_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, PLAIN):
        return
    assert is_dataclass(value) and type(value).__module__ == A.__name__, f"{where}: {type(value)} is not a plain answer"
    for f in fields(value):
        assert_plain(getattr(value, f.name), f"{where}.{f.name}")


def refused(code="PERMISSION_DENIED", field=""):
    return ServiceError(code, "no", field)


def org(*positions):
    return A.Organisation(positions=tuple(A.Position(A.Jabatan(parent_id=parent, nama=nama),
                                                     (A.Holder(nip=nip, nama=orang),))
                                          for parent, nama, nip, orang in positions))


# -- Laporan ------------------------------------------------------------------------------------------------------

def activity(state="draft", **more):
    base = dict(activity_id="a1", kegiatan_id="k1", kuantitas="2.50", uraian="rapat", tanggal="2026-03-04",
                menit=0, jam_mulai="08:00", jam_selesai="09:00", satuan="jam", state=state)
    return A.Activity(**{**base, **more})


def line(**fields):
    """A report as ListActivities and ReviewQueue answer it."""
    base = dict(activity_id="a1", tanggal="2026-03-04", jam_mulai="08:00", uraian="rapat", kuantitas="2.50")
    return A.ActivityLine(**{**base, **fields})


def test_laporan_lists_the_month_newest_first():
    services = FakeServices(des_ListActivities=A.ActivityList(activities=(
        line(activity_id="old", tanggal="2026-03-01"), line(activity_id="late", jam_mulai="13:00"),
        line(activity_id="early"))))
    data = run(pages.laporan(services, "tok", "2026-03"))
    assert [a.activity_id for a in data["items"]] == ["late", "early", "old"] and data["bulan"] == "2026-03"
    assert services.last("ListActivities").fields == {"bulan": "2026-03"}


def test_the_report_form_empty_stored_or_as_typed():
    services = FakeServices(des_GetMonthlyTargets=A.MonthlyTargets(targets=(A.MonthlyTarget(
        kegiatan_id="k1", nomor=1, nama="Rapat", satuan="jam"),)))
    empty = run(pages.laporan_form(services, "tok", TODAY))
    assert empty["values"] == {"tanggal": "2026-03-05"} and empty["editable"] and not empty["sendable"]
    assert [k["id"] for k in empty["kegiatan"]] == ["k1"]
    stored = run(pages.laporan_form(services, "tok", TODAY, activity("revision_requested")))
    assert stored["values"]["kuantitas"] == "2,5" and stored["values"]["menit"] == "" and stored["sendable"]
    locked = run(pages.laporan_form(services, "tok", TODAY, activity("locked"), {"uraian": "diketik"}))
    assert not locked["editable"] and locked["values"] == {"uraian": "diketik", "tanggal": "2026-03-05"}
    services.answer("des", "GetMonthlyTargets", refused("FAILED_PRECONDITION"))
    assert run(pages.laporan_form(services, "tok", TODAY))["kegiatan"] == []     # no SKP yet: no choices


def test_a_stored_report_and_its_evidence():
    services = FakeServices(des_GetActivity=activity(), des_GetEvidence=A.File(b"%PDF", "x/pdf"))
    assert run(pages.activity(services, "tok", "a1")).activity_id == "a1"
    assert run(pages.evidence(services, "tok", "a1")) == pages.Download(b"%PDF", "x/pdf", "bukti")
    services.answer("des", "GetActivity", refused("NOT_FOUND"))
    assert run(pages.activity_or_none(services, "tok", "a1")) is None
    with pytest.raises(ServiceError):
        run(pages.activity(services, "tok", "a1"))


# -- SKP ----------------------------------------------------------------------------------------------------------

def test_skp_list_with_the_team_under_the_callers_position():
    d1 = A.SkpSummary(skp_id="d1")
    services = FakeServices(skp_ListSkp=A.SkpList(documents=(d1,)), identity_GetOrganisation=org(
        ("J1", "Guru", "2", "Budi"), ("J1", "Guru", "1", "Ani"), ("J9", "Lain", "3", "Cici")))
    data = run(pages.skp_list(services, "tok", {"jabatan_id": "J1"}, "199"))
    assert data["documents"] == [d1] and data["nip"] == "199"
    assert [t["nama"] for t in data["team"]] == ["Ani", "Budi"]
    services.answer("identity", "GetOrganisation", refused())
    assert run(pages.skp_list(services, "tok", {"jabatan_id": "J1"}, ""))["team"] == []


def test_skp_detail_says_the_viewers_part_and_hides_a_score_that_cannot_be_computed():
    doc = A.SkpDocument(nip="A", penilai_nip="P", atasan_penilai_nip="Q")
    services = FakeServices(skp_GetSkp=A.SkpAnswer(document=doc), skp_ScoreSkp=A.Score(nilai_capaian_skp="110"))
    data = run(pages.skp_detail(services, "tok", "s1", "P"))
    assert (data["owner"], data["penilai"], data["atasan"], data["score"].nilai_capaian_skp) == (False, True, False,
                                                                                                  "110")
    services.answer("skp", "ScoreSkp", refused("FAILED_PRECONDITION"))
    assert run(pages.skp_detail(services, "tok", "s1", "A"))["score"] is None


def test_exports_ask_for_the_chosen_format_and_form():
    services = FakeServices(skp_ExportSkp=A.File(content=b"x", content_type="t", filename="skp.xlsx"),
                            recap_ExportRecap=A.File(content=b"y", content_type="u", filename="rekap.csv"))
    assert run(pages.skp_export(services, "tok", "s1", "xlsx", "penilaian")).filename == "skp.xlsx"
    assert services.last("ExportSkp").fields == {"skp_id": "s1", "format": "EXPORT_FORMAT_XLSX",
                                                 "form": "EXPORT_FORM_PENILAIAN"}
    run(pages.skp_export(services, "tok", "s1", "", ""))
    assert services.last("ExportSkp").fields["format"] == "EXPORT_FORMAT_PDF"
    assert run(pages.rekap_export(services, "tok", TODAY, "U1", "", "")).content == b"y"
    assert services.last("ExportRecap").fields["format"] == "EXPORT_FORMAT_CSV"


# -- Rekap --------------------------------------------------------------------------------------------------------

def test_rekap_of_an_instansi_a_unit_or_an_employees_months():
    month = A.GroupRecap(rows=(A.RecapRow(nama="Ani"),), period_key="2026-03", unit_nama="SD 1")
    services = FakeServices(recap_GetInstansiRecap=month, recap_GetUnitRecap=month,
                            recap_GetEmployeeRecap=lambda f: A.EmployeeRecap(counters=A.Counters(
                                planned_qty=f["date"][5:7], recognised_qty="1")))
    assert run(pages.rekap(services, "tok", TODAY, instansi_id="I1"))["view"] == "instansi"
    unit = run(pages.rekap(services, "tok", TODAY, unit_id="U1"))
    assert (unit["view"], unit["unit_nama"]) == ("unit", "SD 1")
    employee = run(pages.rekap(services, "tok", TODAY, nip="199"))
    assert employee["view"] == "pegawai" and [m for m, _ in employee["months"]] == ["Jan", "Feb", "Mar"]
    assert employee["current"].counters.planned_qty == "03" and employee["chart"].startswith("<svg")
    assert {c.fields["period"] for c in services.calls} == {"PERIOD_MONTH"}


# -- Tanya --------------------------------------------------------------------------------------------------------

def test_tanya_shows_the_expert_lists_only_to_an_expert():
    q, e = A.OpenQuestion(question_id="q"), A.EntrySummary(entry_id="e")
    services = FakeServices(snowman_ListOpenQuestions=A.OpenQuestions(questions=(q,)),
                            snowman_ListEntries=A.Entries(entries=(e,)))
    assert run(pages.tanya(services, "tok", ["pegawai"])) == {"expert": False, "open_questions": [], "drafts": []}
    assert services.calls == []
    assert run(pages.tanya(services, "tok", ["expert"])) == {"expert": True, "open_questions": [q], "drafts": [e]}
    assert services.last("ListEntries").fields == {"status": "draft"}
    services.answer("snowman", "ListEntries", refused())
    assert run(pages.tanya(services, "tok", ["expert"]))["drafts"] == []


def test_ask_and_the_expert_actions():
    services = FakeServices(snowman_Ask=A.AskAnswer(), snowman_Vote=None, snowman_AnswerQuestion=None,
                            snowman_PublishEntry=None)
    with pytest.raises(FormProblems) as empty:
        run(actions.ask(services, "tok", "", "k" * 16))
    assert empty.value.problems[0].field == "pertanyaan" and services.calls == []
    run(actions.ask(services, "tok", "apa itu AK?", "k" * 16))
    assert services.last("Ask").write and services.last("Ask").key == "k" * 16
    assert run(actions.tanya_action(services, "tok", "suara", {"entry_id": "e1", "helpful": "1"}, [])).startswith(
        "Terima kasih")
    assert services.last("Vote").fields["helpful"] is True
    run(actions.tanya_action(services, "tok", "jawab", {"question_id": "q1", "judul": "AK"}, ["guru"]))
    assert services.last("AnswerQuestion").fields["content"]["kelompok"] == ["guru"]
    run(actions.tanya_action(services, "tok", "terbitkan", {"entry_id": "e1", "version": ""}, []))
    assert services.last("PublishEntry").fields["version"] == 0
    with pytest.raises(UnknownAction):
        run(actions.tanya_action(services, "tok", "hapus", {}, []))


# -- Tim saya -----------------------------------------------------------------------------------------------------

class PegawaiOf:
    """identity's GetPegawai: the names it knows; NOT_FOUND for the others (their NIP is shown)."""

    def __init__(self, names):
        self.names = names

    def __call__(self, fields):
        if fields["nip"] not in self.names:
            raise refused("NOT_FOUND")
        return A.Pegawai(nip=fields["nip"], nama=self.names[fields["nip"]])


def test_tim_groups_the_queue_by_person_and_day_with_names():
    queue = (line(nip="2", tanggal="2026-03-04"), line(nip="1", tanggal="2026-03-05"),
             line(nip="1", tanggal="2026-03-03"))
    services = FakeServices(des_ReviewQueue=A.ActivityList(activities=queue), identity_GetOrganisation=org(),
                            recap_ListNoncompliance=refused(), identity_GetPegawai=PegawaiOf({"1": "Ani"}))
    data = run(views.tim(services, "tok", {"instansi_id": "I1"}, TODAY))
    assert [(g["nama"], list(g["days"])) for g in data["groups"]] == [("2", ["2026-03-04"]),
                                                                      ("Ani", ["2026-03-03", "2026-03-05"])]
    assert (data["count"], data["oldest"], data["gaps_known"]) == (3, "2026-03-03", False)


def test_review_actions():
    services = FakeServices(des_ApproveActivities=None, des_RequestRevision=None,
                            des_LockPeriod=A.Locked(activity_ids=("a", "b")), des_SetMonthlyQuality=None)
    with pytest.raises(FormProblems):
        run(actions.review(services, "tok", "setujui", {}, []))
    with pytest.raises(FormProblems):
        run(actions.review(services, "tok", "revisi", {"catatan": "  "}, []))
    assert services.calls == []
    assert run(actions.review(services, "tok", "setujui", {}, ["a", "b"])) == "2 laporan disetujui."
    assert services.last("ApproveActivities").fields == {"items": [{"activity_id": "a"}, {"activity_id": "b"}]}
    assert run(actions.review(services, "tok", "kunci", {"cakupan": "bulan", "bulan": "2026-03"}, [])) == \
        "Terkunci: 2 laporan."
    assert services.last("LockPeriod").fields["scope"] == "LOCK_SCOPE_MONTH"
    run(actions.review(services, "tok", "kualitas", {"nip": "1", "kualitas": "110"}, []))
    assert all(c.write for c in services.calls)
    with pytest.raises(UnknownAction):
        run(actions.review(services, "tok", "hapus", {}, []))


# -- sign in / out ------------------------------------------------------------------------------------------------

def login_reply():
    return A.Tokens(access_token="at", refresh_token="rt", access_expires_at=10, refresh_expires_at=20,
                    principal=A.Principal(subject="s", roles=("pegawai",), instansi_id="I1", nip="199",
                                          kelompok=("guru",)))


def test_sign_in_checks_the_form_then_asks_identity_who_it_is():
    with pytest.raises(FormProblems) as empty:
        run(actions.sign_in(FakeServices(), "", "", "10.0.0.1"))
    assert [p.field for p in empty.value.problems] == ["user", "password"]
    services = FakeServices(identity_Login=login_reply(), identity_WhoAmI=A.WhoAmI(
        account="", pegawai=A.Pegawai(nama="Ani", current_assignment=A.Assignment(jabatan_id="J1"))))
    signed = run(actions.sign_in(services, "199", "rahasia", "1.2.3.4, 10.0.0.1"))
    assert (signed.access_token, signed.refresh_expires_at) == ("at", 20)
    assert signed.principal == {"subject": "s", "roles": ["pegawai"], "instansi_id": "I1", "nip": "199",
                                "kelompok": ["guru"], "nama": "Ani", "jabatan_id": "J1"}
    assert services.last("Login").metadata == (("x-forwarded-for", "1.2.3.4, 10.0.0.1"),)
    assert services.last("WhoAmI").token == "at"
    services.answer("identity", "WhoAmI", refused())
    assert run(actions.sign_in(services, "199", "rahasia", "")).principal["nama"] == "199"


@pytest.mark.parametrize("code", ["UNAUTHENTICATED", "NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED"])
def test_wrong_credentials_are_one_sentence_whatever_identity_says(code):
    with pytest.raises(FormProblems) as wrong:
        run(actions.sign_in(FakeServices(identity_Login=refused(code)), "199", "salah", ""))
    assert wrong.value.problems[0].message == "NIP/nama akun atau kata sandi salah."


def test_a_throttled_login_is_left_to_the_page_and_a_failed_logout_is_ignored():
    with pytest.raises(ServiceError):
        run(actions.sign_in(FakeServices(identity_Login=refused("RESOURCE_EXHAUSTED")), "199", "x", ""))
    run(actions.sign_out(FakeServices(identity_Logout=refused("UNAVAILABLE")), "rt"))


# -- Hari ini -----------------------------------------------------------------------------------------------------

def test_a_plan_and_a_quick_entry():
    services = FakeServices(des_SubmitPlan=None, des_SubmitText=lambda f: A.TextReply(ok="K1" in f["text"],
                                                                                       reply="jawab"))
    assert run(actions.submit_plan(services, "tok", {"kegiatan_id": "k1", "kuantitas": "1,5"}, "k" * 16)) == \
        "Rencana tersimpan."
    plan = services.last("SubmitPlan")
    assert plan.fields["kuantitas"] == "1.5" and plan.write and plan.key == "k" * 16
    with pytest.raises(FormProblems):
        run(actions.quick_entry(services, "tok", "", "k"))
    with pytest.raises(FormProblems) as bad:
        run(actions.quick_entry(services, "tok", "LAPOR X", "k"))
    assert bad.value.problems[0].message == "jawab" and bad.value.problems[0].field == "text"
    assert run(actions.quick_entry(services, "tok", "LAPOR K1 1 rapat", "k")) == "jawab"


# -- Laporan (writes) ---------------------------------------------------------------------------------------------

def test_the_report_form_becomes_des_activity_input():
    fields = actions.activity_fields({"menit": "dua", "kuantitas": "2,5", "kegiatan_id": "k1"}, b"pdf", "x/pdf")
    assert (fields["menit"], fields["kuantitas"], fields["jenis"], fields["evidence_file"]) == (-1, "2.5", "JENIS_SKP",
                                                                                               b"pdf")
    assert actions.activity_fields({"menit": " 30 "})["menit"] == 30
    assert "evidence_file" not in actions.activity_fields({})


def test_submit_update_and_send_a_report():
    services = FakeServices(des_SubmitActivity=lambda f: activity("draft" if f["draft"] else "submitted",
                                                                  activity_id="a9"),
                            des_UpdateActivity=activity("draft"), des_SendActivity=None)
    outcome = run(actions.submit_activity(services, "tok", actions.activity_fields({}), True, "k" * 16))
    assert outcome == actions.Outcome("Laporan tersimpan sebagai draf.", "/laporan/a9")
    assert services.last("SubmitActivity").fields["idempotency_key"] == "k" * 16
    assert run(actions.update_activity(services, "tok", "a9", {}, send=False)) == "Perubahan tersimpan."
    assert "SendActivity" not in services.rpcs()
    assert run(actions.update_activity(services, "tok", "a9", {}, send=True)) == actions.SENT
    assert services.rpcs()[-1] == "SendActivity"
    services.answer("des", "UpdateActivity", activity("approved"))
    run(actions.update_activity(services, "tok", "a9", {}, send=True))
    assert services.rpcs()[-1] == "UpdateActivity"                   # approved: nothing to send
    assert run(actions.send_activity(services, "tok", "a9")) == actions.SENT


# -- SKP (writes) -------------------------------------------------------------------------------------------------

def test_adding_a_target_sends_the_stored_ones_back_on_the_stored_version():
    stored = A.SkpKegiatan(kegiatan_id="k1", nama="Mengajar", satuan="jam", kuantitas="24", kualitas="100",
                           waktu="12")
    services = FakeServices(skp_GetSkp=A.SkpAnswer(A.SkpDocument(kegiatan=(stored,), version=7)),
                            skp_UpdateTargets=None)
    assert run(actions.skp_action(services, "tok", "s1", "target", {"nama": "Rapat", "kuantitas": "1,5",
                                                                    "version": "3"})) == "Kegiatan ditambahkan."
    sent = services.last("UpdateTargets").fields
    assert sent["expected_version"] == 7 and [k["nama"] for k in sent["kegiatan"]] == ["Mengajar", "Rapat"]
    assert sent["kegiatan"][0]["kegiatan_id"] == "k1" and sent["kegiatan"][1]["kuantitas"] == "1.5"


def test_the_skp_life_cycle_actions():
    services = FakeServices(skp_ReturnSkp=None, skp_SubmitSkp=None)
    assert run(actions.skp_action(services, "tok", "s1", "kembalikan", {"catatan": "kurang"})).startswith(
        "SKP dikembalikan")
    assert services.last("ReturnSkp").fields == {"skp_id": "s1", "note": "kurang"}
    run(actions.skp_action(services, "tok", "s1", "ajukan", {}))
    assert services.last("SubmitSkp").write
    with pytest.raises(UnknownAction):
        run(actions.skp_action(services, "tok", "s1", "hapus", {}))


# -- Admin instansi -----------------------------------------------------------------------------------------------

def test_the_admin_page_needs_the_organisation_and_shows_the_rest_when_it_can():
    audit = A.AuditTrail(records=(A.AuditRecord(entity="period_lock", action="unlock", entity_id="L1"),
                                  A.AuditRecord(entity="activity", action="unlock", entity_id="A1")))
    tpl, the_org = A.SkpTemplate(jabatan_nama="Guru"), org()
    services = FakeServices(identity_GetOrganisation=the_org, recap_ListHolidays=refused(),
                            identity_ListPegawai=A.PegawaiPage(pegawai=(A.Pegawai(nama="Ani", nip="1"),)),
                            des_GetAuditTrail=audit, skp_GetTemplate=tpl)
    data = run(pages.admin(services, "tok", "I1", {"audit_nip": "1", "jabatan": "J1", "cari": "an"}))
    assert (data["org"], data["holidays"], data["unlocked"], data["template"]) == (the_org, [], {"L1"}, tpl)
    assert [p.nama for p in data["people"]] == ["Ani"] and data["search"] == "an"
    services.answer("identity", "GetOrganisation", refused())
    with pytest.raises(ServiceError):
        run(pages.admin(services, "tok", "I1", {}))


def test_admin_actions():
    services = FakeServices(des_UnlockPeriod=A.Locked(activity_ids=("a",)), des_SetEntryWindow=None,
                            recap_SetHoliday=None, identity_CreateApiClient=A.ApiClient(client_id="c",
                                                                                        client_secret="s"))
    unlocked = run(actions.admin_action(services, "tok", "I1", "buka-kunci", {"nip": "1 9"}, []))
    assert unlocked.url == "/admin?audit_nip=1%209#audit" and "1 laporan" in unlocked.message
    run(actions.admin_action(services, "tok", "I1", "jendela", {"window_days": "x"}, []))
    assert services.last("SetEntryWindow").fields == {"instansi_id": "I1", "window_days": -1}
    run(actions.admin_action(services, "tok", "I1", "libur", {"tanggal": "2026-03-06", "hapus": "1"}, []))
    assert services.last("SetHoliday").fields["remove"] is True
    client = run(actions.admin_action(services, "tok", "I1", "klien", {"client_id": "c"}, ["des:import"]))
    assert client.result == {"client_id": "c", "client_secret": "s"} and not client.message
    assert services.last("CreateApiClient").fields["scopes"] == ["des:import"]
    with pytest.raises(UnknownAction):
        run(actions.admin_action(services, "tok", "I1", "hapus", {}, []))
