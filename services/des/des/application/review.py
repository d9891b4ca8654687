"""The penilai's review: the queue, approving (one by one, a whole day), asking for a revision, the months
without a kualitas.

Still on a SQLAlchemy session (`NOT_YET_MODULES`, issue 17 items 1-2).
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from ekinerja_platform.outbox import record_event
from ekinerja_platform.pagination import MAX_PAGE_SIZE, page_request

from ..adapters import repository as repo
from . import events, parsing
from .access import DAY_TIME_ID
from .activities import check_day_unlocked, check_version, locked_row, now, row_view
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .reads import target_for


def review_queue(session, principal, bulan: str, limit: int, page_size: int = 0,
                 page_token: str = "") -> tuple[list[dict], str]:
    """A page of what awaits the caller's review (oldest day first) and the next page's token; `limit` is the page
    size of clients that predate `page_size`."""
    nip = caller_nip(principal)
    authorize("ReviewQueue", principal, Target(nip, principal.instansi_id))
    start = end = None
    if bulan:
        start, end = repo.month_range(*parsing.month(bulan, "bulan"))
    page = page_request(page_size, page_token, "des.ReviewQueue", nip, bulan, key=DAY_TIME_ID,
                        default=limit if 0 < limit <= MAX_PAGE_SIZE else 200)
    rows, token = page.split(repo.review_queue(session, nip, start, end, page.size + 1, page.after),
                             lambda r: (r.tanggal, r.submitted_at or r.created_at, r.activity_id))
    return [row_view(r) for r in rows], token


def unrated_months(session, principal, cfg: DesConfig) -> list[dict]:
    """The caller's subordinates' kegiatan-months with approved work and no kualitas ("kualitas belum dinilai")."""
    nip = caller_nip(principal)
    return [dict(r._mapping) for r in repo.unrated_months(session, nip, cfg.today())]


def approve_day(session, principal, nip: str, tanggal: str) -> list[dict]:
    """Approve every entry of one employee-day that waits for review, as one ApproveActivities (all or none)."""
    caller_nip(principal)
    nip = parsing.nip(nip)
    day = parsing.date(tanggal, "tanggal")
    ids = repo.day_awaiting_review(session, nip, day)
    if not ids:
        _, target = target_for(session, principal, nip, day)
        authorize("ApproveDay", principal, target)
        raise FailedPrecondition(f"tidak ada entri tanggal {day.isoformat()} yang menunggu penilaian", field="tanggal")
    for activity_id in ids:  # the relation is checked per entry (the penilai of each), before any change
        row = repo.activity_row(session, activity_id)
        authorize("ApproveDay", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    return approve_activities(session, principal, [(i, "", 0) for i in ids])


def approve_activities(session, principal, items: list[tuple[str, str, int]]) -> list[dict]:
    """Approve every item or none; rows are locked in a fixed order so concurrent reviewers cannot deadlock."""
    if not items:
        raise InvalidArgument("give at least one activity", field="items")
    if len(items) > 1000:
        raise InvalidArgument("at most 1000 at once", field="items")
    reviewer = caller_nip(principal)
    out = []
    for index, (activity_id, diakui, expected) in sorted(enumerate(items), key=lambda p: p[1][0]):
        field = f"items[{index}]"
        row = repo.activity_row(session, activity_id, for_update=True)
        if row is None:
            raise NotFound("no such activity", field=f"{field}.activity_id")
        authorize("ApproveActivities", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
        check_version(row, expected)
        check_day_unlocked(session, row.nip, row.tanggal)
        activity = repo.to_domain(row)
        before = activity.snapshot()
        try:
            activity.approve(reviewer, parsing.decimal(diakui, f"{field}.kuantitas_diakui", required=False))
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field=f"{field}.{exc.field}") from None
        at = now()
        repo.save_activity(session, activity, now=at, reviewed=True)
        repo.audit(session, row.nip, "activity", activity_id, "approve", reviewer, before, activity.snapshot())
        view = {**row_view(row), "state": activity.state, "version": activity.version, "reviewed_at": at,
                "kuantitas_diakui": activity.kuantitas_diakui, "reviewer_nip": reviewer, "catatan": None}
        record_event(session, events.activity_reviewed(view))
        out.append((index, view))
    return [view for _, view in sorted(out, key=lambda p: p[0])]


def request_revision(session, principal, activity_id: str, catatan: str, expected_version: int) -> dict:
    reviewer = caller_nip(principal)
    row = locked_row(session, activity_id)
    authorize("RequestRevision", principal, Target(row.nip, row.instansi_id, row.penilai_nip))
    check_version(row, expected_version)
    check_day_unlocked(session, row.nip, row.tanggal)
    activity = repo.to_domain(row)
    before = activity.snapshot()
    activity.request_revision(reviewer, catatan)
    at = now()
    repo.save_activity(session, activity, now=at, reviewed=True)
    repo.audit(session, row.nip, "activity", activity_id, "request_revision", reviewer, before, activity.snapshot())
    view = {**row_view(row), "state": activity.state, "version": activity.version, "reviewed_at": at,
            "reviewer_nip": reviewer, "catatan": activity.catatan}
    record_event(session, events.revision_requested(view))
    return view

