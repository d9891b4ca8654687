"""`ekinerja skp aturan …`, `ekinerja skp predikat-organisasi …`, `ekinerja skp sebaran`: which ruleset an instansi
appraises under each year, the organisation's predikat set by the PyB, and the distribution-curve check
(PermenPANRB 6/2022 §4) against the skp service. Texts in Bahasa Indonesia."""
from __future__ import annotations

import click

from .. import client
from ..output import emit, json_option, table


def _pb():
    from ekinerja.skp.v1 import skp_pb2
    return skp_pb2


def _emit(method: str, request, human, *, write: bool = False) -> None:
    emit(client.as_dict(client.call("skp", method, request, write=write)), human)


def _show_setting(what: str, value_key: str):
    def show(data: dict) -> None:
        s = data.get("setting", {})
        value = s.get(value_key) or "-"
        state = f"versi {s.get('version', 0)}, diubah {s.get('updated_at', '-')} oleh {s.get('updated_by', '-')}" \
            if s.get("is_set") else "belum ditetapkan (bawaan)"
        click.echo(f"{what} {s.get('instansi_id')} {s.get('tahun') or s.get('periode')}: {value}  ({state})")
        for change in s.get("history", []):
            click.echo(f"  {change}")
    return show


@click.group("aturan")
def aturan_group():
    """Aturan penilaian per instansi dan tahun: pp46-2011 atau permenpanrb-6-2022."""


@aturan_group.command("lihat")
@click.argument("instansi_id")
@click.argument("tahun", type=int)
@json_option
def aturan_lihat(instansi_id, tahun):
    """Aturan penilaian yang berlaku bagi instansi pada tahun itu."""
    _emit("GetRulesetSetting", _pb().GetRulesetSettingRequest(instansi_id=instansi_id, tahun=tahun),
          _show_setting("Aturan", "ruleset"))


@aturan_group.command("atur")
@click.argument("instansi_id")
@click.argument("tahun", type=int)
@click.argument("ruleset", type=click.Choice(["pp46-2011", "permenpanrb-6-2022"]))
@click.option("--alasan", "reason", required=True, help="Alasan perubahan (tercatat).")
@json_option
def aturan_atur(instansi_id, tahun, ruleset, reason):
    """Tetapkan aturan penilaian instansi untuk satu tahun (admin BKN / admin instansi); dokumen yang sudah ada tetap
    pada aturannya."""
    _emit("SetRulesetSetting", _pb().SetRulesetSettingRequest(instansi_id=instansi_id, tahun=tahun, ruleset=ruleset,
                                                               reason=reason),
          _show_setting("Aturan", "ruleset"), write=True)


@click.group("predikat-organisasi")
def predikat_organisasi_group():
    """Predikat kinerja organisasi per periode, ditetapkan oleh PyB (PermenPANRB 6/2022)."""


@predikat_organisasi_group.command("lihat")
@click.argument("instansi_id")
@click.argument("periode")
@json_option
def predikat_lihat(instansi_id, periode):
    """Predikat kinerja organisasi pada periode (2025, 2025-Q1 atau 2025-03)."""
    _emit("GetPredikatOrganisasi", _pb().GetPredikatOrganisasiRequest(instansi_id=instansi_id, periode=periode),
          _show_setting("Predikat organisasi", "predikat"))


@predikat_organisasi_group.command("atur")
@click.argument("instansi_id")
@click.argument("periode")
@click.argument("predikat", type=click.Choice(["istimewa", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]))
@click.option("--alasan", "reason", required=True, help="Alasan penetapan (tercatat).")
@json_option
def predikat_atur(instansi_id, periode, predikat, reason):
    """Tetapkan predikat kinerja organisasi untuk periode (admin instansi sebagai PyB)."""
    _emit("SetPredikatOrganisasi", _pb().SetPredikatOrganisasiRequest(instansi_id=instansi_id, periode=periode,
                                                                       predikat=predikat, reason=reason),
          _show_setting("Predikat organisasi", "predikat"), write=True)


def _show_distribution(data: dict) -> None:
    click.echo(f"Sebaran predikat {data.get('instansi_id')} {data.get('periode')}: "
               f"{data.get('jumlah_pegawai', 0)} pegawai, predikat organisasi {data.get('predikat_organisasi') or '-'}")
    table("Jumlah per predikat", ["Predikat", "Kode", "Jumlah"],
          [[c.get("predikat"), c.get("kode_predikat"), c.get("jumlah", 0)] for c in data.get("jumlah", [])])
    if not data.get("diperiksa"):
        click.echo("Belum diperiksa: kurang dari 5 pegawai berpredikat.")
    elif data.get("memenuhi"):
        click.echo("Sebaran memenuhi kurva distribusi.")
    click.echo("Hasil periode: final." if data.get("final") else "Hasil periode: belum final.")
    for v in data.get("pelanggaran", []):
        click.echo(f"  melanggar {v.get('aturan')}: {v.get('pesan')}")


@click.command("sebaran")
@click.argument("instansi_id")
@click.argument("periode")
@json_option
def sebaran(instansi_id, periode):
    """Periksa sebaran predikat pegawai terhadap kurva distribusi (PermenPANRB 6/2022 §4)."""
    _emit("CheckDistribution", _pb().CheckDistributionRequest(instansi_id=instansi_id, periode=periode),
          _show_distribution)


@click.command("finalkan")
@click.argument("instansi_id")
@click.argument("periode")
@click.option("--alasan-pengecualian", "alasan", default="",
              help="Alasan tertulis untuk memfinalkan walaupun sebaran melanggar kurva (tercatat).")
@json_option
def finalkan(instansi_id, periode, alasan):
    """Finalkan hasil kinerja periode (PyB): ditolak selama sebaran melanggar kurva distribusi, kecuali dengan
    alasan pengecualian tertulis."""
    def human(data: dict) -> None:
        _show_distribution(data.get("distribusi", {}))
        click.echo(f"Hasil periode {periode} final (oleh {data.get('finalised_by', '-')}).")
        if data.get("alasan_pengecualian"):
            click.echo(f"  dengan pengecualian: {data['alasan_pengecualian']}")
    _emit("FinaliseDistribution", _pb().FinaliseDistributionRequest(instansi_id=instansi_id, periode=periode,
                                                                     alasan_pengecualian=alasan),
          human, write=True)


def register_on(group) -> None:
    group.add_command(aturan_group)
    group.add_command(predikat_organisasi_group)
    group.add_command(sebaran)
    group.add_command(finalkan)
