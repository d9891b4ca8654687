"""A submit load for the fault suite and the checks that every acknowledged submit landed exactly once.

Clients behave as the apps must: a failed or unanswered call is retried with the SAME idempotency key until it is
acknowledged (a retry after a lost answer gets the first answer, not a second entry), so after any fault the set of
acknowledged submits is the truth both des and recap must hold — each once.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import grpc

from .stack import Testbed

# answers after which a client retries with the same key (anything else is a bug the load reports)
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN,
             grpc.StatusCode.ABORTED}
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.min_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 500)]


@dataclass
class SubmitLoad:
    """`total` des `SubmitActivity` calls from `threads` clients over `employees` [(nip, kegiatan_id)]."""

    testbed: Testbed
    employees: list[tuple[str, str]]
    total: int = 2000
    threads: int = 8
    call_timeout: float = 10.0
    give_up_after: float = 240.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    acked: dict[str, str] = field(default_factory=dict)          # idempotency key -> activity id
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)           # status code name -> answers (retried ones too)
    unexpected: list[str] = field(default_factory=list)
    attempts: int = 0

    def __post_init__(self):
        self._next = 0
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.started = self.finished = 0.0

    # running ---------------------------------------------------------------------------------------------------------
    def start(self) -> "SubmitLoad":
        from ekinerja.des.v1 import des_pb2, des_pb2_grpc
        self._pb, self._grpc = des_pb2, des_pb2_grpc
        self.started = time.monotonic()
        self._workers = [threading.Thread(target=self._work, daemon=True, name=f"load-{i}")
                         for i in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= self.total:
                return None
            self._next += 1
            return self._next - 1

    def _work(self) -> None:
        target = self.testbed.services["des"].target
        with grpc.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
            stub = self._grpc.DesServiceStub(channel)
            while (index := self._take()) is not None:
                self._submit(stub, index)

    def _submit(self, stub, index: int) -> None:
        nip, kegiatan_id = self.employees[index % len(self.employees)]
        key = f"fault-{self.run_id}-{index}"
        request = self._pb.SubmitActivityRequest(idempotency_key=key, activity=self._pb.ActivityInput(
            jenis=self._pb.JENIS_SKP, kegiatan_id=kegiatan_id, uraian=f"laporan harian {index}", kuantitas="1",
            menit=10))
        metadata = self.testbed.token(nip)
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            with self._lock:
                self.attempts += 1
            try:
                reply = stub.SubmitActivity(request, metadata=metadata, timeout=self.call_timeout)
            except grpc.RpcError as exc:
                with self._lock:
                    self.errors[exc.code().name] += 1
                if exc.code() not in RETRYABLE:
                    with self._lock:
                        self.unexpected.append(f"{exc.code().name}: {exc.details()}")
                    return
                time.sleep(0.1)
                continue
            with self._lock:
                first = self.acked.setdefault(key, reply.activity_id)
                if first != reply.activity_id:
                    self.conflicts.append((key, first, reply.activity_id))
                self.finished = time.monotonic()
            return
        with self._lock:
            self.unexpected.append(f"{key}: not acknowledged within {self.give_up_after:.0f}s")

    def wait_acked(self, count: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count:
            if time.monotonic() > deadline or not any(w.is_alive() for w in self._workers):
                raise AssertionError(f"only {len(self.acked)} of {count} submits acknowledged; errors {self.errors}")
            time.sleep(0.05)

    def join(self, timeout: float | None = None) -> "SubmitLoad":
        end = time.monotonic() + (timeout or self.give_up_after + 60)
        for worker in self._workers:
            worker.join(max(0.0, end - time.monotonic()))
        return self

    @property
    def nips(self) -> list[str]:
        return sorted({nip for nip, _ in self.employees})

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    # checks ----------------------------------------------------------------------------------------------------------
    def des_counts(self) -> tuple[int, int]:
        """(acknowledged ids des holds, entries des holds for the load's employees)."""
        ids = list(self.acked.values())
        held = self.testbed.scalar("des", "SELECT count(DISTINCT activity_id) FROM activities "
                                   "WHERE activity_id = ANY(CAST(:ids AS uuid[]))", ids=ids)
        rows = self.testbed.scalar("des", "SELECT count(*) FROM activities WHERE nip = ANY(:nips)", nips=self.nips)
        return held, rows

    def recap_counts(self) -> dict:
        """What recap applied of the load: facts, logged events and the employees' `reported` counters."""
        ids = list(self.acked.values())
        tb = self.testbed
        facts = tb.scalar("recap", "SELECT count(*) FROM activities WHERE activity_id = ANY(:ids)", ids=ids)
        logged = tb.scalar("recap", "SELECT count(*) FROM event_log WHERE event_type = 'activity_submitted' "
                           "AND envelope->'data'->>'activity_id' = ANY(:ids)", ids=ids)
        reported = tb.scalar("recap", "SELECT coalesce(max(total), 0) FROM (SELECT kind, sum(reported) AS total "
                             "FROM employee_counters WHERE nip = ANY(:nips) GROUP BY kind) k", nips=self.nips)
        reported_min = tb.scalar("recap", "SELECT coalesce(min(total), 0) FROM (SELECT kind, sum(reported) AS total "
                                 "FROM employee_counters WHERE nip = ANY(:nips) GROUP BY kind) k", nips=self.nips)
        return {"facts": facts, "logged": logged, "reported_max": reported, "reported_min": reported_min}

    def drain(self, timeout: float = 60.0) -> float:
        """Seconds until recap holds every acknowledged submit (or raise with what it holds after `timeout`)."""
        want = len(self.acked)
        start = time.monotonic()
        while True:
            counts = self.recap_counts()
            if all(v >= want for v in counts.values()):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise AssertionError(f"recap holds {counts} of {want} acknowledged submits after {timeout:.0f}s")
            time.sleep(0.25)

    def assert_exactly_once(self) -> None:
        """Every acknowledged submit in des and in recap exactly once; no key answered with two ids."""
        want = len(self.acked)
        assert not self.unexpected, f"unexpected answers: {self.unexpected[:5]}"
        assert not self.conflicts, f"one key acknowledged with two ids: {self.conflicts[:5]}"
        assert want == self.total, f"{want} of {self.total} submits acknowledged"
        assert self.des_counts() == (want, want), f"des holds {self.des_counts()} (ids, rows) for {want} acked"
        counts = self.recap_counts()
        assert counts == {"facts": want, "logged": want, "reported_max": want, "reported_min": want}, \
            f"recap holds {counts} for {want} acknowledged submits"
