"""The bridge process: inbound loop (NOTIFY from Gammu's inbox trigger, a short poll as fallback), reminder loop,
the consumer of identity's `phone_verification_requested`, and /alive, /ready, /metrics over HTTP.

A plain threaded process: it calls the services with grpcio, which does not mix with nameko's eventlet.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .. import metrics
from ..adapters import gammu as gammu_adapter
from ..adapters.services import Services
from ..adapters.store import PhoneCipher, Store
from ..application import verification
from ..application.inbound import Bridge
from ..application.reminders import run_reminders

log = logging.getLogger("sms")
QUEUE = ("sms", "identity", "phone_verification_requested")
VERSIONS = (1,)  # the schema versions of the event this consumer reads (ekinerja_events.identity)


def build(settings, clock=None) -> Bridge:
    services = Services(settings.targets, settings.client_id, settings.client_secret, settings.grpc_timeout_seconds)
    return Bridge(gammu=gammu_adapter.GammuTables(settings.gammu_database_url), store=Store(settings.database_url),
                  services=services, phone_key=settings.phone_key, cipher=PhoneCipher(settings.phone_key),
                  metrics=metrics, limits=settings.limits, default_schedule=settings.schedule, clock=clock)


class Worker:
    def __init__(self, settings, bridge: Bridge):
        self.settings = settings
        self.bridge = bridge
        self.stop = threading.Event()
        self.healthy = {"gammu": False, "store": False, "broker": False}

    # -- inbound ---------------------------------------------------------------------------------------------------
    def inbound_loop(self) -> None:
        while not self.stop.is_set():
            try:
                with psycopg.connect(gammu_adapter.plain_url(self.settings.gammu_database_url), autocommit=True,
                                     connect_timeout=3) as listener:
                    listener.execute(f"LISTEN {gammu_adapter.CHANNEL}")
                    self.healthy["gammu"] = True
                    while not self.stop.is_set():
                        handled = self.bridge.run_round()
                        self.healthy["store"] = True
                        self.refresh_gauges()
                        if handled >= self.bridge.limits.batch:
                            continue  # more waiting: no pause
                        for _ in listener.notifies(timeout=self.settings.poll_seconds, stop_after=1):
                            pass
            except (psycopg.OperationalError, OSError) as exc:
                self.healthy["gammu"] = self.healthy["store"] = False
                log.warning("database unreachable, retrying: %s", type(exc).__name__)
                self.stop.wait(2)
            except Exception:  # noqa: BLE001 - the loop must survive one bad round; logged with its traceback
                log.exception("inbound round failed")
                self.stop.wait(2)

    def refresh_gauges(self) -> None:
        with self.bridge.gammu.connect(autocommit=True) as conn:
            metrics.OUTBOX_AGE.set(self.bridge.gammu.outbox_age_seconds(conn))
            silence = self.bridge.gammu.last_seen_seconds(conn)
            metrics.GATEWAY_SILENCE.set(silence if silence is not None else -1)

    # -- reminders -------------------------------------------------------------------------------------------------
    def reminder_loop(self) -> None:
        while not self.stop.wait(self.settings.reminder_interval_seconds):
            try:
                run_reminders(self.bridge)
            except Exception:  # noqa: BLE001 - the next pass retries; logged with its traceback
                log.exception("reminder pass failed")

    # -- identity's event ------------------------------------------------------------------------------------------
    def on_verification(self, body, message, expected_user: str) -> None:
        """One delivery of the event: texted and acked, or rejected (the queue dead-letters it) when it is not an
        envelope of identity's event, not from identity's broker user, of a version this bridge does not read
        (`VERSIONS`) or unlike its definition, or unusable (no phone or code)."""
        from ekinerja_events.identity import PhoneVerificationRequested
        from ekinerja_platform.events import data_problem, envelope_problem

        problem = envelope_problem(body, "identity", "phone_verification_requested")
        if problem is None and message.properties.get("user_id") != expected_user:
            problem = "not published by identity's broker user"
        if problem is None:
            problem = data_problem(body, VERSIONS)
        if problem:
            log.warning("verification event rejected: %s", problem)
            message.reject(requeue=False)  # dead-lettered by the queue's policy
            return
        try:
            event = PhoneVerificationRequested.from_data(body["data"])
            verification.text_code(self.bridge, body["event_id"], event)
        except ValueError as exc:
            log.warning("verification event %s unusable: %s", body["event_id"], exc)
            message.reject(requeue=False)
            return
        message.ack()

    def consumer_loop(self) -> None:
        from kombu import Connection

        from ekinerja_platform import topology
        from ekinerja_platform.events import producer_user

        queue = topology.consumer_queue(*QUEUE)
        while not self.stop.is_set():
            try:
                with Connection(self.settings.amqp_uri, heartbeat=30) as conn:
                    expected = producer_user(conn.userid, "sms", "identity")

                    def on_message(body, message, expected=expected):
                        self.on_verification(body, message, expected)

                    with conn.Consumer([queue], callbacks=[on_message], accept=["json"], prefetch_count=10):
                        self.healthy["broker"] = True
                        while not self.stop.is_set():
                            try:
                                conn.drain_events(timeout=1)
                            except socket.timeout:
                                conn.heartbeat_check()
            except Exception as exc:  # noqa: BLE001 - reconnect after any broker or database failure
                self.healthy["broker"] = False
                log.warning("event consumer reconnecting: %s", type(exc).__name__)
                self.stop.wait(2)

    # -- HTTP ------------------------------------------------------------------------------------------------------
    def http_server(self) -> ThreadingHTTPServer:
        worker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/metrics":
                    self._send(200, generate_latest(), CONTENT_TYPE_LATEST)
                elif self.path == "/alive":
                    self._send(200, b"ok\n", "text/plain")
                elif self.path == "/ready":
                    ready = all(worker.healthy.values())
                    self._send(200 if ready else 503, json.dumps(worker.healthy).encode(), "application/json")
                else:
                    self._send(404, b"not found\n", "text/plain")

            def _send(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # no access log (paths only, but keep stderr for JSON logs)
                pass

        return ThreadingHTTPServer((self.settings.bind_host, self.settings.http_port), Handler)

    def run(self) -> None:
        server = self.http_server()
        threads = [threading.Thread(target=target, name=name, daemon=True) for name, target in
                   (("http", server.serve_forever), ("inbound", self.inbound_loop),
                    ("reminders", self.reminder_loop), ("events", self.consumer_loop))]
        for thread in threads:
            thread.start()
        log.info("sms bridge serving on http port %s", self.settings.http_port)
        try:
            while not self.stop.wait(1):
                pass
        finally:
            server.shutdown()
            self.bridge.services.close()

    def request_stop(self, *_):
        self.stop.set()


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
