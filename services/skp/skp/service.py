"""The skp nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""

from nameko.timer import timer

from ekinerja.skp.v1 import skp_pb2_grpc
from ekinerja_platform import clock
from ekinerja_platform.events import apply_once, subscribe
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, grpc_for
from ekinerja_platform.service_base import PlatformService

from .adapters.unit_of_work import in_session, on_unit
from .application import consumers, handlers, policy
from .entrypoints import events
from .entrypoints import grpc_api as api
from .entrypoints import grpc_api_622 as api_622

rpc = grpc_for(skp_pb2_grpc.SkpServiceStub)


class SkpService(PlatformService):
    name = "skp"
    grpc_services = ("ekinerja.skp.v1.SkpService",)
    # Every RPC needs a verified caller; the rule per document relation is in application/policy.py.
    authorization = {name: AUTHENTICATED for name in policy.RULES}

    @rpc
    def GetTemplate(self, request, context):
        return api.get_template(self.db, self.call, request)

    @rpc
    def ListTemplateVersions(self, request, context):
        return api.list_template_versions(self.db, self.call, request)

    @rpc
    def CopyCatalogueToTemplate(self, request, context):
        return api.copy_catalogue_to_template(self.db, self.call, request)

    @rpc
    def UpdateTemplate(self, request, context):
        return api.update_template(self.db, self.call, request)

    @rpc
    def UpdateTemplateRhk(self, request, context):
        return api.update_template_rhk(self.db, self.call, request)

    @rpc
    def AdoptSkpAsTemplate(self, request, context):
        return api.adopt_skp_as_template(self.db, self.call, request)

    @rpc
    def ListCatalogues(self, request, context):
        return api.list_catalogues(self.db, self.call, request)

    @rpc
    def GetCatalogue(self, request, context):
        return api.get_catalogue(self.db, self.call, request)

    @rpc
    def ListSkp(self, request, context):
        return api.list_skp(self.db, self.call, request)

    @rpc
    def GetSkp(self, request, context):
        return api.get_skp(self.db, self.call, request)

    @rpc
    def UpdateTargets(self, request, context):
        return api.update_targets(self.db, self.call, request)

    @rpc
    def SubmitSkp(self, request, context):
        return api.submit_skp(self.db, self.call, request)

    @rpc
    def ApproveSkp(self, request, context):
        return api.approve_skp(self.db, self.call, request)

    @rpc
    def ReturnSkp(self, request, context):
        return api.return_skp(self.db, self.call, request)

    @rpc
    def EscalateSkp(self, request, context):
        return api.escalate_skp(self.db, self.call, request)

    @rpc
    def SetRealisasi(self, request, context):
        return api.set_realisasi(self.db, self.call, request)

    @rpc
    def AddTugasTambahan(self, request, context):
        return api.add_tugas_tambahan(self.db, self.call, request)

    @rpc
    def SetKreativitas(self, request, context):
        return api.set_kreativitas(self.db, self.call, request)

    @rpc
    def SetPerilaku(self, request, context):
        return api.set_perilaku(self.db, self.call, request)

    @rpc
    def ScoreSkp(self, request, context):
        return api.score_skp(self.db, self.call, request)

    @rpc
    def IssueResult(self, request, context):
        return api.issue_result(self.db, self.call, request)

    @rpc
    def AcceptResult(self, request, context):
        return api.accept_result(self.db, self.call, request)

    @rpc
    def FileKeberatan(self, request, context):
        return api.file_keberatan(self.db, self.call, request)

    @rpc
    def DecideKeberatan(self, request, context):
        return api.decide_keberatan(self.db, self.call, request)

    @rpc
    def ExportSkp(self, request, context):
        return api.export_skp(self.db, self.call, request)

    @rpc
    def ListAudit(self, request, context):
        return api.list_audit(self.db, self.call, request)

    @rpc
    def GetRulesetSetting(self, request, context):
        return api.get_ruleset_setting(self.db, self.call, request)

    @rpc
    def SetRulesetSetting(self, request, context):
        return api.set_ruleset_setting(self.db, self.call, request)

    @rpc
    def SetSiklusEvaluasi(self, request, context):
        return api.set_siklus_evaluasi(self.db, self.call, request)

    @rpc
    def GetPredikatOrganisasi(self, request, context):
        return api.get_predikat_organisasi(self.db, self.call, request)

    @rpc
    def SetPredikatOrganisasi(self, request, context):
        return api.set_predikat_organisasi(self.db, self.call, request)

    @rpc
    def CheckDistribution(self, request, context):
        return api.check_distribution(self.db, self.call, request)

    @rpc
    def FinaliseDistribution(self, request, context):
        return api.finalise_distribution(self.db, self.call, request)

    # -- PermenPANRB 6/2022: the plan and the periodic evaluation (api_622.py) --------------------------------------
    @rpc
    def GetRencanaKinerja(self, request, context):
        return api_622.get_rencana_kinerja(self.db, self.call, request)

    @rpc
    def ListRhkAtasan(self, request, context):
        return api_622.list_rhk_atasan(self.db, self.call, request)

    @rpc
    def UpdateRencanaKinerja(self, request, context):
        return api_622.update_rencana_kinerja(self.db, self.call, request)

    @rpc
    def SetEkspektasiPerilaku(self, request, context):
        return api_622.set_ekspektasi_perilaku(self.db, self.call, request)

    @rpc
    def SubmitRencanaKinerja(self, request, context):
        return api_622.submit_rencana_kinerja(self.db, self.call, request)

    @rpc
    def ApproveRencanaKinerja(self, request, context):
        return api_622.approve_rencana_kinerja(self.db, self.call, request)

    @rpc
    def ReturnRencanaKinerja(self, request, context):
        return api_622.return_rencana_kinerja(self.db, self.call, request)

    @rpc
    def SetRealisasiIki(self, request, context):
        return api_622.set_realisasi_iki(self.db, self.call, request)

    @rpc
    def AddUmpanBalik(self, request, context):
        return api_622.add_umpan_balik(self.db, self.call, request)

    @rpc
    def RateEvaluasi(self, request, context):
        return api_622.rate_evaluasi(self.db, self.call, request)

    @rpc
    def ListEvaluasi(self, request, context):
        return api_622.list_evaluasi(self.db, self.call, request)

    @rpc
    def ExportEvaluasi(self, request, context):
        return api_622.export_evaluasi(self.db, self.call, request)

    @rpc
    def GetSiasnExport(self, request, context):
        return api_622.get_siasn_export(self.db, self.call, request)

    # -- events in ------------------------------------------------------------------------------------------------
    @subscribe("identity", "position_changed")
    def on_position_changed(self, envelope):
        return apply_once(self.db, "skp", envelope, on_unit(consumers.position_changed))

    @subscribe("identity", "employee_registered")
    def on_employee_registered(self, envelope):
        return apply_once(self.db, "skp", envelope, on_unit(consumers.employee_registered))

    @subscribe("identity", "assignment_changed")
    def on_assignment_changed(self, envelope):
        return apply_once(self.db, "skp", envelope, on_unit(consumers.assignment_changed))

    @subscribe("des", "activity_reviewed")
    def on_activity_reviewed(self, envelope):
        return events.activity_reviewed_once(self.db, "skp", envelope)  # inbox claim + upsert, one statement

    @subscribe("des", "monthly_quality_set")
    def on_monthly_quality_set(self, envelope):
        return apply_once(self.db, "skp", envelope, on_unit(consumers.monthly_quality_set))

    # -- timers ---------------------------------------------------------------------------------------------------
    @timer(interval=300)
    def close_expired_results(self):
        """Results nobody objected to become final after 14 days."""
        while True:
            with self.db.transaction() as session:
                if handlers.close_expired_results(in_session(session), clock.today()) < handlers.EXPIRY_BATCH:
                    return

    @timer(interval=600, eager=True)
    def roll_over_year(self):
        """Continuing assignments get their document for the current year (idempotent, replica-safe); also catches
        up assignments that arrive from an earlier year (a bulk import), within ten minutes."""
        while True:
            with self.db.transaction() as session:
                if consumers.rollover_year(in_session(session), clock.today()) < consumers.ROLLOVER_BATCH:
                    return
