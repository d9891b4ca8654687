"""Issue 22 item 8 across the real services: a PermenPANRB 6/2022 employee's plan, cascaded from the atasan's,
approved in skp → des learns the plan's IKI (``rencana_kinerja_approved``) and takes reports tied to them (another
id is refused) → the penilai approves in des → skp takes the period's realisation from those DES activities
(``activity_reviewed``) → the penilai rates → recap shows the realisation per IKI and the predikat
(``evaluasi_rated``) → the PyB sets the organisation's predikat and the curve check counts the employee → the
results are not final (no SIASN export yet) until the PyB finalises the period → recap shows the unit's predikat
spread → skp's SIASN export RPC of the stored evaluation equals the offline export (the matrix's predikat code).
Events flow for real (outbox → RabbitMQ → inbox).

One kabupaten through identity's API: T, Sekretaris Daerah; K, Kepala Badan (a JPT) whose penilai is T; F, a
Pranata Komputer Ahli Pertama (jabatan fungsional) whose penilai is K. The instansi's ruleset for the year is set
through skp's API before anyone is assigned, so skp drafts their documents under 6/2022 itself.
"""
from __future__ import annotations

import json
import uuid

import grpc
import pytest
from e2e_lib import Calendar, auth, des_today, eventually, rpc_error

from ekinerja_rules.permenpanrb_6_2022.siasn import parse_siasn_input, siasn_export

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
RULESET = "permenpanrb-6-2022"


