"""The recap nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.recap.v1 import recap_pb2_grpc  # noqa: F401 - the API this service implements

from ekinerja_platform.service_base import PlatformService


class RecapService(PlatformService):
    name = "recap"
    grpc_services = ("ekinerja.recap.v1.RecapService",)
    authorization: dict = {}
