"""The identity nameko service: declares entrypoints and dependencies only; rules live in the domain and application."""
from __future__ import annotations

import json
import logging

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja.identity.v1 import identity_pb2_grpc
from ekinerja_platform import runtime
from ekinerja_platform.grpc_entrypoint import AUTHENTICATED, PUBLIC, grpc_for
from ekinerja_platform.service_base import PlatformService

from . import metrics
from .adapters.keys import KeyRing
from .adapters.phone_vault import vault_of
from .application import policy
from .entrypoints.auth_api import AuthApi
from .entrypoints.calls import client_of, retry_hint
from .entrypoints.import_api import import_pegawai
from .entrypoints.org_api import OrgApi
from .entrypoints.phone_api import PhoneApi
from .settings import load_identity_settings

log = logging.getLogger(__name__)
rpc = grpc_for(identity_pb2_grpc.IdentityServiceStub)


class SigningKeys(DependencyProvider):
    """Loads (or, on first start, generates) the signing keys and makes this process verify tokens with them."""

    def setup(self):
        self.settings = load_identity_settings()
        self.ring = KeyRing(self.settings.signing_key_dir, self.settings.access_ttl_seconds)
        kid, generated = self.ring.ensure_key()
        log.info("signing key %s %s", kid, "generated (the key directory was empty)" if generated else "loaded")
        metrics.SIGNING_KEY_AGE.set_function(self.ring.active_age_seconds)  # alert EkinerjaSigningKeyOld
        platform = runtime.settings()
        runtime.configure(platform, self.ring.verifier(platform.token_audience))

    def get_dependency(self, worker_ctx):
        return self


class IdentityService(PlatformService):
    name = "identity"
    grpc_services = ("ekinerja.identity.v1.IdentityService",)
    # entrypoint gate only; the finer rule (role x relation) is `application.policy.RULES`
    authorization = {name: (PUBLIC if rule == policy.PUBLIC else AUTHENTICATED) for name, rule in policy.RULES.items()}

    keys = SigningKeys()

    @classmethod
    def extra_retention_rules(cls) -> list:
        return load_identity_settings().retention_rules()

    def _auth(self, context=None) -> AuthApi:
        return AuthApi(self.db, self.keys.ring, self.keys.settings, runtime.settings().nip_hash_key, self.call,
                    client_of(self.call, context, self.keys.settings.trusted_proxies))

    def _org(self) -> OrgApi:
        return OrgApi(self.db, self.call)

    def _phones(self) -> PhoneApi:
        return PhoneApi(self.db, self.call, vault_of(self.keys.settings))

    # -- tokens --
    @rpc
    def Login(self, request, context):
        with retry_hint(context):
            return self._auth(context).login(request.user, request.password)

    @rpc
    def RefreshToken(self, request, context):
        return self._auth(context).refresh(request.refresh_token)

    @rpc
    def Logout(self, request, context):
        return self._auth(context).logout(request.refresh_token)

    @rpc
    def ClientToken(self, request, context):
        with retry_hint(context):
            return self._auth(context).client_token(request.client_id, request.client_secret)

    @rpc
    def GetPublicKeys(self, request, context):
        return self._auth(context).public_keys()

    @rpc
    def WhoAmI(self, request, context):
        return self._org().who_am_i()

    @rpc
    def RotateSigningKey(self, request, context):
        return self._auth(context).rotate_key()

    # -- accounts --
    @rpc
    def CreateAccount(self, request, context):
        return self._auth(context).create_account(request)

    @rpc
    def ChangePassword(self, request, context):
        return self._auth(context).change_password(request)

    @rpc
    def CreateApiClient(self, request, context):
        return self._auth(context).create_api_client(request)

    # -- organisation --
    @rpc
    def UpsertInstansi(self, request, context):
        return self._org().upsert_instansi(request)

    @rpc
    def ListInstansi(self, request, context):
        return self._org().list_instansi(request)

    @rpc
    def UpsertUnit(self, request, context):
        return self._org().upsert_unit(request)

    @rpc
    def UpsertJabatan(self, request, context):
        return self._org().upsert_jabatan(request)

    @rpc
    def GetOrganisation(self, request, context):
        return self._org().organisation(request)

    # -- pegawai and assignments --
    @rpc
    def RegisterPegawai(self, request, context):
        return self._org().register_pegawai(request)

    @rpc
    def GetPegawai(self, request, context):
        return self._org().get_pegawai(request)

    @rpc
    def ListPegawai(self, request, context):
        return self._org().list_pegawai(request)

    @rpc
    def SetPegawaiStatus(self, request, context):
        return self._org().set_status(request)

    @rpc
    def AssignJabatan(self, request, context):
        return self._org().assign(request)

    @rpc
    def EndAssignment(self, request, context):
        return self._org().end_assignment(request)

    @rpc
    def ListAssignments(self, request, context):
        return self._org().list_assignments(request)

    @rpc
    def GetSupervisorChain(self, request, context):
        return self._org().supervisor_chain(request)

    @rpc
    def ImportPegawai(self, request, context):
        return import_pegawai(self.db, self.call, request)

    # -- phone numbers (SMS) --
    @rpc
    def RegisterPhone(self, request, context):
        return self._phones().register(request)

    @rpc
    def VerifyPhone(self, request, context):
        return self._phones().verify(request)

    @rpc
    def PhoneToken(self, request, context):
        return self._auth(context).phone_token(request)

    @rpc
    def GetPhone(self, request, context):
        return self._phones().get()

    @rpc
    def RemovePhone(self, request, context):
        return self._phones().remove()

    # -- HTTP --
    @http("GET", "/.well-known/jwks.json")
    def jwks(self, request):
        return Response(json.dumps(self.keys.ring.jwks()), content_type="application/json",
                        headers={"Cache-Control": "max-age=30"})


__all__ = ["IdentityService", "pb"]
