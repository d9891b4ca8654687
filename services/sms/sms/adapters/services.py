"""gRPC clients of identity, des, snowman and recap, as the bridge's API client (scope `sms:bridge`) and, for a
verified number, with identity's short-lived delegated token of that number's employee (`PhoneToken`): the
application's `Services` port. A transient status becomes `Unavailable`, any other refusal `Refused`.

The bridge is a plain threaded process (not a nameko service), so grpcio is used directly and synchronously.
"""
from __future__ import annotations

import importlib
import threading
import time

import grpc

from ..application.ports import Delegated, NotVerified, Refused, Unavailable

__all__ = ["Delegated", "NotVerified", "Refused", "Services", "Unavailable"]

SERVICES = ("identity", "des", "snowman", "recap")


def pb(service: str):
    return importlib.import_module(f"ekinerja.{service}.v1.{service}_pb2")


def _stub(service: str, channel):
    module = importlib.import_module(f"ekinerja.{service}.v1.{service}_pb2_grpc")
    return getattr(module, f"{service.capitalize()}ServiceStub")(channel)


TRANSIENT = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED,
             grpc.StatusCode.ABORTED)


def _error(name: str, exc: grpc.RpcError) -> Exception:
    if exc.code() in TRANSIENT:
        return Unavailable(f"{name}: {exc.code().name}")
    return Refused(exc.code().name, f"{name}: {exc.code().name}")


class Services:
    def __init__(self, targets: dict, client_id: str, client_secret: str, timeout: float = 10.0):
        self.timeout = timeout
        self.client_id = client_id
        self._secret = client_secret
        self.channels = {name: grpc.insecure_channel(targets[name]) for name in SERVICES}
        self.stubs = {name: _stub(name, ch) for name, ch in self.channels.items()}
        self._client_token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    # -- plumbing ------------------------------------------------------------------------------------------------
    def _call(self, service: str, method: str, request, token: str, key: str = ""):
        metadata = [("authorization", f"Bearer {token}")]
        if key:
            metadata.append(("x-idempotency-key", key))
        try:
            return getattr(self.stubs[service], method)(request, metadata=metadata, timeout=self.timeout)
        except grpc.RpcError as exc:
            raise _error(f"{service}.{method}", exc) from None

    def client_token(self) -> str:
        """The bridge's own access token (ClientToken), renewed a minute before it expires."""
        with self._lock:
            if self._client_token and self._client_token[1] - 60 > time.time():
                return self._client_token[0]
            try:
                reply = self.stubs["identity"].ClientToken(
                    pb("identity").ClientTokenRequest(client_id=self.client_id, client_secret=self._secret),
                    timeout=self.timeout)
            except grpc.RpcError as exc:
                raise _error("identity.ClientToken", exc) from None
            self._client_token = (reply.access_token, float(reply.access_expires_at or time.time() + 300))
            return reply.access_token

    # -- identity ------------------------------------------------------------------------------------------------
    def phone_token(self, phone: str) -> Delegated:
        try:
            reply = self._call("identity", "PhoneToken", pb("identity").PhoneTokenRequest(phone=phone),
                               self.client_token())
        except Refused as exc:
            if exc.code in ("NOT_FOUND", "PERMISSION_DENIED"):
                raise NotVerified() from None
            raise
        p = reply.principal
        return Delegated(reply.access_token, p.nip, p.instansi_id, tuple(p.roles))

    def verify_phone(self, phone: str, code: str) -> bool:
        try:
            reply = self._call("identity", "VerifyPhone", pb("identity").VerifyPhoneRequest(phone=phone, code=code),
                               self.client_token())
        except Refused as exc:
            if exc.code in ("INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION"):
                return False
            raise
        return bool(reply.verified)

    # -- des -----------------------------------------------------------------------------------------------------
    def submit_text(self, who: Delegated, line: str, key: str) -> str:
        reply = self._call("des", "SubmitText", pb("des").SubmitTextRequest(text=line, idempotency_key=key),
                           who.token, key)
        return reply.reply

    def _pages(self, method: str, request, who: Delegated, field: str):
        items = []
        while True:
            reply = self._call("des", method, request, who.token)
            items.extend(getattr(reply, field))
            if not reply.next_page_token:
                return items
            request.page_token = reply.next_page_token

    def plans(self, who: Delegated, bulan: str):
        return self._pages("ListPlans", pb("des").ListPlansRequest(bulan=bulan, page_size=1000), who, "plans")

    def activities(self, who: Delegated, bulan: str):
        return self._pages("ListActivities", pb("des").ListActivitiesRequest(bulan=bulan, page_size=1000), who,
                           "activities")

    def review_count(self, who: Delegated) -> int:
        return len(self._pages("ReviewQueue", pb("des").ReviewQueueRequest(page_size=1000), who, "activities"))

    def month_target(self, who: Delegated, bulan: str) -> str:
        try:
            reply = self._call("des", "GetMonthlyTargets", pb("des").GetMonthlyTargetsRequest(), who.token)
        except Refused as exc:
            if exc.code in ("NOT_FOUND", "FAILED_PRECONDITION"):
                return ""
            raise
        return str(sum(1 for t in reply.targets if t.bulan == bulan))

    # -- snowman -------------------------------------------------------------------------------------------------
    def ask(self, who: Delegated, question: str, key: str):
        return self._call("snowman", "Ask", pb("snowman").AskRequest(pertanyaan=question, limit=1), who.token, key)

    # -- recap ---------------------------------------------------------------------------------------------------
    def holidays(self, instansi_id: str, start: str, end: str) -> set[str]:
        """National and the instansi's holidays, read with the bridge's own token (scope recap:read)."""
        request = pb("recap").ListHolidaysRequest(instansi_id=instansi_id, date_from=start, date_to=end,
                                                  page_size=1000)
        reply = self._call("recap", "ListHolidays", request, self.client_token())
        return {h.tanggal for h in reply.holidays}
