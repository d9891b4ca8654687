"""`make run`'s demo (identity/skp demo data before start, then scripts/demo_seed.py through the running services)
on an isolated stack of its own: the demo guru has an approved SKP of this year, last year's result is issued,
recap shows real figures, compliance shows the late reporter and the leave, two experts per SNOWMAN job group can
publish each other's answers, and a second seeding changes nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from e2e_lib import SERVICES, Stack, pb

from ekinerja_platform import testing

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

PASSWORD = "Demo-E2e-" + uuid.uuid4().hex[:8]


class DemoStack(Stack):
    """The stack with identity's and skp's demo seeds applied where `make run` applies them: after migrating,
    before the services start."""

    def _bootstrap_admin(self) -> None:
        from identity.demo import seed as identity_seed
        from skp.demo import seed as skp_seed
        self.admin_password = PASSWORD
        identity_seed(self.databases["identity"], PASSWORD)
        skp_seed(self.databases["skp"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    uri = testing.create_vhost()
    stack = DemoStack(uri, tmp_path_factory.mktemp("demo-keys"))
    try:
        stack.start()
        sys.path.insert(0, str(testing.REPO_ROOT / "scripts"))
        from demo_seed import Demo

        def run_module(service: str, args: list[str], stdin: str) -> str:
            env = dict(os.environ)
            env.update(stack.processes[service].env)
            return subprocess.run([sys.executable, "-m", f"{service}.demo", *args], env=env, cwd=testing.REPO_ROOT,
                                  check=True, capture_output=True, text=True, input=stdin, timeout=900).stdout

        seeder = Demo({s: stack.processes[s].target for s in SERVICES}, PASSWORD, run_module, log=print)
        try:
            first = seeder.run()
            print(f"demo seeding, first run: {first}")
            before = footprint(seeder)
            second = seeder.run()
            print(f"demo seeding, second run: {second}")
            after = footprint(seeder)
            yield seeder, first, second, before, after
        finally:
            seeder.close()
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
        testing.delete_vhost(uri)


def footprint(seeder) -> dict:
    """What a second seeding must not change: the guru's entries and plans, everyone's documents."""
    from identity.demo import first_holder, people
    guru = first_holder("GURU")
    des, d = seeder.stubs["des"], pb("des")
    months = {(seeder.today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m"), seeder.today.strftime("%Y-%m")}
    activities = sum(len(des.ListActivities(d.ListActivitiesRequest(nip=guru, bulan=m, page_size=1000),
                                            metadata=seeder.md(guru), timeout=30).activities) for m in months)
    plans = sum(len(des.ListPlans(d.ListPlansRequest(nip=guru, bulan=m, page_size=1000), metadata=seeder.md(guru),
                                  timeout=30).plans) for m in months)
    documents = sum(len(seeder.documents(nip, 0)) for nip, *_ in people())
    return {"activities": activities, "plans": plans, "documents": documents}


def test_the_demo_guru_has_an_approved_skp_of_this_year_and_last_years_result(demo):
    seeder, first, *_ = demo
    from identity.demo import first_holder, people
    guru = first_holder("GURU")
    this_year = seeder.documents(guru, seeder.today.year)
    assert [d.status for d in this_year] == ["approved"]
    assert this_year[0].jabatan_id == "KAB-DEMO.GURU" and this_year[0].kegiatan
    last_year = seeder.documents(guru, seeder.today.year - 1)
    assert [(d.status, d.result_status) for d in last_year] == [("approved", "issued")]
    score = seeder.stubs["skp"].ScoreSkp(pb("skp").ScoreSkpRequest(skp_id=last_year[0].skp_id),
                                         metadata=seeder.md(guru), timeout=30)
    assert score.nilai_prestasi_kerja and float(score.nilai_capaian_skp) > 50
    # every employee but the Sekda (no pejabat penilai above the top of the tree)
    assert first["approved_this_year"] == first["approved_last_year"] == len(people()) - 1
    assert first["results_last_year"] == len(people()) - 1


def test_recap_and_compliance_show_real_figures(demo):
    seeder, *_ = demo
    from identity.demo import first_holder, holders
    r = pb("recap")
    admin = seeder.md("admin.kabdemo")
    last_month = seeder.today.replace(day=1) - dt.timedelta(days=1)
    unit = seeder.stubs["recap"].GetUnitRecap(r.GetUnitRecapRequest(
        unit_id="KAB-DEMO.SDN1", period=r.PERIOD_MONTH, date=last_month.isoformat()), metadata=admin, timeout=30)
    assert unit.totals.approved > 0 and unit.totals.plans > 0 and unit.totals.achievement_pct
    guru = seeder.wait_recap(first_holder("GURU"))
    assert guru.counters.reported > 0 and any(k.achievement_pct for k in guru.kegiatan)
    start = seeder.today - dt.timedelta(days=10)
    rows = seeder.stubs["recap"].ListNoncompliance(r.ListNoncomplianceRequest(
        instansi_id="KAB-DEMO", date_from=start.isoformat(), date_to=(seeder.today - dt.timedelta(days=1)).isoformat(),
        page_size=1000), metadata=admin, timeout=30).rows
    late = holders("PERAWAT")[2]
    assert any(row.nip == late and row.kind == "no_report" for row in rows)   # the late reporter
    leave = seeder.leave()
    on_leave = seeder.stubs["recap"].ListNoncompliance(r.ListNoncomplianceRequest(
        instansi_id="KAB-DEMO", date_from=leave["start"], date_to=leave["end"], page_size=1000), metadata=admin,
        timeout=30)
    assert on_leave.excluded_employee_days >= 5 and not any(row.nip == leave["nip"] for row in on_leave.rows)
    d = pb("des")
    queue = seeder.stubs["des"].ReviewQueue(d.ReviewQueueRequest(), metadata=seeder.md(first_holder("KEPSEK")),
                                            timeout=30).activities
    assert queue   # the last two working days wait for the Kepala Sekolah's review


def test_two_experts_per_snowman_job_group(demo):
    seeder, *_ = demo
    from identity.demo import accounts
    experts = [(login, kelompok[0]) for login, roles, _nip, kelompok, _d in accounts() if "expert" in roles]
    assert Counter(group for _login, group in experts) == {"pendidik": 2, "kesehatan": 2, "fungsional": 2, "umum": 2}
    i = pb("identity")
    for login, group in experts:
        principal = seeder.stubs["identity"].WhoAmI(i.WhoAmIRequest(), metadata=seeder.md(login),
                                                     timeout=30).principal
        assert "expert" in principal.roles and group in principal.kelompok


def test_a_draft_answer_is_published_by_the_second_expert_of_the_group(demo):
    """For each job group: an employee asks, the group's first demo expert drafts the answer, the second publishes
    it - no admin involved."""
    seeder, *_ = demo
    from identity.demo import accounts, people
    s = pb("snowman")
    stub = seeder.stubs["snowman"]
    experts: dict[str, list[str]] = {}
    for login, roles, _nip, kelompok, _d in accounts():
        if "expert" in roles:
            experts.setdefault(kelompok[0], []).append(login)
    asker = next(nip for nip, _n, _g, jabatan in people() if jabatan == "KAB-DEMO.PENGADM-PKM")
    for group, (author, publisher) in sorted(experts.items()):
        letters = [chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:20]]
        question = f"{''.join(letters[:10])} {''.join(letters[10:])}?"   # words no entry has: an open question
        asked = stub.Ask(s.AskRequest(pertanyaan=question, kelompok=group), metadata=seeder.md(asker), timeout=30)
        assert asked.status == "open", asked
        drafted = stub.AnswerQuestion(s.AnswerQuestionRequest(question_id=asked.question_id, content=s.EntryContent(
            judul=f"Bukti dukung laporan harian ({group})", pertanyaan=[question],
            jawaban="Lampirkan hasil kerja atau dokumen yang menunjukkan kegiatan pada hari itu.", kelompok=[group],
            rujukan="Demo", ruleset="pp46-2011", tags=["demo"])), metadata=seeder.md(author), timeout=30).entry
        assert drafted.status == "draft"
        published = stub.PublishEntry(s.PublishEntryRequest(entry_id=drafted.entry_id, version=drafted.version),
                                      metadata=seeder.md(publisher), timeout=30).entry
        assert (published.status, published.approved_by) == ("published", publisher)


def test_the_second_agency_runs_on_permenpanrb_6_2022_with_the_same_breadth(demo):
    """KOTA-DEMO (issue 22): every employee has an account and both years' documents, drafted under
    permenpanrb-6-2022 (KAB-DEMO's stay pp46-2011); DES history and recap figures as KAB-DEMO's; the ruleset setting
    and last year's predikat organisasi are there, audited."""
    seeder, first, *_ = demo
    from identity.demo import INSTANSI_622, first_holder, people
    kota = first[INSTANSI_622]
    assert kota["rulesets"] == ["permenpanrb-6-2022"]
    assert kota["approved_this_year"] == kota["approved_last_year"] == len(people(INSTANSI_622)) - 1 == 62
    assert {nip for nip, *_ in people(INSTANSI_622)}.isdisjoint(nip for nip, *_ in people())
    guru = first_holder("GURU", INSTANSI_622)
    [doc] = seeder.documents(guru, seeder.today.year)
    assert (doc.status, doc.ruleset, doc.jabatan_id) == ("approved", "permenpanrb-6-2022", "KOTA-DEMO.GURU")
    assert [d.ruleset for d in seeder.documents(first_holder("GURU"), seeder.today.year)] == ["pp46-2011"]
    s, admin = pb("skp"), seeder.md("admin.kotademo")
    setting = seeder.stubs["skp"].GetRulesetSetting(s.GetRulesetSettingRequest(
        instansi_id=INSTANSI_622, tahun=seeder.today.year), metadata=admin, timeout=30).setting
    assert (setting.ruleset, [h.actor for h in setting.history]) == ("permenpanrb-6-2022", ["demo-seed"])
    assert kota["predikat_organisasi_last_year"] == "baik"
    curve = seeder.stubs["skp"].CheckDistribution(s.CheckDistributionRequest(
        instansi_id=INSTANSI_622, periode=str(seeder.today.year - 1)), metadata=admin, timeout=30)
    assert curve.predikat_organisasi == "baik"
    r = pb("recap")
    last_month = seeder.today.replace(day=1) - dt.timedelta(days=1)
    unit = seeder.stubs["recap"].GetUnitRecap(r.GetUnitRecapRequest(
        unit_id="KOTA-DEMO.SDN1", period=r.PERIOD_MONTH, date=last_month.isoformat()), metadata=admin, timeout=30)
    assert unit.totals.approved > 0 and unit.totals.plans > 0 and unit.totals.achievement_pct

    # last year's 6/2022 evaluation of the school's chain (plans started from the templates' RHK), finalised
    last = str(seeder.today.year - 1)
    assert kota["predikat_last_year"] == {"sangat_baik": 6, "baik": 13, "butuh_perbaikan": 1, "kurang": 1}
    assert kota["final_last_year"] is True
    assert (curve.diperiksa, curve.memenuhi, curve.final, curve.jumlah_pegawai) == (True, True, True, 21)
    [old] = seeder.stubs["skp"].ListSkp(s.ListSkpRequest(nip=guru, year=seeder.today.year - 1),
                                        metadata=seeder.md(guru), timeout=30).documents
    plan = seeder.stubs["skp"].GetRencanaKinerja(s.GetRencanaKinerjaRequest(skp_id=old.skp_id),
                                                 metadata=seeder.md(guru), timeout=30).rencana
    assert plan.approved_rhk[0].rhk_atasan_id and plan.approved_rhk[0].iki
    sent = seeder.stubs["skp"].GetSiasnExport(s.GetSiasnExportRequest(skp_id=old.skp_id, periode=last),
                                              metadata=seeder.md(guru), timeout=30)
    assert json.loads(sent.json)["skp22"]["kuadranKinerjaNilai"] == sent.kode_predikat
    spread = seeder.eventually(lambda: (lambda reply: reply if reply.jumlah_pegawai == 19 else None)(
        seeder.stubs["recap"].GetUnitPredikatSpread(r.GetUnitPredikatSpreadRequest(
            unit_id="KOTA-DEMO.SDN1", periode=last), metadata=admin, timeout=30)), "recap counts SDN 1's predikat")
    assert sum(c.jumlah for c in spread.jumlah) == 19


def test_a_second_seeding_adds_nothing(demo):
    _seeder, first, second, before, after = demo
    assert before == after
    assert before["activities"] > 20 and before["plans"] > 0
    for key in ("approved_this_year", "approved_last_year", "results_last_year", "KOTA-DEMO"):
        assert second[key] == first[key]
    assert first["guru_last_month"] == second["guru_last_month"]

