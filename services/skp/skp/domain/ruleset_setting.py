"""Which ruleset an instansi appraises under in a year, and the organisation's predikat for a period (issue 22).

Standard library only. The setting lives in skp because skp drafts the documents: a new document reads the setting
of its instansi and year in the same transaction that inserts it, and keeps it in ``skp_documents.ruleset`` — a
later change of the setting never touches a document already made. Without a setting an instansi appraises under
``pp46-2011`` (what every document was before the setting existed).

Periods of the 6/2022 evaluation (``periode``): ``2025`` (the year), ``2025-Q1`` … ``2025-Q4`` (a quarter) or
``2025-01`` … ``2025-12`` (a month) — the instansi chooses monthly or quarterly periodic evaluation.
"""
from __future__ import annotations

import re

from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_rules.permenpanrb_6_2022.rules import RULESET_ID, PredikatOrganisasi
from ekinerja_rules.rulesets import PP46_2011

PP46 = PP46_2011.id
PERMENPANRB_6_2022 = RULESET_ID
RULESETS = (PP46, PERMENPANRB_6_2022)
DEFAULT_RULESET = PP46
TAHUN_MIN, TAHUN_MAX = 2014, 2100  # PP 46/2011 applied from 2014; nothing plans beyond 2100
REASON_MAX = 500

_PERIODE = re.compile(r"^(?P<tahun>\d{4})(?:-(?:Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2])))?$")


def check_tahun(tahun: int, field: str = "tahun") -> int:
    if not TAHUN_MIN <= tahun <= TAHUN_MAX:
        raise InvalidArgument(f"tahun harus antara {TAHUN_MIN} dan {TAHUN_MAX}", field=field)
    return tahun


def check_instansi(instansi_id: str) -> str:
    if not instansi_id or not instansi_id.strip():
        raise InvalidArgument("instansi wajib diisi", field="instansi_id")
    return instansi_id


def check_ruleset(ruleset: str) -> str:
    if ruleset not in RULESETS:
        raise InvalidArgument(f"aturan penilaian harus salah satu dari: {', '.join(RULESETS)}", field="ruleset")
    return ruleset


def check_reason(reason: str, field: str = "reason") -> str:
    """Every change says why (the audit trail is read by BKN's auditors)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidArgument("alasan perubahan wajib diisi", field=field)
    if len(reason) > REASON_MAX:
        raise InvalidArgument(f"alasan paling panjang {REASON_MAX} karakter", field=field)
    return reason


def check_periode(periode: str) -> str:
    """``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``; the year within the ruleset years."""
    match = _PERIODE.match(periode or "")
    if match is None:
        raise InvalidArgument("periode harus berbentuk TTTT (tahunan), TTTT-Q1..Q4 (triwulan) atau TTTT-MM "
                              "(bulanan)", field="periode")
    check_tahun(int(match["tahun"]), field="periode")
    return periode


def tahun_of(periode: str) -> int:
    return int(check_periode(periode)[:4])


def check_predikat_organisasi(value: str) -> PredikatOrganisasi:
    try:
        return PredikatOrganisasi(value)
    except ValueError:
        raise InvalidArgument("predikat kinerja organisasi harus salah satu dari: "
                              + ", ".join(p.value for p in PredikatOrganisasi), field="predikat") from None
