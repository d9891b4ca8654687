"""Who may call which RPC on which SKP document: the one authorisation table of the skp service.

Relations are derived per document: ``owner`` (the employee, by the verified token's NIP), ``penilai`` and
``atasan`` (the pejabat penilai and atasan pejabat penilai recorded on the document), ``head`` (every head up the
chain above the position — Kepala Dinas, Sekda — from identity's ``heads``: read only), ``admin_instansi`` (an
admin of the document's instansi: read only). Nobody else reaches a document: not admin_bkn, not operators, not
agency clients, not other employees. Nip-based relations need the ``pegawai`` role.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import PermissionDenied
from ekinerja_platform.policy_table import rule_of

OWNER, PENILAI, ATASAN, ADMIN, HEAD = "owner", "penilai", "atasan", "admin_instansi", "head"
READ = frozenset({OWNER, PENILAI, ATASAN, HEAD, ADMIN})
ANY_PEGAWAI = "any_pegawai"  # rule for data about no one in particular (the national catalogues)
# Position templates: read by the position's agency (employees and admins) and admin_bkn; managed by the
# admin_instansi of the position's agency and the position's penilai (the penilai recorded for its holders).
POSITION_PENILAI = "position_penilai"
TEMPLATE_READ = "template_read"
TEMPLATE_MANAGE = frozenset({ADMIN, POSITION_PENILAI})


class InstansiRule(frozenset):
    """A rule about an instansi's settings (issue 22), not about a document: the relations to the instansi that may
    call it — ``admin_bkn`` (every instansi), ``admin_instansi`` and ``pegawai`` of that instansi."""


BKN, MEMBER = "admin_bkn", "pegawai_instansi"
SETTING_READ = InstansiRule({BKN, ADMIN, MEMBER})

RULES: dict[str, frozenset[str] | str] = {
    "GetTemplate": TEMPLATE_READ,
    "ListTemplateVersions": TEMPLATE_READ,
    "CopyCatalogueToTemplate": TEMPLATE_MANAGE,
    "UpdateTemplate": TEMPLATE_MANAGE,
    "UpdateTemplateRhk": TEMPLATE_MANAGE,  # the RHK/IKI of a PermenPANRB 6/2022 position
    "AdoptSkpAsTemplate": frozenset({PENILAI}),  # the approved document's penilai ("jadikan template jabatan")
    "ListCatalogues": ANY_PEGAWAI,
    "GetCatalogue": ANY_PEGAWAI,
    "ListSkp": READ,
    "GetSkp": READ,
    "ScoreSkp": READ,
    "ExportSkp": READ,
    "ListAudit": READ,
    "UpdateTargets": frozenset({OWNER}),
    "SubmitSkp": frozenset({OWNER}),
    "EscalateSkp": frozenset({OWNER}),
    "ApproveSkp": frozenset({PENILAI, ATASAN}),  # penilai a submission, atasan a disagreement (use case)
    "ReturnSkp": frozenset({PENILAI, ATASAN}),
    "SetRealisasi": frozenset({OWNER}),
    "AddTugasTambahan": frozenset({OWNER, PENILAI}),
    "SetKreativitas": frozenset({PENILAI}),
    "SetPerilaku": frozenset({PENILAI}),
    "IssueResult": frozenset({PENILAI}),
    "AcceptResult": frozenset({OWNER}),
    "FileKeberatan": frozenset({OWNER}),
    "DecideKeberatan": frozenset({ATASAN}),
    # Issue 22: the ruleset per instansi and year (admin_bkn or the instansi's admin), the organisation's predikat
    # per period (the PyB: the instansi's admin_instansi) and the distribution check the PyB reads before results
    # are final (admin_bkn reads it too).
    "GetRulesetSetting": SETTING_READ,
    "SetRulesetSetting": InstansiRule({BKN, ADMIN}),
    "GetPredikatOrganisasi": SETTING_READ,
    "SetPredikatOrganisasi": InstansiRule({ADMIN}),
    "CheckDistribution": InstansiRule({BKN, ADMIN}),
    # the PyB makes the period's results final (curve.finalise): the instansi's admin_instansi, as it sets the
    # organisation's predikat
    "FinaliseDistribution": InstansiRule({ADMIN}),
    # PermenPANRB 6/2022 (rencana.py, evaluation.py): the employee writes the plan and the realisation; the penilai
    # sets the ekspektasi, approves or returns, gives feedback and rates
    "GetRencanaKinerja": READ,
    "ListRhkAtasan": frozenset({OWNER, PENILAI}),
    "UpdateRencanaKinerja": frozenset({OWNER}),
    "SetEkspektasiPerilaku": frozenset({PENILAI}),
    "SubmitRencanaKinerja": frozenset({OWNER}),
    "ApproveRencanaKinerja": frozenset({PENILAI}),
    "ReturnRencanaKinerja": frozenset({PENILAI}),
    "SetRealisasiIki": frozenset({OWNER}),
    "AddUmpanBalik": frozenset({PENILAI}),
    "RateEvaluasi": frozenset({PENILAI}),
    "ListEvaluasi": READ,
    "ExportEvaluasi": READ,  # the dokumen evaluasi: whoever may read the evaluations
    "GetSiasnExport": frozenset({OWNER, PENILAI, ADMIN}),  # what is sent to SIASN: the employee, penilai, admin
}


def relations(principal, nip: str, instansi_id: str, penilai_nip: str | None,
              atasan_nip: str | None, heads: frozenset[str] = frozenset()) -> frozenset[str]:
    found = set()
    if principal.nip and principal.has_role("pegawai"):
        if principal.nip == nip:
            found.add(OWNER)
        if penilai_nip and principal.nip == penilai_nip:
            found.add(PENILAI)
        if atasan_nip and principal.nip == atasan_nip:
            found.add(ATASAN)
        if principal.nip in heads and principal.nip != nip:
            found.add(HEAD)
    if principal.has_role("admin_instansi") and principal.instansi_id and principal.instansi_id == instansi_id:
        found.add(ADMIN)
    return frozenset(found)


def rule(rpc: str):
    return rule_of(RULES, rpc)


def authorize(rpc: str, principal, doc) -> frozenset[str]:
    """The caller's relations to ``doc`` that the rule of ``rpc`` allows; PermissionDenied when there is none."""
    allowed = rule(rpc)
    if allowed == ANY_PEGAWAI:
        if principal.has_role("pegawai", "admin_instansi", "admin_bkn"):
            return frozenset({ANY_PEGAWAI})
        raise PermissionDenied(f"not allowed to call {rpc}")
    have = relations(principal, doc["nip"], doc["instansi_id"], doc["penilai_nip"], doc["atasan_penilai_nip"],
                     doc.get("heads", frozenset()))
    granted = have & allowed
    if not granted:
        raise PermissionDenied(f"not allowed to call {rpc} on this SKP document")
    return granted


