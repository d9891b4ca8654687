"""The SKP under PermenPANRB 6/2022 (shared/PERMENPANRB_6_2022.md §2): RHK with their IKI, the cascading rule,
perspektif for JPT, the seven BerAKHLAK values with the penilai's ekspektasi khusus pimpinan, and the lampiran.

Standard library only. The plan is plain data (dicts, as stored in JSONB) so the approved snapshot, the atasan's list
and the API all read the same shape. Every error names the field (``rhk[1].iki[0].target``); messages are in
Bahasa Indonesia (they reach the employee).
"""
from __future__ import annotations

import uuid
from collections.abc import Set
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument

from .document import parse_decimal, plain

RULESET_622 = "permenpanrb-6-2022"
UTAMA, TAMBAHAN = "utama", "tambahan"
JENIS_RHK = (UTAMA, TAMBAHAN)
KUANTITATIF, KUALITATIF = "kuantitatif", "kualitatif"
PENDEKATAN = (KUANTITATIF, KUALITATIF)
ASPEK = ("kuantitas", "kualitas", "waktu", "biaya")
JPT_KIND = "struktural_jpt"
MAX_TEXT = 1000
MAX_ITEMS = 50

# The seven core values (PermenPANRB 6/2022 lampiran; SE MenPANRB 20/2021): code -> (name, panduan perilaku).
BERAKHLAK: dict[str, tuple[str, str]] = {
    "berorientasi_pelayanan": ("Berorientasi Pelayanan", "Memahami dan memenuhi kebutuhan masyarakat; ramah, "
                               "cekatan, solutif, dan dapat diandalkan; melakukan perbaikan tiada henti."),
    "akuntabel": ("Akuntabel", "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin, dan "
                  "berintegritas tinggi; menggunakan kekayaan dan barang milik negara secara bertanggung jawab, "
                  "efektif, dan efisien; tidak menyalahgunakan kewenangan jabatan."),
    "kompeten": ("Kompeten", "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah; membantu "
                 "orang lain belajar; melaksanakan tugas dengan kualitas terbaik."),
    "harmonis": ("Harmonis", "Menghargai setiap orang apa pun latar belakangnya; suka menolong orang lain; "
                 "membangun lingkungan kerja yang kondusif."),
    "loyal": ("Loyal", "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta pemerintahan yang sah; "
              "menjaga nama baik sesama ASN, pimpinan, instansi, dan negara; menjaga rahasia jabatan dan negara."),
    "adaptif": ("Adaptif", "Cepat menyesuaikan diri menghadapi perubahan; terus berinovasi dan mengembangkan "
                "kreativitas; bertindak proaktif."),
    "kolaboratif": ("Kolaboratif", "Memberi kesempatan kepada berbagai pihak untuk berkontribusi; terbuka dalam "
                    "bekerja sama untuk menghasilkan nilai tambah; menggerakkan pemanfaatan berbagai sumber daya "
                    "untuk tujuan bersama."),
}
LAMPIRAN = ("dukungan_sumber_daya", "skema_pertanggungjawaban", "konsekuensi")


@dataclass(frozen=True)
class IkiInput:
    iki_id: str = ""
    uraian: str = ""
    aspek: str = ""
    target: str = ""
    satuan: str = ""
    ekspektasi: str = ""


@dataclass(frozen=True)
class RhkInput:
    rhk_id: str = ""
    jenis: str = ""
    uraian: str = ""
    rhk_atasan_id: str = ""
    sasaran_organisasi: str = ""
    perspektif: str = ""
    iki: tuple[IkiInput, ...] = field(default_factory=tuple)


def is_jpt(kind: str) -> bool:
    return kind == JPT_KIND


