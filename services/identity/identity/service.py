"""The identity nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from ekinerja.identity.v1 import identity_pb2_grpc  # noqa: F401 - the API this service implements

from ekinerja_platform.service_base import PlatformService


class IdentityService(PlatformService):
    name = "identity"
    grpc_services = ("ekinerja.identity.v1.IdentityService",)
    authorization: dict = {}
