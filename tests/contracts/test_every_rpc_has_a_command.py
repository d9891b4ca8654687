"""Every RPC of every service's proto has a CLI command (issue 16.5), so a new RPC cannot be forgotten.

The table maps each RPC to the `ekinerja` command that calls it. The test fails when a proto gains an RPC the table
does not name, when the table names an RPC that no longer exists, when a command in the table does not exist, and
when the command's code never mentions its RPC (a command mapped by mistake)."""
from __future__ import annotations

import importlib
import inspect

import pytest

pytestmark = pytest.mark.unit

SERVICES = {  # proto package module -> service name
    "ekinerja.identity.v1.identity_pb2": "IdentityService",
    "ekinerja.skp.v1.skp_pb2": "SkpService",
    "ekinerja.des.v1.des_pb2": "DesService",
    "ekinerja.recap.v1.recap_pb2": "RecapService",
    "ekinerja.snowman.v1.snowman_pb2": "SnowmanService",
}

# "Service.Rpc" -> the command that calls it. An RPC a command calls through a helper (not in its own body) names
# that helper after a "|": "command|module.function".
COMMANDS = {
    # identity
    "IdentityService.Login": "login",
    "IdentityService.RefreshToken": "token|ekinerja_cli.commands.auth.refresh",  # automatic before expiry
    "IdentityService.Logout": "logout",
    "IdentityService.ClientToken": "login-client",
    "IdentityService.GetPublicKeys": "keys list",
    "IdentityService.WhoAmI": "whoami",
    "IdentityService.RotateSigningKey": "keys rotate",
    "IdentityService.CreateAccount": "admin create-account",
    "IdentityService.ChangePassword": "password",
    "IdentityService.CreateApiClient": "admin api-client",
    "IdentityService.UpsertInstansi": "admin instansi set",
    "IdentityService.ListInstansi": "admin instansi list",
    "IdentityService.UpsertUnit": "admin unit",
    "IdentityService.UpsertJabatan": "admin jabatan",
    "IdentityService.GetOrganisation": "org show",
    "IdentityService.RegisterPegawai": "admin pegawai add",
    "IdentityService.GetPegawai": "admin pegawai show",
    "IdentityService.ListPegawai": "admin pegawai list",
    "IdentityService.SetPegawaiStatus": "admin pegawai status",
    "IdentityService.AssignJabatan": "admin assign",
    "IdentityService.EndAssignment": "admin end-assignment",
    "IdentityService.ListAssignments": "admin assignments",
    "IdentityService.GetSupervisorChain": "org chain",
    "IdentityService.ImportPegawai": "admin import-pegawai",
    "IdentityService.RegisterPhone": "telepon daftar",
    "IdentityService.GetPhone": "telepon lihat",
    "IdentityService.RemovePhone": "telepon hapus",
    # the SMS bridge's calls (scope sms:bridge), for an operator checking a bridge client after `login-client`
    "IdentityService.VerifyPhone": "telepon verifikasi",
    "IdentityService.PhoneToken": "telepon token",
    # skp
    "SkpService.GetTemplate": "skp template show",
    "SkpService.ListTemplateVersions": "skp template versions",
    "SkpService.CopyCatalogueToTemplate": "skp template copy-catalogue",
    "SkpService.UpdateTemplate": "skp template update",
    "SkpService.AdoptSkpAsTemplate": "skp jadikan-template",
    "SkpService.ListCatalogues": "skp template list",
    "SkpService.GetCatalogue": "skp template show",
    "SkpService.ListSkp": "skp list",
    "SkpService.GetSkp": "skp show",
    "SkpService.UpdateTargets": "skp targets",  # --alasan: a revision of an approved SKP, audited
    "SkpService.SubmitSkp": "skp submit",
    "SkpService.ApproveSkp": "skp approve",
    "SkpService.ReturnSkp": "skp return",
    "SkpService.EscalateSkp": "skp escalate",
    "SkpService.SetRealisasi": "skp realisasi",
    "SkpService.AddTugasTambahan": "skp tugas-tambahan",
    "SkpService.SetKreativitas": "skp kreativitas",
    "SkpService.SetPerilaku": "skp perilaku set",
    "SkpService.ScoreSkp": "skp result",
    "SkpService.IssueResult": "skp result",
    "SkpService.AcceptResult": "skp result",
    "SkpService.FileKeberatan": "skp keberatan",
    "SkpService.DecideKeberatan": "skp keberatan",
    "SkpService.ExportSkp": "skp export",
    "SkpService.ListAudit": "skp audit",
    "SkpService.GetRencanaKinerja": "skp rhk lihat",
    "SkpService.ListRhkAtasan": "skp rhk atasan",
    "SkpService.UpdateRencanaKinerja": "skp rhk ubah",
    "SkpService.SetEkspektasiPerilaku": "skp rhk ekspektasi",
    "SkpService.SubmitRencanaKinerja": "skp rhk ajukan",
    "SkpService.ApproveRencanaKinerja": "skp rhk setujui",
    "SkpService.ReturnRencanaKinerja": "skp rhk kembalikan",
    "SkpService.SetRealisasiIki": "skp evaluasi realisasi",
    "SkpService.AddUmpanBalik": "skp evaluasi umpan-balik",
    "SkpService.RateEvaluasi": "skp evaluasi nilai",
    "SkpService.ListEvaluasi": "skp evaluasi lihat",
    "SkpService.ExportEvaluasi": "skp evaluasi unduh",
    "SkpService.GetRulesetSetting": "skp aturan lihat",
    "SkpService.SetRulesetSetting": "skp aturan atur",
    "SkpService.GetPredikatOrganisasi": "skp predikat-organisasi lihat",
    "SkpService.SetPredikatOrganisasi": "skp predikat-organisasi atur",
    "SkpService.CheckDistribution": "skp sebaran",
    "SkpService.FinaliseDistribution": "skp finalkan",
    "SkpService.GetSiasnExport": "skp evaluasi siasn",
    "SkpService.UpdateTemplateRhk": "skp template rhk",
    # des
    "DesService.GetMonthlyTargets": "des targets show",
    "DesService.SetMonthlyTargets": "des targets set",
    "DesService.SubmitPlan": "des plan add",
    "DesService.ListPlans": "des plan list",
    "DesService.SubmitActivity": "des report add",
    "DesService.UpdateActivity": "des report edit",
    "DesService.SendActivity": "des report submit",
    "DesService.GetActivity": "des report show",
    "DesService.ListActivities": "des report list",
    "DesService.GetDay": "des day",
    "DesService.GetEvidence": "des report evidence",
    "DesService.ReviewQueue": "des review queue",
    "DesService.ApproveActivities": "des review approve",
    "DesService.ApproveDay": "des review approve-day",
    "DesService.RequestRevision": "des review revise",
    "DesService.SetMonthlyQuality": "des quality set",
    "DesService.LockPeriod": "des review lock",
    "DesService.UnlockPeriod": "des review unlock",
    "DesService.ListLocks": "des review locks",
    "DesService.GetAuditTrail": "des audit",
    "DesService.SetEntryWindow": "des window set",
    "DesService.SubmitText": "lapor",
    "DesService.ImportActivities": "des import",
    # recap
    "RecapService.GetEmployeeRecap": "recap me",
    "RecapService.GetUnitRecap": "recap unit",
    "RecapService.GetInstansiRecap": "recap instansi",
    "RecapService.ListNoncompliance": "recap noncompliance",
    "RecapService.GetRecommendations": "recap advice",
    "RecapService.ExportRecap": "recap export",
    "RecapService.RenderChart": "recap chart",
    "RecapService.CloseMonth": "recap close",
    "RecapService.SetHoliday": "recap holiday",
    "RecapService.ListHolidays": "recap holiday",
    "RecapService.GetUnitPredikatSpread": "recap sebaran",
    # snowman
    "SnowmanService.Ask": "ask",
    "SnowmanService.Vote": "kb vote",
    "SnowmanService.GetEntry": "kb show",
    "SnowmanService.ListEntries": "kb list",
    "SnowmanService.EditEntry": "kb edit",
    "SnowmanService.PublishEntry": "kb publish",
    "SnowmanService.ListOpenQuestions": "kb open",
    "SnowmanService.AnswerQuestion": "kb answer",
    "SnowmanService.MarkDuplicate": "kb duplicate",
}


