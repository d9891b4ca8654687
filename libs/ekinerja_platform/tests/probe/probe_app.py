"""A test-only service (and a downstream nameko RPC service) used by the platform's integration tests."""
import eventlet
import probe_events  # noqa: F401  (registers the payload of `probe_happened`)
import sqlalchemy as sa
from example_app import EXAMPLE_RULES, ExampleMethods
from nameko.extensions import DependencyProvider
from nameko.rpc import ServiceRpc, rpc

from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
from ekinerja_platform import request_limits
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.events import apply_once, subscribe
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, PUBLIC, grpc_for
from ekinerja_platform.outbox import Event, record_event
from ekinerja_platform.pending import PendingAnswer
from ekinerja_platform.service_base import PlatformService

grpc = grpc_for(probe_pb2_grpc.ProbeServiceStub)
# Echo carries large texts for the transport's flow-control tests; a 1 MiB text is still refused (request limits)
request_limits.MAX_LENGTH["ekinerja.probe.v1.EchoRequest.text"] = 512 * 1024
applied = sa.Table("applied", sa.MetaData(), sa.Column("text", sa.Text))


class ProbeService(ExampleMethods, PlatformService):
    name = "probe"
    grpc_services = ("ekinerja.probe.v1.ProbeService", "ekinerja.probe.v1.ExampleService")
    authorization = {"Echo": AUTHENTICATED, "Sleep": AUTHENTICATED, "Fail": AUTHENTICATED,
                     "Reject": AUTHENTICATED, "WhoAmI": AUTHENTICATED, "Emit": AUTHENTICATED,
                     "Applied": AUTHENTICATED, "Open": PUBLIC, "Big": AUTHENTICATED,
                     "Later": AUTHENTICATED, "Collect": AUTHENTICATED, **EXAMPLE_RULES}
    downstream = ServiceRpc("probe_downstream")

    @grpc
    def Echo(self, request, context):
        return probe_pb2.EchoResponse(text=request.text)

    @grpc
    def Open(self, request, context):
        return probe_pb2.EchoResponse(text="open")

    @grpc
    def Big(self, request, context):
        return probe_pb2.EchoResponse(text="z" * request.size)

    @grpc
    def Sleep(self, request, context):
        eventlet.sleep(request.seconds)
        return probe_pb2.EchoResponse(text="slept")

    @grpc
    def Later(self, request, context):
        """Answered `seconds` after its worker ended (a PendingAnswer settled by a hub timer); a negative
        `seconds` fails it with INVALID_ARGUMENT."""
        answer = PendingAnswer()

        def settle():
            if request.seconds < 0:
                answer.fail(InvalidArgument("must not be negative", field="seconds"))
            else:
                answer.resolve(probe_pb2.EchoResponse(text="later"))
        eventlet.spawn_after(max(0.0, request.seconds), settle)
        return answer

    @grpc
    def Collect(self, request_iterator, context):
        """Client-streaming like the imports: answers with the texts joined once the client ends its stream."""
        return probe_pb2.EchoResponse(text=",".join(request.text for request in request_iterator))

    @grpc
    def Fail(self, request, context):
        raise RuntimeError("secret internal detail: password=hunter2")

    @grpc
    def Reject(self, request, context):
        raise InvalidArgument("must not be empty", field="text")

    @grpc
    def WhoAmI(self, request, context):
        principal = self.call.require_principal()
        seen = self.downstream.context()
        return probe_pb2.WhoAmIResponse(
            subject=principal.subject, roles=list(principal.roles),
            context_keys=sorted(self.call.__dict__), downstream_context_keys=sorted(seen["keys"]),
            downstream_user_id=str(seen.get("user_id")))

    @grpc
    def Emit(self, request, context):
        with self.db.transaction() as session:
            record_event(session, Event("probe_happened", "probe", {"text": request.text}))
            if request.text == "rollback":
                raise InvalidArgument("rolled back on purpose", field="text")
        return probe_pb2.EchoResponse(text="emitted")

    @grpc
    def Applied(self, request, context):
        with self.db.transaction() as session:
            texts = [row.text for row in session.execute(sa.select(applied.c.text))]
            unsent = session.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
        return probe_pb2.AppliedResponse(texts=texts, outbox_unsent=unsent)

    @subscribe("probe", "probe_happened")
    def on_probe(self, envelope):
        if envelope["data"]["text"].startswith("poison"):
            raise ValueError("poison on purpose")  # a handler error that no retry can fix
        return apply_once(self.db, "probe", envelope,
                          lambda session, env: session.execute(applied.insert().values(text=env["data"]["text"])))


class AllContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.context_data)


class DownstreamService:
    """Reports the nameko context data it receives, to prove forged metadata never travels downstream."""

    name = "probe_downstream"

    context_data = AllContextData()

    @rpc
    def context(self):
        return {"keys": list(self.context_data), "user_id": self.context_data.get("user_id")}
