"""Gauges refreshed on a timer from one query, in a managed green thread, on a connection
opened for each refresh.

Every replica runs the same query and reports the same figures, so rules and dashboards aggregate these gauges
with `max by (...)`, never `sum` (three pods would show three times the backlog). Label values are agencies or
other coarse keys, never a NIP.
"""
from __future__ import annotations

import logging
import os
import random

import eventlet
from nameko.extensions import DependencyProvider

from . import runtime

log = logging.getLogger(__name__)


def publish(gauge, values: dict[tuple[str, ...], float], previous: set) -> set:
    """Set `gauge` to `values` (label values → figure) and drop the label sets no longer reported (their figure is
    now 0: an absent series, not a stale one); returns the label sets now shown."""
    for labels, value in values.items():
        gauge.labels(*labels).set(value)
    for labels in previous - set(values):
        try:
            gauge.remove(*labels)
        except KeyError:  # pragma: no cover - already gone
            pass
    return set(values)


class GaugeRefresher(DependencyProvider):
    """Refreshes `gauge` every `interval_env` seconds (default `default_interval`; 0 turns it off) from
    `query(connection) -> {label values: figure}`."""

    def __init__(self, gauge, query, interval_env: str, default_interval: float):
        self.gauge = gauge
        self.query = query
        self.interval_env = interval_env
        self.default_interval = default_interval

    def setup(self):
        self._stopping = False
        self._engine = None
        self._shown: set = set()
        self.interval = float(os.environ.get(self.interval_env) or self.default_interval)
        if self.interval < 0:
            raise ValueError(f"{self.interval_env} must be 0 (off) or a number of seconds")

    def start(self):
        if self.interval == 0:
            return
        import sqlalchemy as sa

        from .db import connect_args
        # a connection for each refresh, none held between them: PostgreSQL connections are a shared budget, and one
        # connect a minute costs nothing; the service's statement timeout bounds the query
        self._engine = sa.create_engine(runtime.settings().sqlalchemy_url, poolclass=sa.pool.NullPool,
                                        connect_args=connect_args(purpose="gauges"))
        self.container.spawn_managed_thread(self._run, identifier=f"gauge-{self.gauge._name}")

    def refresh(self) -> None:
        with self._engine.connect() as conn:
            values = self.query(conn)
        self._shown = publish(self.gauge, values, self._shown)

    def _run(self):
        while not self._stopping:
            try:
                self.refresh()
            except Exception:  # the database may be away for a while; the gauge just ages
                log.warning("gauge %s not refreshed", self.gauge._name, exc_info=True)
            eventlet.sleep(self.interval * random.uniform(0.9, 1.1))  # replicas drift apart

    def stop(self):
        self._stopping = True
        if self._engine is not None:
            self._engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self
