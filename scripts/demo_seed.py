"""The demo's journeys, walked through the services' public gRPC APIs once they run (called by `make run` before it
prints the endpoints, and by tests/e2e/test_e2e_demo_seed.py against an isolated stack).

identity's demo (`identity.demo`, before start) imported KAB-DEMO: 63 employees holding their positions since
2 January of last year, each with an account (login = NIP, the demo password). From there, as the people would:
1. skp drafts last year's document of every employee from identity's events; its yearly rollover (run once here,
   `python -m skp.demo rollover`, instead of within the timer's ten minutes) drafts this year's.
2. Every employee submits both documents, drafted from the position's template; the penilai approves. (The Sekda
   has no pejabat penilai in the demo tree - the regent is no civil servant - so the Sekda's documents stay drafts.)
3. One employee is on leave (cuti) for a week of last month, set in identity by `admin`.
4. des receives the approved SKPs; their working history is written by `python -m des.demo history` (des's use cases
   on each day's clock: the past is closed to des's API, see services/des/des/demo.py).
5. Last year: each employee enters the realisation of waktu (and biaya), the penilai rates the perilaku and
   issues the result once skp has every month's realisation and kualitas from des's events.
6. recap shows the figures (waited for, so the first screen is never empty).
The second agency, KOTA-DEMO (same tree, 63 more employees and accounts), appraises under PermenPANRB 6/2022 (skp's
demo set its ruleset before start, so its documents are drafted under `permenpanrb-6-2022`): steps 1, 2, 4 and 6
the same; its PyB (admin.kotademo) sets last year's predikat kinerja organisasi. Its results come from the 6/2022
periodic evaluation, not from PP 46 scoring (step 5 is KAB-DEMO's only): the school's chain (Kepala Dinas
Pendidikan down to SDN 1's teachers, 21 employees) agree their 6/2022 plans, started from the positions' templates,
and are rated for last year (predikat and the spread, SDN 1's in recap); the PyB then finalises last year.

Idempotent (each step looks at the state first; des's history skips days that have entries), deterministic
(rules per NIP and date, relative to the real today). Needs the services SERVING.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import grpc

from ekinerja_platform import clock

INSTANSI = "KAB-DEMO"
INSTANSI_622 = "KOTA-DEMO"  # on permenpanrb-6-2022 (issue 22)
RPC_TIMEOUT = 30
POLL = 0.2   # seconds between two looks at a condition: short, each look is one or a few cheap RPCs


def pb(svc: str):
    return importlib.import_module(f"ekinerja.{svc}.v1.{svc}_pb2")


class Demo:
    def __init__(self, targets: dict[str, str], password: str, run_module: Callable[[str, list[str], str], str],
                 today: dt.date | None = None, log: Callable[[str], None] = print, timeout: float = 600.0):
        """targets: service -> host:port; run_module(service, args, stdin) runs `python -m <service>.demo args`
        with that service's settings and returns its output."""
        self.channels = {svc: grpc.insecure_channel(target) for svc, target in targets.items()}
        self.stubs = {svc: getattr(importlib.import_module(f"ekinerja.{svc}.v1.{svc}_pb2_grpc"),
                                   f"{svc.capitalize()}ServiceStub")(ch) for svc, ch in self.channels.items()}
        self.password, self.run_module, self.log, self.timeout = password, run_module, log, timeout
        self.today = today or clock.today()
        self.tokens: dict[str, tuple[str, int]] = {}
        self.summary: dict[str, object] = {}

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    # -- plumbing -----------------------------------------------------------------------------------------------
    def token(self, user: str) -> str:
        """The user's access token, logged in again a minute before it expires (the first seeding takes minutes)."""
        token, expires = self.tokens.get(user, ("", 0))
        if time.time() > expires - 60:
            reply = self.stubs["identity"].Login(pb("identity").LoginRequest(user=user, password=self.password),
                                                 timeout=RPC_TIMEOUT)
            token, expires = reply.access_token, reply.access_expires_at
            self.tokens[user] = (token, expires)
        return token

    def md(self, user: str, key: str | None = None) -> list[tuple[str, str]]:
        md = [("authorization", f"Bearer {self.token(user)}")]
        if key:   # a retried step (a second `make run`) gets the first answer, never a second effect
            md.append(("x-idempotency-key", str(uuid.uuid5(uuid.NAMESPACE_URL, f"ekinerja-demo/{key}"))))
        return md

    def eventually(self, check: Callable[[], object], what: str):
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                result = check()
                if result:
                    return result
            except grpc.RpcError as exc:
                if exc.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                    raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo: not reached within {self.timeout:.0f} s: {what}")
            time.sleep(POLL)

    # -- the journeys -------------------------------------------------------------------------------------------
    def people(self, instansi: str = INSTANSI) -> list[tuple[str, str]]:
        from identity.demo import people
        return [(nip, nama) for nip, nama, _g, _j in people(instansi)]

    def documents(self, nip: str, year: int) -> list:
        reply = self.stubs["skp"].ListSkp(pb("skp").ListSkpRequest(nip=nip, year=year), metadata=self.md(nip),
                                          timeout=RPC_TIMEOUT)
        return [d for d in reply.documents if d.status != "closed"]

    def all_documents(self, year: int, instansi: str = INSTANSI) -> dict[str, object]:
        return self.eventually(lambda: self._all(year, instansi),
                               f"skp drafts every {instansi} employee's {year} document")

    def _all(self, year: int, instansi: str):
        out = {}
        for nip, _nama in self.people(instansi):
            docs = self.documents(nip, year)
            if not docs:
                return None
            out[nip] = docs[0]
        return out

    def agree(self, docs: dict) -> int:
        """Submit (owner) and approve (penilai) every document still in draft or returned."""
        skp, p = self.stubs["skp"], pb("skp")
        approved = 0
        for nip, doc in docs.items():
            if doc.status in ("draft", "returned") and doc.penilai_nip:
                doc = skp.SubmitSkp(p.SubmitSkpRequest(skp_id=doc.skp_id),
                                    metadata=self.md(nip, f"submit/{doc.skp_id}"), timeout=RPC_TIMEOUT).document
            if doc.status == "submitted":
                doc = skp.ApproveSkp(p.ApproveSkpRequest(skp_id=doc.skp_id),
                                     metadata=self.md(doc.penilai_nip, f"approve/{doc.skp_id}"),
                                     timeout=RPC_TIMEOUT).document
            docs[nip] = doc
            approved += doc.status == "approved"
        return approved

    def leave(self) -> dict:
        """The leave: a week (Monday to Friday) of last month (des's daily history), set by admin in identity."""
        from des.demo import month_start
        from identity.demo import holders
        first = month_start(self.today, 1)
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7)   # its second full week
        nip = holders("PERAWAT")[1]
        spec = {"nip": nip, "start": monday.isoformat(), "end": (monday + dt.timedelta(days=4)).isoformat()}
        p = pb("identity")
        current = self.stubs["identity"].GetPegawai(p.GetPegawaiRequest(nip=nip), metadata=self.md("admin"),
                                                     timeout=RPC_TIMEOUT)
        if current.status == "aktif":
            try:
                self.stubs["identity"].SetPegawaiStatus(p.SetPegawaiStatusRequest(
                    nip=nip, status="cuti", effective_date=spec["start"], end_date=spec["end"]),
                    metadata=self.md("admin", f"cuti/{nip}/{spec['start']}"), timeout=RPC_TIMEOUT)
            except grpc.RpcError as exc:   # already recorded by an earlier run
                if exc.code() not in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION):
                    raise
        return spec

    def wait_des(self, docs: dict) -> None:
        for nip, doc in docs.items():
            if doc.status == "approved":
                self.eventually(lambda nip=nip, doc=doc: self._in_des(nip, doc),
                                f"des has the approved SKP {doc.skp_id}")

    def _in_des(self, nip: str, doc) -> bool:
        """des has the document's monthly targets; a 6/2022 plan agreed by `evaluate_622` (an earlier seeding) is kept
        in des as its IKI, which have no monthly split."""
        des, p = self.stubs["des"], pb("des")
        if des.GetMonthlyTargets(p.GetMonthlyTargetsRequest(nip=nip, skp_id=doc.skp_id), metadata=self.md(nip),
                                 timeout=RPC_TIMEOUT).targets:
            return True
        if doc.ruleset != "permenpanrb-6-2022":
            return False
        plan = self.stubs["skp"].GetRencanaKinerja(pb("skp").GetRencanaKinerjaRequest(skp_id=doc.skp_id),
                                                   metadata=self.md(nip), timeout=RPC_TIMEOUT).rencana
        return bool(plan.approved_rhk)

    def close_last_year(self, docs: dict) -> int:
        """Realisation of waktu/biaya (owner), perilaku and the result (penilai), once skp has des's realisation."""
        skp, p = self.stubs["skp"], pb("skp")
        issued = 0
        for nip, doc in docs.items():
            if doc.status != "approved" or doc.result_status:
                issued += bool(doc.result_status)
                continue
            doc = self.eventually(lambda nip=nip, doc=doc: self._realised(nip, doc.skp_id),
                                  f"skp has last year's realisation and kualitas of {doc.skp_id}")
            for k in doc.kegiatan:
                if not k.realisasi.waktu:
                    waktu = Decimal(k.waktu) - (1 if int(nip[-3:]) % 5 == 0 else 0)
                    biaya = (Decimal(k.biaya) * Decimal("0.95")).quantize(Decimal(1)) if k.biaya else ""
                    skp.SetRealisasi(p.SetRealisasiRequest(skp_id=doc.skp_id, kegiatan_id=k.kegiatan_id,
                                                           waktu=str(waktu), biaya=str(biaya)),
                                     metadata=self.md(nip, f"realisasi/{doc.skp_id}/{k.kegiatan_id}"),
                                     timeout=RPC_TIMEOUT)
            base = 76 + int(nip[-3:]) % 15
            values = {a: str(base + i % 4) for i, a in enumerate(
                ("orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama"))}
            if doc.kind.startswith("struktural"):
                values["kepemimpinan"] = str(base + 1)
            skp.SetPerilaku(p.SetPerilakuRequest(skp_id=doc.skp_id, perilaku=p.PerilakuValues(**values)),
                            metadata=self.md(doc.penilai_nip, f"perilaku/{doc.skp_id}"), timeout=RPC_TIMEOUT)
            skp.IssueResult(p.IssueResultRequest(skp_id=doc.skp_id),
                            metadata=self.md(doc.penilai_nip, f"issue/{doc.skp_id}"), timeout=RPC_TIMEOUT)
            issued += 1
        return issued

    def _realised(self, nip: str, skp_id: str):
        doc = self.stubs["skp"].GetSkp(pb("skp").GetSkpRequest(skp_id=skp_id), metadata=self.md(nip),
                                       timeout=RPC_TIMEOUT).document
        # des's demo rates every month of last year; in January and February the last ones may still wait
        months = 12 if self.today.month > 2 else 10
        if all(k.realisasi.kualitas and k.realisasi.bulan_dinilai >= months for k in doc.kegiatan):
            return doc
        return None

    def des_counts(self, nip: str) -> tuple[int, int]:
        """(reported, approved or locked) entries of this year in des: what recap must count once caught up."""
        des, d = self.stubs["des"], pb("des")
        reported = approved = 0
        for bulan in range(1, self.today.month + 1):
            month = dt.date(self.today.year, bulan, 1)
            token = ""
            while True:
                reply = des.ListActivities(d.ListActivitiesRequest(nip=nip, bulan=month.strftime("%Y-%m"),
                                                                   page_size=1000, page_token=token),
                                           metadata=self.md(nip), timeout=RPC_TIMEOUT)
                reported += len(reply.activities)
                approved += sum(a.state in ("approved", "locked") for a in reply.activities)
                token = reply.next_page_token
                if not token:
                    break
        return reported, approved

    def wait_recap_caught_up(self, nips: list[str]) -> None:
        """recap applies des's events in their order: once its year figures of these employees (the demo's first
        and last ones) equal des's, the recaps, compliance and charts of the whole demo are complete."""
        r = pb("recap")
        for nip in nips:
            want = self.des_counts(nip)

            def check(nip=nip, want=want):
                c = self.stubs["recap"].GetEmployeeRecap(r.GetEmployeeRecapRequest(
                    nip=nip, period=r.PERIOD_YEAR, date=self.today.isoformat()), metadata=self.md(nip),
                    timeout=RPC_TIMEOUT).counters
                return (c.reported, c.approved) == want
            self.eventually(check, f"recap counts des's {want} entries of this year of {nip[:4]}…")

    def wait_recap(self, nip: str) -> object:
        r = pb("recap")
        last_month = (self.today.replace(day=1) - dt.timedelta(days=1))

        def check():
            reply = self.stubs["recap"].GetEmployeeRecap(r.GetEmployeeRecapRequest(
                nip=nip, period=r.PERIOD_MONTH, date=last_month.isoformat()), metadata=self.md(nip),
                timeout=RPC_TIMEOUT)
            return reply if reply.counters.approved > 0 and reply.counters.achievement_pct else None
        return self.eventually(check, "recap shows last month's approved work")

    def predikat_organisasi(self, year: int) -> str:
        """KOTA-DEMO's PyB sets last year's predikat kinerja organisasi (the distribution curve's choice, §4)."""
        p = pb("skp")
        return self.stubs["skp"].SetPredikatOrganisasi(p.SetPredikatOrganisasiRequest(
            instansi_id=INSTANSI_622, periode=str(year), predikat="baik",
            reason="demo: hasil evaluasi kinerja organisasi"),
            metadata=self.md("admin.kotademo", f"predikat-organisasi/{INSTANSI_622}/{year}"),
            timeout=RPC_TIMEOUT).setting.predikat

    # KOTA-DEMO's periodic evaluation (6/2022): the school's chain, from the Kepala Dinas Pendidikan (a JPT: from the
    # organisation's plan) down to the teachers, rated for last year; cheap (about a hundred RPCs) and enough for
    # the curve to be checked (N >= 5) and a unit (SDN1) to have a spread.
    CHAIN_622 = ("KADISDIK", "KABID-GTK", "KEPSEK", "GURU", "GURU-PJOK", "TAS")
    # ratings by position in the chain: 6 sangat_baik, 1 butuh_perbaikan, 1 kurang, the rest baik (the baik curve:
    # B <= 70 %, BP + K >= 1 - met, so the PyB finalises without an exception)
    RATINGS = {5: ("di_bawah", "sesuai"), 9: ("di_atas", "di_bawah")}

    def _plan_622(self, nip: str, doc, atasan_rhk: dict) -> str | None:
        """The document's plan from its template draft, the intervensi picked, agreed; the first approved RHK id."""
        skp, p = self.stubs["skp"], pb("skp")
        plan = skp.GetRencanaKinerja(p.GetRencanaKinerjaRequest(skp_id=doc.skp_id), metadata=self.md(nip),
                                     timeout=RPC_TIMEOUT).rencana
        if not plan.approved_rhk and plan.rhk:
            rhk = [p.RhkInput(rhk_id=r.rhk_id, jenis=r.jenis, uraian=r.uraian, sasaran_organisasi=r.sasaran_organisasi,
                              perspektif=r.perspektif, rhk_atasan_id="" if r.sasaran_organisasi else
                              atasan_rhk.get(doc.penilai_nip, ""),
                              iki=[p.IkiInput(iki_id=k.iki_id, uraian=k.uraian, aspek=k.aspek, target=k.target,
                                              satuan=k.satuan) for k in r.iki]) for r in plan.rhk]
            skp.UpdateRencanaKinerja(p.UpdateRencanaKinerjaRequest(
                skp_id=doc.skp_id, expected_version=plan.version, pendekatan=plan.pendekatan, rhk=rhk,
                reason="demo: rencana kinerja PermenPANRB 6/2022"), metadata=self.md(nip, f"rhk/{doc.skp_id}"),
                timeout=RPC_TIMEOUT)
            skp.SubmitRencanaKinerja(p.SubmitRencanaKinerjaRequest(skp_id=doc.skp_id),
                                     metadata=self.md(nip, f"rhk-submit/{doc.skp_id}"), timeout=RPC_TIMEOUT)
            plan = skp.ApproveRencanaKinerja(p.ApproveRencanaKinerjaRequest(skp_id=doc.skp_id), metadata=self.md(
                doc.penilai_nip, f"rhk-approve/{doc.skp_id}"), timeout=RPC_TIMEOUT).rencana
        return plan.approved_rhk[0].rhk_id if plan.approved_rhk else None

    def _rate_622(self, nip: str, doc, periode: str, index: int) -> str:
        skp, p = self.stubs["skp"], pb("skp")
        done = [e for e in skp.ListEvaluasi(p.ListEvaluasiRequest(skp_id=doc.skp_id), metadata=self.md(nip),
                                            timeout=RPC_TIMEOUT).evaluasi if e.periode == periode and e.predikat]
        if done:
            return done[0].predikat
        plan = skp.GetRencanaKinerja(p.GetRencanaKinerjaRequest(skp_id=doc.skp_id), metadata=self.md(nip),
                                     timeout=RPC_TIMEOUT).rencana
        for r in plan.approved_rhk:
            for k in r.iki:
                skp.SetRealisasiIki(p.SetRealisasiIkiRequest(skp_id=doc.skp_id, periode=periode, iki_id=k.iki_id,
                                                             realisasi=k.target, bukti=["demo: laporan tahunan"]),
                                    metadata=self.md(nip, f"realisasi/{doc.skp_id}/{periode}/{k.iki_id}"),
                                    timeout=RPC_TIMEOUT)
        hasil, perilaku = self.RATINGS.get(index, ("di_atas", "di_atas") if index % 4 == 0 else ("sesuai", "sesuai"))
        return skp.RateEvaluasi(p.RateEvaluasiRequest(
            skp_id=doc.skp_id, periode=periode, hasil_kerja=hasil, perilaku=perilaku,
            catatan="demo: evaluasi kinerja tahunan"),
            metadata=self.md(doc.penilai_nip, f"nilai/{doc.skp_id}/{periode}"), timeout=RPC_TIMEOUT).evaluasi.predikat

    def evaluate_622(self, docs: dict, year: int) -> dict:
        """Plans agreed down the chain, last year rated; returns predikat -> count."""
        from identity.demo import holders
        chain = [nip for jabatan in self.CHAIN_622 for nip in holders(jabatan, INSTANSI_622) if nip in docs]
        atasan_rhk: dict[str, str] = {}  # nip -> the first RHK of its approved plan (what its staff cascade from)
        planned = []
        for nip in chain:
            rhk_id = self._plan_622(nip, docs[nip], atasan_rhk)
            if rhk_id:
                atasan_rhk[nip] = rhk_id
                planned.append(nip)
        counts: dict[str, int] = {}
        for index, nip in enumerate(planned):
            predikat = self._rate_622(nip, docs[nip], str(year), index)
            counts[predikat] = counts.get(predikat, 0) + 1
        return counts

    def finalise_622(self, year: int) -> bool:
        """KOTA-DEMO's PyB finalises last year's results (idempotent: a final period answers as it was)."""
        p = pb("skp")
        return self.stubs["skp"].FinaliseDistribution(p.FinaliseDistributionRequest(
            instansi_id=INSTANSI_622, periode=str(year)), metadata=self.md(
            "admin.kotademo", f"finalisasi/{INSTANSI_622}/{year}"), timeout=RPC_TIMEOUT).distribusi.final

    def run(self) -> dict:
        started = time.monotonic()
        from identity.demo import first_holder, holders
        this, last = self.today.year, self.today.year - 1
        last_docs = self.all_documents(last)
        kota_last = self.all_documents(last, INSTANSI_622)   # before the rollover: it drafts this year's of both
        self.log(f"demo: {self.run_module('skp', ['rollover'], '').strip()}")
        this_docs = self.all_documents(this)
        kota_this = self.all_documents(this, INSTANSI_622)
        self.summary["approved_last_year"] = self.agree(last_docs)
        self.summary["approved_this_year"] = self.agree(this_docs)
        kota = {"rulesets": sorted({d.ruleset for d in [*kota_last.values(), *kota_this.values()]}),
                "approved_last_year": self.agree(kota_last), "approved_this_year": self.agree(kota_this)}
        leave = self.leave()
        for docs in (last_docs, this_docs, kota_last, kota_this):
            self.wait_des(docs)
        spec = {"instansi_id": INSTANSI, "today": self.today.isoformat(), "late_nip": holders("PERAWAT")[2],
                "leave": leave}
        self.log(self.run_module("des", ["history"], json.dumps(spec)).strip())
        spec = {"instansi_id": INSTANSI_622, "today": self.today.isoformat(),
                "late_nip": holders("PERAWAT", INSTANSI_622)[2]}
        self.log(self.run_module("des", ["history"], json.dumps(spec)).strip())
        self.summary["results_last_year"] = self.close_last_year(last_docs)
        kota["predikat_last_year"] = self.evaluate_622(kota_last, last)
        kota["predikat_organisasi_last_year"] = self.predikat_organisasi(last)
        kota["final_last_year"] = self.finalise_622(last)
        self.summary[INSTANSI_622] = kota
        employees = sorted(nip for nip, doc in this_docs.items() if doc.status == "approved")
        self.wait_recap_caught_up([first_holder("GURU"), employees[0], employees[-1],
                                   first_holder("GURU", INSTANSI_622)])
        recap = self.wait_recap(first_holder("GURU"))
        self.summary["guru_last_month"] = {"approved": recap.counters.approved,
                                           "achievement_pct": recap.counters.achievement_pct}
        self.summary["seconds"] = round(time.monotonic() - started, 1)
        return self.summary


def seed(targets: dict[str, str], password: str, run_module, **kwargs) -> dict:
    demo = Demo(targets, password, run_module, **kwargs)
    try:
        return demo.run()
    finally:
        demo.close()
