"""des's unit of work on PostgreSQL: des's SQL repositories bound to a session.

`in_session(session)` is the unit over a transaction someone else opened and ends (the entrypoints'
`db.transaction()` and idempotent writes, `apply_once`): it records into that transaction and never commits or
rolls back itself, so a use case joins its caller's transaction. `reading(connection)` is the same unit over an
autocommit connection, for reads only (GetDay).
"""
from __future__ import annotations

from ekinerja_platform.sql_unit_of_work import CallerSessionUnitOfWork

from ..application import activities, plans
from ..application.config import DesConfig, config
from ..application.ports import DaySkp, DesUnitOfWork, InstansiSettings, QuickEntries
from ..domain.quick_entry import Kegiatan
from . import activity_store
from . import repository as repo
from .copies import SqlEmployees, SqlMonthlyTargets, SqlSkpCopies
from .import_sql import SqlImports
from .locks_sql import SqlActivities, SqlLocks, SqlReviews
from .plans_sql import SqlPlans
from .relations import SqlAuditTrail, SqlRelations
from .reports_sql import SqlReports


class SqlQuickEntries(QuickEntries):
    def __init__(self, uow: SessionUnitOfWork, cfg: DesConfig):
        self.uow = uow
        self.session = uow.session
        self.cfg = cfg

    def skp_for_date(self, nip, tanggal) -> DaySkp | None:
        row = repo.skp_for_date(self.session, nip, tanggal)
        return None if row is None else DaySkp(row.skp_id, row.instansi_id, row.penilai_nip)

    def kegiatan(self, nip, skp_id) -> list[Kegiatan]:
        return repo.kegiatan_of(self.session, nip, skp_id)

    def savepoint(self):
        return self.session.begin_nested()

    def report(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan) -> str:
        view = activities.submit_activity(self.uow, principal, activities.ActivityInput(
            tanggal=tanggal.isoformat(), jenis="skp", kegiatan_id=kegiatan_id, uraian=uraian,
            kuantitas=str(kuantitas), satuan=satuan), draft=False, cfg=self.cfg, source="text")
        return str(view["activity_id"])

    def plan(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan) -> str:
        plan = plans.submit_plan(self.uow, principal, tanggal.isoformat(), kegiatan_id, uraian,
                                    str(kuantitas), satuan, self.cfg)
        return str(plan["plan_id"])


class SqlInstansiSettings(InstansiSettings):
    def __init__(self, session):
        self.session = session

    def set_window(self, instansi_id, days, actor) -> None:
        stmt = repo.pg_insert(repo.instansi_settings).values(instansi_id=instansi_id, window_days=days,
                                                             updated_by=actor)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["instansi_id"], set_={
            "window_days": days, "updated_by": actor, "updated_at": repo.sa.func.now()}))
        repo.audit(self.session, "-", "instansi_settings", instansi_id, "set_window", actor, None,
                   {"window_days": days})

    def forget_contexts(self) -> None:
        activity_store.contexts.clear()


class SessionUnitOfWork(CallerSessionUnitOfWork, DesUnitOfWork):
    """des's unit over a transaction the caller owns: changes and events go into it; the caller commits."""

    def __init__(self, session, cfg: DesConfig | None = None):
        self.cfg = cfg or config()
        super().__init__(session)

    def open_repositories(self, session) -> None:
        self.targets = SqlMonthlyTargets(session)
        self.skp = SqlSkpCopies(session)
        self.employees = SqlEmployees(session)
        self.imports = SqlImports(session)
        self.quick = SqlQuickEntries(self, self.cfg)
        self.settings = SqlInstansiSettings(session)
        self.relations = SqlRelations(session)
        self.audit = SqlAuditTrail(session)
        self.plans = SqlPlans(session)
        self.locks = SqlLocks(session)
        self.activities = SqlActivities(session)
        self.reviews = SqlReviews(session)
        self.reports = SqlReports(session)


def in_session(session, cfg: DesConfig | None = None) -> SessionUnitOfWork:
    return SessionUnitOfWork(session, cfg)


def reading(connection, cfg: DesConfig | None = None) -> SessionUnitOfWork:
    """des's unit over an autocommit connection (`direct.read`): each statement reads its own snapshot; for
    reads only."""
    return SessionUnitOfWork(connection, cfg)