def _text(value: str, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidArgument("wajib diisi", field=name)
    if len(value) > limit:
        raise InvalidArgument(f"paling banyak {limit} karakter", field=name)
    return value


def _one_of(value: str, allowed, name: str) -> str:
    value = (value or "").strip()
    if value not in allowed:
        raise InvalidArgument(f"harus salah satu dari {', '.join(allowed)}", field=name)
    return value


def _known_id(value: str, existing: Set[str], name: str) -> str:
    """A stable id: an existing item's id is kept, a new item gets a new one; any other id is refused."""
    value = (value or "").strip()
    if not value:
        return str(uuid.uuid4())
    if value not in existing:
        raise InvalidArgument("bukan bagian dari SKP ini", field=name)
    return value


def validate_plan(pendekatan: str, items: list[RhkInput], kind: str, atasan_rhk: dict[str, dict] | None,
                  known: tuple[Set[str], Set[str]] = (frozenset(), frozenset())) -> tuple[str, list[dict]]:
    """The working plan as stored: ``pendekatan`` and the RHK with their IKI, ids kept or assigned.

    Cascading: an RHK names the atasan's RHK it serves, one of ``atasan_rhk`` (the atasan's APPROVED RHK by id);
    ``None`` means the atasan has no approved 6/2022 SKP yet. A JPT's RHK may instead name the organisation's plan
    (``sasaran_organisasi``) and must carry a ``perspektif``; other positions have none. ``known``: the RHK ids and
    the IKI ids the document already has (``ids_of``), the only ids an edit may name.
    """
    known_rhk, known_iki = known
    pendekatan = _one_of(pendekatan, PENDEKATAN, "pendekatan")
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(f"paling banyak {MAX_ITEMS} RHK", field="rhk")
    jpt = is_jpt(kind)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"rhk[{i}]"
        rhk_id = _known_id(item.rhk_id, known_rhk, f"{at}.rhk_id")
        if rhk_id in seen:
            raise InvalidArgument("muncul dua kali", field=f"{at}.rhk_id")
        seen.add(rhk_id)
        jenis = _one_of(item.jenis, JENIS_RHK, f"{at}.jenis")
        uraian = _text(item.uraian, f"{at}.uraian")
        sasaran = _text(item.sasaran_organisasi, f"{at}.sasaran_organisasi", required=False)
        perspektif = _text(item.perspektif, f"{at}.perspektif", required=jpt, limit=200)
        if perspektif and not jpt:
            raise InvalidArgument("perspektif hanya untuk JPT", field=f"{at}.perspektif")
        if sasaran and not jpt:
            raise InvalidArgument("hanya RHK JPT yang diturunkan dari rencana organisasi; pilih RHK atasan",
                                  field=f"{at}.sasaran_organisasi")
        parent = (item.rhk_atasan_id or "").strip()
        if not parent and not (jpt and sasaran):
            raise InvalidArgument("wajib memilih RHK atasan yang diintervensi" + (
                " (atau sasaran organisasi untuk JPT)" if jpt else ""), field=f"{at}.rhk_atasan_id")
        parent_uraian = None
        if parent:
            if atasan_rhk is None:
                raise FailedPrecondition("SKP atasan (pejabat penilai) menurut PermenPANRB 6/2022 belum disetujui: "
                                         "belum ada RHK atasan untuk dipilih", field=f"{at}.rhk_atasan_id")
            if parent not in atasan_rhk:
                raise InvalidArgument("bukan RHK atasan yang telah disetujui", field=f"{at}.rhk_atasan_id")
            parent_uraian = atasan_rhk[parent]["uraian"]
        iki = _validate_iki(item.iki, pendekatan, at, known_iki)
        out.append({"rhk_id": rhk_id, "nomor": i + 1, "jenis": jenis, "uraian": uraian,
                    "rhk_atasan_id": parent or None,
                    "rhk_atasan_uraian": parent_uraian,
                    "sasaran_organisasi": sasaran or None, "perspektif": perspektif or None, "iki": iki})
    iki_ids = [k["iki_id"] for r in out for k in r["iki"]]
    if len(iki_ids) != len(set(iki_ids)):
        raise InvalidArgument("IKI yang sama muncul dua kali", field="rhk")
    return pendekatan, out


def _validate_iki(items, pendekatan: str, at: str, existing_ids: Set[str]) -> list[dict]:
    if not items:
        raise InvalidArgument("setiap RHK perlu paling sedikit satu IKI", field=f"{at}.iki")
    if len(items) > MAX_ITEMS:
        raise InvalidArgument(f"paling banyak {MAX_ITEMS} IKI", field=f"{at}.iki")
    out = []
    for j, item in enumerate(items):
        name = f"{at}.iki[{j}]"
        iki_id = _known_id(item.iki_id, existing_ids, f"{name}.iki_id")
        uraian = _text(item.uraian, f"{name}.uraian")
        if pendekatan == KUANTITATIF:
            aspek = _one_of(item.aspek, ASPEK, f"{name}.aspek")
            target = _decimal(item.target, f"{name}.target", positive=True)
            satuan = _text(item.satuan, f"{name}.satuan", limit=100)
            ekspektasi = _text(item.ekspektasi, f"{name}.ekspektasi", required=False)
            out.append({"iki_id": iki_id, "nomor": j + 1, "uraian": uraian, "aspek": aspek, "target": plain(target),
                        "satuan": satuan, "ekspektasi": ekspektasi or None})
        else:
            for unused in ("aspek", "target", "satuan"):
                if (getattr(item, unused) or "").strip():
                    raise InvalidArgument("tidak dipakai pada pendekatan kualitatif: uraikan hasil yang diharapkan "
                                          "di ekspektasi", field=f"{name}.{unused}")
            ekspektasi = _text(item.ekspektasi, f"{name}.ekspektasi")
            out.append({"iki_id": iki_id, "nomor": j + 1, "uraian": uraian, "aspek": None, "target": None,
                        "satuan": None, "ekspektasi": ekspektasi})
    return out


def _decimal(text: str, name: str, *, positive: bool = False) -> Decimal:
    """A number written as text; messages in Indonesian (the document module's are English)."""
    try:
        return parse_decimal(text, name, minimum=Decimal(0), exclusive=positive, places=3)
    except InvalidArgument:
        raise InvalidArgument(("harus bilangan lebih dari 0" if positive else "harus bilangan 0 atau lebih")
                              + ", paling banyak 3 angka desimal", field=name) from None


def ids_of(*plans: list[dict] | None) -> tuple[set[str], set[str]]:
    """The RHK ids and the IKI ids of stored plans (the ids an edit may name)."""
    rhk = [r for plan in plans for r in plan or []]
    return {r["rhk_id"] for r in rhk}, {k["iki_id"] for r in rhk for k in r["iki"]}


def validate_lampiran(values: dict[str, list[str]]) -> dict[str, list[str]]:
    out = {}
    for key in LAMPIRAN:
        items = list(values.get(key) or [])
        if len(items) > MAX_ITEMS:
            raise InvalidArgument(f"paling banyak {MAX_ITEMS} butir", field=f"lampiran.{key}")
        out[key] = [_text(x, f"lampiran.{key}[{i}]", limit=MAX_TEXT) for i, x in enumerate(items)]
    return out


def validate_ekspektasi(values: dict[str, str]) -> dict[str, str]:
    """The penilai's ekspektasi khusus pimpinan per BerAKHLAK value (blank: none for that value)."""
    out = {}
    for key, text in values.items():
        if key not in BERAKHLAK:
            raise InvalidArgument(f"bukan nilai BerAKHLAK; harus salah satu dari {', '.join(BERAKHLAK)}",
                                  field=f"ekspektasi.{key}")
        text = _text(text, f"ekspektasi.{key}", required=False)
        if text:
            out[key] = text
    return out


def check_submittable(plan: list[dict], penilai_nip: str | None) -> None:
    """What a plan needs before the penilai sees it: an RHK utama, each RHK's intervensi chosen (a plan started
    from the position template has none until the employee picks the atasan's RHK), and a penilai to approve it."""
    if not any(r["jenis"] == UTAMA for r in plan):
        raise FailedPrecondition("SKP perlu paling sedikit satu RHK utama", field="rhk")
    for i, item in enumerate(plan):
        if not item.get("rhk_atasan_id") and not item.get("sasaran_organisasi"):
            raise FailedPrecondition("RHK atasan yang diintervensi belum dipilih", field=f"rhk[{i}].rhk_atasan_id")
    if not penilai_nip:
        raise FailedPrecondition("pejabat penilai belum tercatat untuk SKP ini", field="penilai_nip")


def check_ruleset(ruleset: str) -> None:
    if ruleset != RULESET_622:
        raise FailedPrecondition(f"SKP ini memakai aturan {ruleset}, bukan {RULESET_622}", field="ruleset")


def rhk_by_id(plan: list[dict] | None) -> dict[str, dict]:
    return {r["rhk_id"]: r for r in plan or []}


def iki_by_id(plan: list[dict] | None) -> dict[str, dict]:
    return {k["iki_id"]: {**k, "rhk_id": r["rhk_id"]} for r in plan or [] for k in r["iki"]}


# --- position templates (docs/position-templates.md): the RHK/IKI a 6/2022 holder's document starts from -----------


def validate_template_rhk(pendekatan: str, items: list[RhkInput], kind: str) -> tuple[str, list[dict]]:
    """A position template's RHK with their IKI: the plan's rules without cascading. The atasan's RHK is the holder's
    choice on the document (the atasan's approved plan is per person and year, a template outlives both), so a
    template names none; a JPT template may name the organisation's plan and needs a perspektif. Ids are not the
    template's: every document gets its own (``plan_from_template``)."""
    for i, item in enumerate(items):
        if (item.rhk_atasan_id or "").strip():
            raise InvalidArgument("template tidak memuat RHK atasan: pegawai memilihnya pada SKP-nya",
                                  field=f"rhk[{i}].rhk_atasan_id")
        if (item.rhk_id or "").strip() or any((k.iki_id or "").strip() for k in item.iki):
            raise InvalidArgument("template tidak memakai id RHK/IKI; kosongkan", field=f"rhk[{i}].rhk_id")
    placeholder = "template"  # stands in for the holder's choice while the plan's rules are checked
    stand_in = [RhkInput("", x.jenis, x.uraian, "" if (is_jpt(kind) and x.sasaran_organisasi.strip()) else placeholder,
                         x.sasaran_organisasi, x.perspektif, x.iki) for x in items]
    if not items:
        raise InvalidArgument("template perlu paling sedikit satu RHK", field="rhk")
    pendekatan, plan = validate_plan(pendekatan, stand_in, kind, {placeholder: {"uraian": ""}})
    if not any(r["jenis"] == UTAMA for r in plan):
        raise InvalidArgument("template perlu paling sedikit satu RHK utama", field="rhk")
    return pendekatan, [{**r, "rhk_atasan_id": None, "rhk_atasan_uraian": None} for r in plan]


def plan_from_template(rows: list[dict]) -> list[dict]:
    """A document's draft plan from its position template: the same RHK/IKI under ids of its own, no intervensi."""
    return [{**r, "rhk_id": str(uuid.uuid4()), "rhk_atasan_id": None, "rhk_atasan_uraian": None,
             "iki": [{**k, "iki_id": str(uuid.uuid4())} for k in r["iki"]]} for r in rows]