def authorize_template(rpc: str, principal, instansi_id: str, penilai_nips: frozenset[str]) -> frozenset[str]:
    """The caller's relations to a position (its agency, its penilai) that the rule of ``rpc`` allows."""
    allowed = rule(rpc)
    same_agency = bool(principal.instansi_id) and principal.instansi_id == instansi_id
    if allowed == TEMPLATE_READ:
        if principal.has_role("admin_bkn") or (same_agency and principal.has_role("pegawai", "admin_instansi")):
            return frozenset({TEMPLATE_READ})
        raise PermissionDenied(f"tidak berwenang memanggil {rpc} untuk jabatan ini")
    found = set()
    if principal.has_role("admin_instansi") and same_agency:
        found.add(ADMIN)
    if principal.nip and principal.has_role("pegawai") and same_agency and principal.nip in penilai_nips:
        found.add(POSITION_PENILAI)
    granted = frozenset(found) & allowed
    if not granted:
        raise PermissionDenied(f"{rpc} hanya untuk admin_instansi instansi jabatan ini atau pejabat penilainya")
    return granted


def authorize_instansi(rpc: str, principal, instansi_id: str) -> frozenset[str]:
    """The caller's relations to ``instansi_id`` that the rule of ``rpc`` (an InstansiRule) allows."""
    allowed = rule(rpc)
    found = set()
    if principal.has_role("admin_bkn"):
        found.add(BKN)
    same = bool(principal.instansi_id) and principal.instansi_id == instansi_id
    if same and principal.has_role("admin_instansi"):
        found.add(ADMIN)
    if same and principal.has_role("pegawai"):
        found.add(MEMBER)
    granted = frozenset(found) & allowed
    if not granted:
        raise PermissionDenied(f"tidak berwenang memanggil {rpc} untuk instansi ini")
    return granted


def may_read(principal, doc) -> bool:
    return bool(relations(principal, doc["nip"], doc["instansi_id"], doc["penilai_nip"],
                          doc["atasan_penilai_nip"], doc.get("heads", frozenset())) & READ)


def needs_heads(principal, doc) -> bool:
    """Whether the heads of ``doc`` could be what relates the caller to it (an employee with no other relation)."""
    return bool(principal.nip) and principal.nip not in (doc["nip"], doc["penilai_nip"], doc["atasan_penilai_nip"])
