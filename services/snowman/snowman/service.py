"""The snowman nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.snowman.v1 import snowman_pb2_grpc  # noqa: F401 - the API this service implements

from ekinerja_platform.service_base import PlatformService


class SnowmanService(PlatformService):
    name = "snowman"
    grpc_services = ("ekinerja.snowman.v1.SnowmanService",)
    authorization: dict = {}
