"""The recap nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.recap.v1 import recap_pb2_grpc
from ekinerja_platform.events import apply_once, subscribe, subscribe_partitions
from ekinerja_platform.gauges import GaugeRefresher
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, grpc_for
from ekinerja_platform.service_base import PlatformService
from recap import metrics
from recap.adapters.intake import IntakeEngine
from recap.application import policy
from recap.entrypoints import consumers
from recap.entrypoints import grpc_api as api

rpc = grpc_for(recap_pb2_grpc.RecapServiceStub)


def _consumer(producer: str, event_type: str):
    """A separate handler function per event (nameko attaches entrypoints to the function object)."""
    def handle(self, envelope):
        return apply_once(self.db, "recap", envelope, consumers.on_event)
    handle.__name__ = f"on_{event_type}"
    return subscribe(producer, event_type)(handle)


# des's events applied per partition in one transaction, up to this many (recap.application.events.apply_des_batch)
BATCH = 100


class RecapService(PlatformService):
    name = "recap"
    grpc_services = ("ekinerja.recap.v1.RecapService",)
    # every RPC is authenticated here; what each caller may see is decided in recap.application.policy
    authorization = {name: AUTHENTICATED for name in policy.RULES}
    intake = IntakeEngine()
    # ekinerja_recap_noncompliant, from one query over the assignments, every 300 s by default
    noncompliant = GaugeRefresher(metrics.NONCOMPLIANT, metrics.noncompliant, metrics.INTERVAL_ENV, 300)

    @rpc
    def GetEmployeeRecap(self, request, context):
        return api.get_employee_recap(self.db, self.call, request)

    @rpc
    def GetUnitRecap(self, request, context):
        return api.get_unit_recap(self.db, self.call, request)

    @rpc
    def GetInstansiRecap(self, request, context):
        return api.get_instansi_recap(self.db, self.call, request)

    @rpc
    def ListNoncompliance(self, request, context):
        return api.list_noncompliance(self.db, self.call, request)

    @rpc
    def GetRecommendations(self, request, context):
        return api.get_recommendations(self.db, self.call, request)

    @rpc
    def ExportRecap(self, request, context):
        return api.export_recap(self.db, self.call, request)

    @rpc
    def RenderChart(self, request, context):
        return api.render_chart(self.db, self.call, request)

    @rpc
    def CloseMonth(self, request, context):
        return api.close_month(self.db, self.call, request)

    @rpc
    def SetHoliday(self, request, context):
        return api.set_holiday(self.db, self.call, request)

    @rpc
    def ListHolidays(self, request, context):
        return api.list_holidays(self.db, self.call, request)

    @rpc
    def GetUnitPredikatSpread(self, request, context):
        return api.get_unit_predikat_spread(self.db, self.call, request)

    # -- events (docs/events.md); every envelope also goes to recap's event log for `python -m recap rebuild` --
    # PermenPANRB 6/2022: the approved plan's IKI (named kegiatan) and the rated periods
    on_rencana_kinerja_approved = _consumer("skp", "rencana_kinerja_approved")
    on_evaluasi_rated = _consumer("skp", "evaluasi_rated")
    on_employee_registered = _consumer("identity", "employee_registered")
    on_employee_status_changed = _consumer("identity", "employee_status_changed")
    on_position_changed = _consumer("identity", "position_changed")
    on_assignment_changed = _consumer("identity", "assignment_changed")
    on_skp_approved = _consumer("skp", "skp_approved")
    on_skp_scored = _consumer("skp", "skp_scored")
    on_skp_closed = _consumer("skp", "skp_closed")

    @subscribe_partitions("des", batch=BATCH)
    def on_des_event(self, envelopes):
        """Every des event, from des's partition queues (docs/scale.md): one employee's events in order, the
        partitions shared by the recap processes (one active consumer each, moved by the broker), the events that
        arrived together on a partition applied in one transaction."""
        return consumers.apply_des_batch(self.intake, envelopes)
