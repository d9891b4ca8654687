"""The skp nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.skp.v1 import skp_pb2_grpc  # noqa: F401 - the API this service implements

from ekinerja_platform.service_base import PlatformService


class SkpService(PlatformService):
    name = "skp"
    grpc_services = ("ekinerja.skp.v1.SkpService",)
    authorization: dict = {}
