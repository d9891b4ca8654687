"""The gRPC score in the offline calculator's JSON form (one mapping for clients, the CLI and tests)."""


def score_response_as_contract(response) -> dict:
    """A `ScoreSkpResponse` in SKP_SCORE_FORMAT.md's output form (unset optional fields are JSON null), so a
    client can compare the service's score with the offline calculator's output field for field."""
    def kegiatan(k):
        out = {f: getattr(k, f) for f in ("nama", "kuantitas", "kualitas", "waktu")}
        for f in ("efisiensi_waktu", "biaya", "efisiensi_biaya"):
            out[f] = getattr(k, f) if k.HasField(f) else None
        out.update(jumlah_aspek=k.jumlah_aspek, perhitungan=k.perhitungan, nilai_capaian=k.nilai_capaian)
        if k.HasField("angka_kredit"):
            out["angka_kredit"] = k.angka_kredit
        return out

    out = {"ruleset": response.ruleset, "skp": [
        {"kegiatan": [kegiatan(k) for k in d.kegiatan], "rata_rata_kegiatan": d.rata_rata_kegiatan,
         "nilai_tugas_tambahan": d.nilai_tugas_tambahan, "nilai_kreativitas": d.nilai_kreativitas,
         "nilai_capaian_skp": d.nilai_capaian_skp} for d in response.skp],
        "nilai_capaian_skp": response.nilai_capaian_skp, "sebutan_capaian_skp": response.sebutan_capaian_skp}
    for f in ("nilai_perilaku", "sebutan_perilaku"):
        out[f] = getattr(response, f) if response.HasField(f) else None
    if response.HasField("jumlah_aspek_perilaku"):
        out["jumlah_aspek_perilaku"] = response.jumlah_aspek_perilaku
    for f in ("nilai_prestasi_kerja", "sebutan"):
        out[f] = getattr(response, f) if response.HasField(f) else None
    return out
