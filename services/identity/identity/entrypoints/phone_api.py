"""Maps the phone RPCs (RegisterPhone, VerifyPhone, GetPhone, RemovePhone) to `application.phone` and back; each
call is one unit of work (`adapters.unit_of_work.SqlIdentityUnitOfWork`), the writes idempotent per key."""
from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.idempotency import run_once_in

from ..adapters.unit_of_work import SqlIdentityUnitOfWork
from ..application import phone


def _timestamp(value) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


class PhoneApi:
    def __init__(self, db, call, vault):
        self.db, self.call, self.vault = db, call, vault

    def register(self, request: pb.RegisterPhoneRequest) -> pb.RegisterPhoneResponse:
        principal = self.call.require_principal()

        def work(uow):
            done = phone.register_phone(uow, principal, request.phone, self.vault, now=clock.now(),
                                        correlation_id=self.call.correlation_id)
            return pb.RegisterPhoneResponse(phone_masked=done.phone_masked, expires_at=_timestamp(done.expires_at))
        return run_once_in(SqlIdentityUnitOfWork(self.db), self.call, "identity.RegisterPhone", request,
                           pb.RegisterPhoneResponse, work)

    def verify(self, request: pb.VerifyPhoneRequest) -> pb.VerifyPhoneResponse:
        principal = self.call.require_principal()

        def work(uow):
            return pb.VerifyPhoneResponse(verified=phone.verify_phone(
                uow, principal, request.phone, request.code, self.vault, now=clock.now(),
                correlation_id=self.call.correlation_id))
        return run_once_in(SqlIdentityUnitOfWork(self.db), self.call, "identity.VerifyPhone", request,
                           pb.VerifyPhoneResponse, work)

    def get(self) -> pb.PhoneStatus:
        principal = self.call.require_principal()
        with SqlIdentityUnitOfWork(self.db) as uow:
            status = phone.phone_status(uow, principal, self.vault, now=clock.now())
        return pb.PhoneStatus(phone_masked=status.phone_masked, verified=status.verified)

    def remove(self) -> pb.RemovePhoneResponse:
        principal = self.call.require_principal()
        with SqlIdentityUnitOfWork(self.db) as uow:
            phone.remove_phone(uow, principal, correlation_id=self.call.correlation_id)
        return pb.RemovePhoneResponse()