def test_a_6_2022_employee_from_cascaded_plan_to_recap(identity, skp, des, recap, stack):
    cal = Calendar.now()
    inst = "E2E622-" + uuid.uuid4().hex[:6].upper()
    unit = f"{inst}.BADAN"
    identity.instansi(inst, "Pemerintah Kabupaten Uji 6/2022")
    identity.unit(inst, unit, "Badan Kepegawaian")
    identity.jabatan(inst, f"{inst}.SEKDA", unit, "Sekretaris Daerah", "struktural_jpt", "umum", eselon="II.a")
    identity.jabatan(inst, f"{inst}.KABAN", unit, "Kepala Badan", "struktural_jpt", "umum", f"{inst}.SEKDA",
                     eselon="II.b")
    identity.jabatan(inst, f"{inst}.PRAKOM", unit, "Pranata Komputer Ahli Pertama", "fungsional_tertentu", "umum",
                     f"{inst}.KABAN", jenjang="Ahli Pertama")
    s, spb = skp.stub, skp.pb
    admin_token = identity.admin_instansi(inst)

    def admin():  # a fresh idempotency key per write
        return auth(admin_token, key=True)

    setting = s.SetRulesetSetting(spb.SetRulesetSettingRequest(
        instansi_id=inst, tahun=cal.year_start.year, ruleset=RULESET, reason="Penilaian menurut PermenPANRB 6/2022"),
        metadata=admin(), timeout=20).setting
    assert (setting.ruleset, setting.is_set) == (RULESET, True)
    t = identity.pegawai(inst, "Taufik Sekda", "IV/c")
    k = identity.pegawai(inst, "Kartika Kaban", "IV/b", gender=2)
    f = identity.pegawai(inst, "Fajar Prakom", "III/a")
    for person, jabatan in ((t, "SEKDA"), (k, "KABAN"), (f, "PRAKOM")):
        identity.assign(person.nip, f"{inst}.{jabatan}", cal.year_start)
    docs = {}
    for person in (k, f):
        [draft] = skp.documents(person, cal.year_start.year)
        assert draft.ruleset == RULESET, "skp drafts under the instansi's ruleset of the year"
        docs[person.nip] = draft.skp_id

    def agree(owner, penilai, rhk):
        skp_id = docs[owner.nip]
        version = s.GetRencanaKinerja(spb.GetRencanaKinerjaRequest(skp_id=skp_id), metadata=owner.md(),
                                      timeout=20).rencana.version
        s.UpdateRencanaKinerja(spb.UpdateRencanaKinerjaRequest(skp_id=skp_id, expected_version=version,
                                                               pendekatan="kuantitatif", rhk=rhk),
                               metadata=owner.md(True), timeout=20)
        s.SubmitRencanaKinerja(spb.SubmitRencanaKinerjaRequest(skp_id=skp_id), metadata=owner.md(True), timeout=20)
        return s.ApproveRencanaKinerja(spb.ApproveRencanaKinerjaRequest(skp_id=skp_id), metadata=penilai.md(True),
                                       timeout=20).rencana

    kaban = agree(k, t, [spb.RhkInput(
        jenis="utama", uraian="Meningkatnya layanan kepegawaian digital", sasaran_organisasi="Indeks SPBE naik",
        perspektif="penerima layanan",
        iki=[spb.IkiInput(uraian="Layanan kepegawaian daring", aspek="kuantitas", target="10", satuan="layanan")])])
    plan = agree(f, k, [spb.RhkInput(
        jenis="utama", uraian="Tersedianya aplikasi layanan kepegawaian", rhk_atasan_id=kaban.approved_rhk[0].rhk_id,
        iki=[spb.IkiInput(uraian="Modul aplikasi selesai", aspek="kuantitas", target="12", satuan="modul"),
             spb.IkiInput(uraian="Ketersediaan layanan", aspek="kualitas", target="99", satuan="persen")])])
    modul, tersedia = (i.iki_id for i in plan.approved_rhk[0].iki)

    # des: a report tied to an IKI of the approved plan (once des has learnt it); any other id refused
    today = des_today()
    first = eventually(lambda: des.report(f, today, modul, "2", "modul absensi daring"),
                       what="des learns the approved 6/2022 plan", codes=(grpc.StatusCode.FAILED_PRECONDITION,
                                                                           grpc.StatusCode.INVALID_ARGUMENT))
    assert (first.kegiatan_id, first.satuan, first.penilai_nip) == (modul, "modul", k.nip)
    second = des.report(f, today, modul, "1", "modul cuti daring")
    error = rpc_error(lambda: des.report(f, today, str(uuid.uuid4()), "1", "bukan IKI"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "kegiatan_id" in error.details()
    des.approve(k, first, (second, "0.5"))

    # skp: the month's realisation of the IKI taken from DES; the other typed in; the penilai rates
    periode = f"{today:%Y-%m}"
    skp_id = docs[f.nip]

    def from_des():
        got = s.SetRealisasiIki(spb.SetRealisasiIkiRequest(skp_id=skp_id, periode=periode, iki_id=modul,
                                                           dari_des=True), metadata=f.md(True), timeout=20).evaluasi
        [line] = [x for x in got.realisasi if x.iki_id == modul]
        assert (line.realisasi, sorted(line.bukti)) == ("2.5", sorted([first.activity_id, second.activity_id]))
        return line
    eventually(from_des, what="skp receives the approved DES activities")
    s.SetRealisasiIki(spb.SetRealisasiIkiRequest(skp_id=skp_id, periode=periode, iki_id=tersedia, realisasi="99.5"),
                      metadata=f.md(True), timeout=20)
    s.AddUmpanBalik(spb.AddUmpanBalikRequest(skp_id=skp_id, periode=periode, rhk_id=plan.approved_rhk[0].rhk_id,
                                             catatan="Modul absensi tepat waktu; lanjutkan modul cuti."),
                    metadata=k.md(True), timeout=20)
    rated = s.RateEvaluasi(spb.RateEvaluasiRequest(skp_id=skp_id, periode=periode, hasil_kerja="di_atas",
                                                   perilaku="sesuai"), metadata=k.md(True), timeout=20).evaluasi
    # baik (matrix); ahli pertama, one month: 12.5 x 100 % x 1/12 = 1.0416… → 1.042
    assert (rated.predikat, rated.kode_predikat, rated.bulan, rated.angka_kredit) == ("baik", 2, 1, "1.042")

    # recap: the rated month with its realisation per IKI, for the employee and the penilai
    rstub, rpb = recap

    def recapped(person):
        reply = rstub.GetEmployeeRecap(rpb.GetEmployeeRecapRequest(nip=f.nip, period=rpb.PERIOD_MONTH,
                                                                   date=today.isoformat()),
                                       metadata=person.md(), timeout=20)
        found = [e for e in reply.evaluasi if e.periode == periode]
        assert len(found) == 1, f"{len(found)} rated periods {periode} in recap"
        month = found[0]
        assert (month.predikat, month.kode_predikat, month.angka_kredit, month.penilai_nip) == (
            "baik", 2, "1.042", k.nip)
        assert [(x.iki_id, x.target, x.realisasi, x.bukti) for x in month.realisasi] == [
            (modul, "12", "2.5", 2), (tersedia, "99", "99.5", 0)]
        return month
    eventually(lambda: recapped(f), what="recap receives the rated period")
    recapped(k)

    # the PyB's organisation predikat, and the curve check counting the rated employee (fewer than 5: not judged)
    s.SetPredikatOrganisasi(spb.SetPredikatOrganisasiRequest(instansi_id=inst, periode=periode, predikat="baik",
                                                             reason="Capaian organisasi bulan ini"),
                            metadata=admin(), timeout=20)
    curve = s.CheckDistribution(spb.CheckDistributionRequest(instansi_id=inst, periode=periode), metadata=admin(),
                                timeout=20)
    assert (curve.predikat_organisasi, curve.jumlah_pegawai, curve.diperiksa) == ("baik", 1, False)
    assert {c.predikat: c.jumlah for c in curve.jumlah if c.jumlah} == {"baik": 1}

    # the SIASN export of the rated month: the predikat code is the matrix's, equal to the stored one
    export = siasn_export(parse_siasn_input({
        "ruleset": RULESET, "pns_dinilai_id": f.nip, "tahun": today.year, "bulan_mulai": today.month,
        "bulan_selesai": today.month, "hasil_kerja": rated.hasil_kerja, "perilaku": rated.perilaku,
        "penilai": {"status": "ASN", "nip": k.nip, "nama": "Kartika Kaban", "jabatan": "Kepala Badan",
                    "unor": "Badan Kepegawaian", "golongan": "IV/b"}}))
    periodik = export["kinerja_periodik"]
    assert (export["predikat"], periodik["kuadranKinerjaNilai"]) == (rated.predikat, rated.kode_predikat)
    assert (periodik["hasilKinerjaNilai"], periodik["perilakuKerjaNilai"]) == (rated.kode_hasil_kerja,
                                                                              rated.kode_perilaku)
    assert export["skp22"] is None  # one month, not the whole year

    # not final before the PyB finalises: the evaluation says so and skp sends nothing to SIASN
    assert not rated.final and not curve.final
    error = rpc_error(lambda: s.GetSiasnExport(spb.GetSiasnExportRequest(skp_id=skp_id, periode=periode),
                                               metadata=f.md(), timeout=20))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "periode" in error.details()
    final = s.FinaliseDistribution(spb.FinaliseDistributionRequest(instansi_id=inst, periode=periode),
                                   metadata=admin(), timeout=20)
    assert (final.distribusi.final, final.distribusi.diperiksa, final.alasan_pengecualian) == (True, False, "")
    [listed] = [e for e in s.ListEvaluasi(spb.ListEvaluasiRequest(skp_id=skp_id), metadata=f.md(),
                                          timeout=20).evaluasi if e.periode == periode]
    assert listed.final

    # recap: the unit's predikat spread of the period
    def spread():
        reply = rstub.GetUnitPredikatSpread(rpb.GetUnitPredikatSpreadRequest(unit_id=unit, periode=periode),
                                            metadata=auth(admin_token), timeout=20)
        assert reply.jumlah_pegawai == 1
        return reply
    reply = eventually(spread, what="recap counts the unit's rated employees")
    assert [(c.predikat, c.jumlah) for c in reply.jumlah] == [
        ("sangat_baik", 0), ("baik", 1), ("butuh_perbaikan", 0), ("kurang", 0), ("sangat_kurang", 0)]

    # skp's SIASN export of the stored evaluation: the offline export's document, the matrix's predikat
    sent = s.GetSiasnExport(spb.GetSiasnExportRequest(skp_id=skp_id, periode=periode), metadata=f.md(), timeout=20)
    document = json.loads(sent.json)
    assert (sent.predikat, sent.kode_predikat) == (export["predikat"], export["kode_predikat"]) == ("baik", 2)
    assert document == export
