"""`ekinerja skp rhk …` and `ekinerja skp evaluasi …`: the SKP under PermenPANRB 6/2022 against the skp service —
the plan (RHK cascaded from the atasan's approved RHK, IKI, ekspektasi BerAKHLAK, lampiran) and the periodic
evaluation (realisasi per IKI, umpan balik, penilaian -> predikat and angka kredit). Texts in Bahasa Indonesia."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, state, table


def _pb():
    from ekinerja.skp.v1 import skp_pb2
    return skp_pb2


def _call(method: str, request, *, write: bool = False):
    return client.call("skp", method, request, write=write)


def _emit(message, human=None) -> None:
    emit(client.as_dict(message), human)


# --- rendering --------------------------------------------------------------------------------------------------


def _show_rhk(title: str, items: list[dict]) -> None:
    """Lines, not a table: RHK and IKI texts are long sentences."""
    click.echo(f"{title}:")
    for r in items:
        sumber = r.get("rhk_atasan_uraian") or r.get("sasaran_organisasi", "-")
        perspektif = f" [perspektif {r['perspektif']}]" if r.get("perspektif") else ""
        click.echo(f"  RHK {r.get('nomor')} ({r.get('jenis')}): {r.get('uraian')}{perspektif}")
        click.echo(f"    intervensi: {sumber}")
        for k in r.get("iki", []):
            target = f"{k.get('aspek')} {k.get('target')} {k.get('satuan')}" if k.get("target") else \
                k.get("ekspektasi", "")
            click.echo(f"    IKI {k.get('nomor')}: {k.get('uraian')} -> {target}  ({k.get('iki_id')})")


def _show_rencana(data: dict) -> None:
    r = data.get("rencana", data)
    click.echo(f"SKP {r.get('skp_id')}  status={r.get('status')}  versi={r.get('version', 0)}  "
               f"pendekatan={r.get('pendekatan')}  aturan={r.get('ruleset')}")
    if r.get("return_note"):
        click.echo(f"  catatan pengembalian: {r['return_note']}")
    _show_rhk("Rencana hasil kerja", r.get("rhk", []))
    click.echo("Perilaku kerja (BerAKHLAK):")
    for p in r.get("perilaku", []):
        click.echo(f"  {p.get('nama')}: {p.get('ekspektasi') or '-'}")
    lampiran = r.get("lampiran", {})
    for key, title in (("dukungan_sumber_daya", "Dukungan sumber daya"),
                       ("skema_pertanggungjawaban", "Skema pertanggungjawaban"), ("konsekuensi", "Konsekuensi")):
        for line in lampiran.get(key, []):
            click.echo(f"  {title}: {line}")


def _show_evaluasi(data: dict) -> None:
    items = data.get("evaluasi")
    for e in items if isinstance(items, list) else [items or data]:
        hasil = f"predikat {e['predikat']} (kode {e.get('kode_predikat')}), " + (
            "final" if e.get("final") else "belum final") if e.get("predikat") else "belum dinilai"
        ak = f", angka kredit {e['angka_kredit']}" if e.get("angka_kredit") else ""
        click.echo(f"Periode {e.get('periode')} ({e.get('jenis_periode', '-')}, {e.get('bulan', 0)} bulan): "
                   f"{hasil}{ak}")
        if e.get("predikat"):
            click.echo(f"  hasil kerja {e.get('hasil_kerja')}, perilaku {e.get('perilaku')}")
        for r in e.get("realisasi", []):
            click.echo(f"  realisasi IKI {r.get('iki_id')}: {r.get('realisasi') or r.get('uraian', '')}")
        for f in e.get("umpan_balik", []):
            click.echo(f"  umpan balik ({f.get('perilaku') or 'RHK ' + f.get('rhk_id', '')}): {f.get('catatan')}")


# --- the plan ---------------------------------------------------------------------------------------------------


@click.group("rhk")
def rhk_group():
    """SKP PermenPANRB 6/2022: rencana hasil kerja, IKI, ekspektasi perilaku, lampiran."""


@rhk_group.command("lihat")
@click.argument("skp_id")
@json_option
def lihat(skp_id):
    """Tampilkan rencana kinerja (RHK, IKI, BerAKHLAK, lampiran) sebuah SKP."""
    _emit(_call("GetRencanaKinerja", _pb().GetRencanaKinerjaRequest(skp_id=skp_id)), _show_rencana)


@rhk_group.command("atasan")
@click.argument("skp_id")
@json_option
def atasan(skp_id):
    """RHK atasan yang telah disetujui: pilihan untuk rhk_atasan_id."""
    _emit(_call("ListRhkAtasan", _pb().ListRhkAtasanRequest(skp_id=skp_id)),
          lambda d: table("RHK atasan", ["rhk_id", "Jenis", "RHK"],
                          [[r.get("rhk_id"), r.get("jenis"), r.get("uraian")] for r in d.get("rhk", [])]))


@rhk_group.command("ubah")
@click.argument("skp_id")
@click.argument("file", type=click.File("r"))
@click.option("--versi", "expected_version", type=int, required=True, help="Versi SKP yang Anda ubah.")
@click.option("--alasan", "reason", default="", help="Alasan perubahan (wajib setelah SKP disetujui; tercatat).")
@json_option
def ubah(skp_id, file, expected_version, reason):
    """Ganti rencana kinerja dari berkas JSON: {pendekatan, rhk: [{jenis, uraian, rhk_atasan_id, iki: [...]}],
    lampiran: {dukungan_sumber_daya, skema_pertanggungjawaban, konsekuensi}}."""
    try:
        data = json.load(file)
    except ValueError as error:
        fail(f"{getattr(file, 'name', 'FILE')}: bukan JSON yang sah ({error})", EXIT_BAD_INPUT)
    if not isinstance(data, dict) or not isinstance(data.get("rhk", []), list):
        fail("FILE: harus objek JSON dengan daftar rhk", EXIT_BAD_INPUT)
    pb = _pb()
    try:
        rhk = [pb.RhkInput(**{**item, "iki": [pb.IkiInput(**{k: str(v) for k, v in iki.items()})
                                               for iki in item.get("iki", [])]}) for item in data.get("rhk", [])]
        lampiran = pb.Lampiran(**(data.get("lampiran") or {}))
    except (TypeError, ValueError, AttributeError) as error:
        fail(f"FILE: isian tidak dikenal atau salah bentuk ({error})", EXIT_BAD_INPUT)
    request = pb.UpdateRencanaKinerjaRequest(skp_id=skp_id, expected_version=expected_version,
                                             pendekatan=data.get("pendekatan", ""), rhk=rhk, lampiran=lampiran,
                                             reason=reason)
    _emit(_call("UpdateRencanaKinerja", request, write=True), _show_rencana)


@rhk_group.command("ekspektasi")
@click.argument("skp_id")
@click.option("--nilai", "values", multiple=True, required=True, metavar="KODE=TEKS",
              help="Ekspektasi khusus pimpinan per nilai BerAKHLAK, mis. kolaboratif='Melibatkan tim'.")
@json_option
def ekspektasi(skp_id, values):
    """Tetapkan ekspektasi khusus pimpinan per nilai BerAKHLAK (pejabat penilai)."""
    pairs = {}
    for value in values:
        kode, sep, text = value.partition("=")
        if not sep:
            fail(f"--nilai {value!r}: harus berbentuk KODE=TEKS", EXIT_BAD_INPUT)
        pairs[kode.strip()] = text
    _emit(_call("SetEkspektasiPerilaku", _pb().SetEkspektasiPerilakuRequest(skp_id=skp_id, ekspektasi=pairs),
                write=True), _show_rencana)


@rhk_group.command("ajukan")
@click.argument("skp_id")
@json_option
def ajukan(skp_id):
    """Ajukan rencana kinerja kepada pejabat penilai."""
    _emit(_call("SubmitRencanaKinerja", _pb().SubmitRencanaKinerjaRequest(skp_id=skp_id), write=True),
          _show_rencana)


@rhk_group.command("setujui")
@click.argument("skp_id")
@json_option
def setujui(skp_id):
    """Setujui rencana kinerja yang diajukan (pejabat penilai)."""
    _emit(_call("ApproveRencanaKinerja", _pb().ApproveRencanaKinerjaRequest(skp_id=skp_id), write=True),
          _show_rencana)


@rhk_group.command("kembalikan")
@click.argument("skp_id")
@click.option("--catatan", required=True, help="Alasan pengembalian kepada pegawai.")
@json_option
def kembalikan(skp_id, catatan):
    """Kembalikan rencana kinerja kepada pegawai dengan catatan (pejabat penilai)."""
    _emit(_call("ReturnRencanaKinerja", _pb().ReturnRencanaKinerjaRequest(skp_id=skp_id, note=catatan),
                write=True), _show_rencana)


# --- periodic evaluation ----------------------------------------------------------------------------------------


@click.group("evaluasi")
def evaluasi_group():
    """Evaluasi kinerja periodik PermenPANRB 6/2022: realisasi, umpan balik, penilaian, predikat."""


PERIODE_HELP = "TTTT-BB (bulanan), TTTT-Qn (triwulanan) atau TTTT (tahunan)."


@evaluasi_group.command("lihat")
@click.argument("skp_id")
@json_option
def evaluasi_lihat(skp_id):
    """Evaluasi per periode: realisasi, umpan balik, predikat dan angka kredit."""
    _emit(_call("ListEvaluasi", _pb().ListEvaluasiRequest(skp_id=skp_id)), _show_evaluasi)


@evaluasi_group.command("realisasi")
@click.argument("skp_id")
@click.option("--periode", required=True, help=PERIODE_HELP)
@click.option("--iki", "iki_id", required=True, help="iki_id dari rencana yang disetujui.")
@click.option("--realisasi", default="", help="Angka realisasi (pendekatan kuantitatif).")
@click.option("--uraian", default="", help="Uraian realisasi (wajib untuk pendekatan kualitatif).")
@click.option("--bukti", multiple=True, help="Bukti dukung (id kegiatan DES, dokumen); boleh berulang.")
@click.option("--dari-des", is_flag=True,
              help="Ambil realisasi dari kegiatan DES yang disetujui untuk IKI ini pada periode tersebut "
                   "(jumlah kuantitas diakui; kegiatannya menjadi bukti dukung).")
@json_option
def evaluasi_realisasi(skp_id, periode, iki_id, realisasi, uraian, bukti, dari_des):
    """Catat realisasi satu IKI pada suatu periode (pegawai)."""
    _emit(_call("SetRealisasiIki", _pb().SetRealisasiIkiRequest(
        skp_id=skp_id, periode=periode, iki_id=iki_id, realisasi=realisasi, uraian=uraian, bukti=list(bukti),
        dari_des=dari_des), write=True), _show_evaluasi)


@evaluasi_group.command("umpan-balik")
@click.argument("skp_id")
@click.option("--periode", required=True, help=PERIODE_HELP)
@click.option("--rhk", "rhk_id", default="", help="RHK yang diberi umpan balik.")
@click.option("--perilaku", default="", help="Atau nilai BerAKHLAK, mis. kolaboratif.")
@click.option("--catatan", required=True)
@json_option
def umpan_balik(skp_id, periode, rhk_id, perilaku, catatan):
    """Catat umpan balik berkelanjutan atas RHK atau nilai BerAKHLAK (pejabat penilai)."""
    _emit(_call("AddUmpanBalik", _pb().AddUmpanBalikRequest(skp_id=skp_id, periode=periode, rhk_id=rhk_id,
                                                            perilaku=perilaku, catatan=catatan), write=True),
          lambda d: click.echo(f"Umpan balik tercatat ({d.get('umpan_balik', {}).get('id')})."))


@evaluasi_group.command("nilai")
@click.argument("skp_id")
@click.option("--periode", required=True, help=PERIODE_HELP)
@click.option("--hasil-kerja", required=True, help="di_atas | sesuai | di_bawah")
@click.option("--perilaku", required=True, help="di_atas | sesuai | di_bawah")
@click.option("--catatan", default="")
@json_option
def nilai(skp_id, periode, hasil_kerja, perilaku, catatan):
    """Nilai hasil kerja dan perilaku suatu periode (pejabat penilai): predikat dan angka kredit tersimpan."""
    _emit(_call("RateEvaluasi", _pb().RateEvaluasiRequest(skp_id=skp_id, periode=periode, hasil_kerja=hasil_kerja,
                                                          perilaku=perilaku, catatan=catatan), write=True),
          _show_evaluasi)


@evaluasi_group.command("unduh")
@click.argument("skp_id")
@click.argument("periode")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), required=True, help="Format berkas.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Berkas tujuan (bawaan: nama dari layanan).")
def evaluasi_unduh(skp_id, periode, fmt, output):
    """Unduh dokumen evaluasi kinerja suatu periode yang sudah dinilai (PDF atau XLSX)."""
    pb = _pb()
    response = _call("ExportEvaluasi", pb.ExportEvaluasiRequest(
        skp_id=skp_id, periode=periode, format=pb.EXPORT_FORMAT_PDF if fmt == "pdf" else pb.EXPORT_FORMAT_XLSX))
    path = Path(output or response.filename or f"evaluasi-kinerja-{skp_id}-{periode}.{fmt}")
    path.write_bytes(response.content)
    if state().json:
        click.echo(json.dumps({"path": str(path), "bytes": len(response.content),
                               "content_type": response.content_type}))
    else:
        click.echo(f"tersimpan {path} ({len(response.content)} byte)")


@evaluasi_group.command("siasn")
@click.argument("skp_id")
@click.argument("periode")
@click.option("--pns-dinilai-id", default="", help="Id pegawai di SIASN (bawaan: NIP).")
@click.option("--periodik-id", default="", help="Id referensi periodik SIASN (diteruskan apa adanya).")
@click.option("--koefisien-id", default="", help="Id referensi koefisien SIASN (diteruskan apa adanya).")
def evaluasi_siasn(skp_id, periode, pns_dinilai_id, periodik_id, koefisien_id):
    """Dokumen JSON untuk SIASN dari evaluasi periode yang sudah dinilai dan final (sama dengan `skp siasn`)."""
    response = _call("GetSiasnExport", _pb().GetSiasnExportRequest(
        skp_id=skp_id, periode=periode, pns_dinilai_id=pns_dinilai_id, periodik_id=periodik_id,
        koefisien_id=koefisien_id))
    click.echo(json.dumps(json.loads(response.json), ensure_ascii=False, indent=2))


def register_on(group) -> None:
    group.add_command(rhk_group)
    group.add_command(evaluasi_group)
