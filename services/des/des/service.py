"""The des nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.des.v1 import des_pb2_grpc  # noqa: F401 - the API this service implements

from ekinerja_platform.service_base import PlatformService


class DesService(PlatformService):
    name = "des"
    grpc_services = ("ekinerja.des.v1.DesService",)
    authorization: dict = {}
