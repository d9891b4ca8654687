"""The des nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.des.v1 import des_pb2_grpc
from ekinerja_platform.events import apply_once, subscribe
from ekinerja_platform.gauges import GaugeRefresher
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, grpc_for
from ekinerja_platform.service_base import PlatformService

from . import metrics
from .adapters.direct import DirectDatabase
from .adapters.unit_of_work import in_session
from .application import consumers
from .application.config import config
from .application.policy import RULES
from .entrypoints import grpc_api as api

rpc = grpc_for(des_pb2_grpc.DesServiceStub)
config()  # a bad EKINERJA_DES_* stops the service at start (naming it), not at the first request


def _on_unit(consumer):
    """`consumer(uow, envelope)` as `apply_once` calls it: des's unit of work over the inbox's transaction."""
    return lambda session, envelope: consumer(in_session(session), envelope)


class DesService(PlatformService):
    name = "des"
    grpc_services = ("ekinerja.des.v1.DesService",)
    # every RPC needs a verified token; the finer role × relation rule is application/policy.py
    authorization = {name: AUTHENTICATED for name in RULES}
    direct = DirectDatabase()  # autocommit connections for the hot paths: SubmitActivity, GetDay
    # ekinerja_des_review_backlog, from one query over a partial index, every 60 s by default
    review_backlog = GaugeRefresher(metrics.REVIEW_BACKLOG, metrics.review_backlog, metrics.BACKLOG_INTERVAL_ENV, 60)


    @rpc
    def GetMonthlyTargets(self, request, context):
        return api.get_monthly_targets(self.db, self.call, request)

    @rpc
    def SetMonthlyTargets(self, request, context):
        return api.set_monthly_targets(self.db, self.call, request)

    @rpc
    def SubmitPlan(self, request, context):
        return api.submit_plan(self.db, self.call, request)

    @rpc
    def ListPlans(self, request, context):
        return api.list_plans(self.db, self.call, request)

    @rpc
    def SubmitActivity(self, request, context):
        return api.submit_activity(self.direct, self.call, request)

    @rpc
    def UpdateActivity(self, request, context):
        return api.update_activity(self.db, self.call, request)

    @rpc
    def SendActivity(self, request, context):
        return api.send_activity(self.db, self.call, request)

    @rpc
    def GetActivity(self, request, context):
        return api.get_activity(self.db, self.call, request)

    @rpc
    def ListActivities(self, request, context):
        return api.list_activities(self.db, self.call, request)

    @rpc
    def GetDay(self, request, context):
        return api.get_day(self.direct, self.call, request)

    @rpc
    def GetEvidence(self, request, context):
        return api.get_evidence(self.db, self.call, request)

    @rpc
    def ReviewQueue(self, request, context):
        return api.review_queue(self.db, self.call, request)

    @rpc
    def ApproveActivities(self, request, context):
        return api.approve_activities(self.db, self.call, request)

    @rpc
    def ApproveDay(self, request, context):
        return api.approve_day(self.db, self.call, request)

    @rpc
    def RequestRevision(self, request, context):
        return api.request_revision(self.db, self.call, request)

    @rpc
    def SetMonthlyQuality(self, request, context):
        return api.set_monthly_quality(self.db, self.call, request)

    @rpc
    def LockPeriod(self, request, context):
        return api.lock_period(self.db, self.call, request)

    @rpc
    def UnlockPeriod(self, request, context):
        return api.unlock_period(self.db, self.call, request)

    @rpc
    def ListLocks(self, request, context):
        return api.list_locks(self.db, self.call, request)

    @rpc
    def GetAuditTrail(self, request, context):
        return api.audit_trail(self.db, self.call, request)

    @rpc
    def SetEntryWindow(self, request, context):
        return api.set_entry_window(self.db, self.call, request)

    @rpc
    def SubmitText(self, request, context):
        return api.submit_text(self.db, self.call, request)

    @rpc
    def ImportActivities(self, request_iterator, context):
        return api.import_activities(self.db, self.call, request_iterator)

    # -- events from skp and identity (applied once through the inbox) ------------------------------------------
    @subscribe("skp", "skp_approved")
    def on_skp_approved(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.skp_approved))

    @subscribe("skp", "rencana_kinerja_approved")
    def on_rencana_kinerja_approved(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.rencana_kinerja_approved))

    @subscribe("skp", "skp_closed")
    def on_skp_closed(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.skp_closed))

    @subscribe("identity", "employee_registered")
    def on_employee_registered(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.employee_registered))

    @subscribe("identity", "employee_status_changed")
    def on_employee_status_changed(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.employee_status_changed))

    @subscribe("identity", "assignment_changed")
    def on_assignment_changed(self, envelope):
        return apply_once(self.db, "des", envelope, _on_unit(consumers.assignment_changed))