def proto_rpcs() -> set[str]:
    found = set()
    for module, service in SERVICES.items():
        descriptor = importlib.import_module(module).DESCRIPTOR.services_by_name[service]
        found |= {f"{service}.{name}" for name in descriptor.methods_by_name}
    return found


def command(path: str):
    from ekinerja_cli.main import cli
    current = cli
    for word in path.split():
        commands = getattr(current, "commands", {})
        assert word in commands, f"`ekinerja {path}`: no command {word!r}"
        current = commands[word]
    return current


def test_the_table_names_exactly_the_rpcs_of_the_protos():
    rpcs = proto_rpcs()
    assert not rpcs - COMMANDS.keys(), f"RPCs without a CLI command: {sorted(rpcs - COMMANDS.keys())}"
    assert not COMMANDS.keys() - rpcs, f"the table names RPCs that no proto has: {sorted(COMMANDS.keys() - rpcs)}"


@pytest.mark.parametrize("rpc", sorted(COMMANDS))
def test_the_command_exists_and_calls_its_rpc(rpc):
    path, _, helper = COMMANDS[rpc].partition("|")
    source = inspect.getsource(command(path).callback)
    if helper:
        module, _, function = helper.rpartition(".")
        source = inspect.getsource(getattr(importlib.import_module(module), function))
    name = rpc.split(".")[1]
    assert f'"{name}"' in source or f".{name}(" in source, f"`ekinerja {path}` never calls {name}"
