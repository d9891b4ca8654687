"""The snowman nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.snowman.v1 import snowman_pb2_grpc
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, grpc_for
from ekinerja_platform.service_base import PlatformService

from .application.config import default_ruleset
from .application.policy import RULES
from .entrypoints import grpc_api as api

rpc = grpc_for(snowman_pb2_grpc.SnowmanServiceStub)
default_ruleset()  # a bad EKINERJA_SNOWMAN_DEFAULT_RULESET stops the service at start, not at the first Ask


class SnowmanService(PlatformService):
    name = "snowman"
    grpc_services = ("ekinerja.snowman.v1.SnowmanService",)
    # every RPC needs a verified token; the finer rule (role x job group) is application.policy.RULES
    authorization = {name: AUTHENTICATED for name in RULES}

    @rpc
    def Ask(self, request, context):
        return api.ask(self.db, self.call, request)

    @rpc
    def Vote(self, request, context):
        return api.vote(self.db, self.call, request)

    @rpc
    def GetEntry(self, request, context):
        return api.get_entry(self.db, self.call, request)

    @rpc
    def ListEntries(self, request, context):
        return api.list_entries(self.db, self.call, request)

    @rpc
    def EditEntry(self, request, context):
        return api.edit_entry(self.db, self.call, request)

    @rpc
    def PublishEntry(self, request, context):
        return api.publish_entry(self.db, self.call, request)

    @rpc
    def ListOpenQuestions(self, request, context):
        return api.list_open_questions(self.db, self.call, request)

    @rpc
    def AnswerQuestion(self, request, context):
        return api.answer_question(self.db, self.call, request)

    @rpc
    def MarkDuplicate(self, request, context):
        return api.mark_duplicate(self.db, self.call, request)
