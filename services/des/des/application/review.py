"""The penilai's review: the queue, approving (chosen entries, or a whole employee-day), asking for a revision,
and the kegiatan-months still without a kualitas.

On the unit of work (issue 17 items 1-2): unit-tested on fakes in tests/unit/test_review.py.
"""
from __future__ import annotations

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound
from ekinerja_platform.pagination import MAX_PAGE_SIZE, page_request

from . import events, parsing
from .access import DAY_TIME_ID, check_version, month_range, refuse_locked_day, target_for
from .config import DesConfig
from .policy import Target, authorize, caller_nip
from .ports import DesUnitOfWork, Entry


def review_queue(uow: DesUnitOfWork, principal, bulan: str, limit: int, page_size: int = 0,
                 page_token: str = "") -> tuple[list[dict], str]:
    """A page of what awaits the caller's review (oldest day first) and the next page's token; `limit` is the page
    size of clients that predate `page_size`."""
    nip = caller_nip(principal)
    authorize("ReviewQueue", principal, Target(nip, principal.instansi_id))
    start = end = None
    if bulan:
        start, end = month_range(*parsing.month(bulan, "bulan"))
    page = page_request(page_size, page_token, "des.ReviewQueue", nip, bulan, key=DAY_TIME_ID,
                        default=limit if 0 < limit <= MAX_PAGE_SIZE else 200)
    return page.split(uow.reviews.queue(nip, start, end, page.size + 1, page.after),
                      lambda r: (r["tanggal"], r["submitted_at"] or r["created_at"], r["activity_id"]))


def unrated_months(uow: DesUnitOfWork, principal, cfg: DesConfig) -> list[dict]:
    """The caller's subordinates' kegiatan-months with approved work and no kualitas ("kualitas belum dinilai")."""
    return uow.reviews.unrated(caller_nip(principal), cfg.today())


def approve_day(uow: DesUnitOfWork, principal, nip: str, tanggal: str) -> list[dict]:
    """Approve every entry of one employee-day that waits for review, as one ApproveActivities (all or none)."""
    caller_nip(principal)
    nip = parsing.nip(nip)
    day = parsing.date(tanggal, "tanggal")
    ids = uow.reviews.awaiting_on(nip, day)
    if not ids:
        _, target = target_for(uow.relations, principal, nip, day)
        authorize("ApproveDay", principal, target)
        raise FailedPrecondition(f"tidak ada entri tanggal {day.isoformat()} yang menunggu penilaian", field="tanggal")
    for activity_id in ids:  # the relation is checked per entry (the penilai of each), before any change
        authorize("ApproveDay", principal, _target(uow.reviews.entry(activity_id)))
    return approve_activities(uow, principal, [(i, "", 0) for i in ids])


def _target(entry: Entry | None) -> Target:
    if entry is None:  # pragma: no cover - the id was just read in the same transaction
        raise NotFound("no such activity", field="activity_id")
    return Target(entry.view["nip"], entry.view["instansi_id"], entry.view["penilai_nip"])


def _locked_entry(uow: DesUnitOfWork, rpc: str, principal, activity_id: str, expected: int,
                  field: str = "activity_id") -> Entry:
    """The entry, held until the unit ends, once the caller may review it, it is at `expected` (0: any version)
    and its day is not locked."""
    entry = uow.reviews.entry(activity_id, for_update=True)
    if entry is None:
        raise NotFound("no such activity", field=field)
    authorize(rpc, principal, _target(entry))
    check_version(entry.view["version"], expected)
    refuse_locked_day(uow.locks.active(entry.view["nip"], entry.view["tanggal"]), entry.view["tanggal"])
    return entry


def approve_activities(uow: DesUnitOfWork, principal, items: list[tuple[str, str, int]]) -> list[dict]:
    """Approve every item or none; rows are locked in a fixed order so concurrent reviewers cannot deadlock."""
    if not items:
        raise InvalidArgument("give at least one activity", field="items")
    if len(items) > 1000:
        raise InvalidArgument("at most 1000 at once", field="items")
    reviewer = caller_nip(principal)
    out = []
    for index, (activity_id, diakui, expected) in sorted(enumerate(items), key=lambda p: p[1][0]):
        field = f"items[{index}]"
        entry = _locked_entry(uow, "ApproveActivities", principal, activity_id, expected, f"{field}.activity_id")
        activity, row = entry.activity, entry.view
        before = activity.snapshot()
        recognised = parsing.decimal(diakui, f"{field}.kuantitas_diakui", required=False)  # names its field
        try:
            activity.approve(reviewer, recognised)
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, field=f"{field}.{exc.field}") from None
        at = clock.now()
        uow.activities.save(activity, at, reviewed=True)
        uow.audit.record(row["nip"], "activity", activity_id, "approve", reviewer, before, activity.snapshot())
        view = {**row, "state": activity.state, "version": activity.version, "reviewed_at": at,
                "kuantitas_diakui": activity.kuantitas_diakui, "reviewer_nip": reviewer, "catatan": None}
        uow.record(events.activity_reviewed(view))
        out.append((index, view))
    return [view for _, view in sorted(out, key=lambda p: p[0])]


def request_revision(uow: DesUnitOfWork, principal, activity_id: str, catatan: str, expected_version: int) -> dict:
    reviewer = caller_nip(principal)
    entry = _locked_entry(uow, "RequestRevision", principal, activity_id, expected_version)
    activity, row = entry.activity, entry.view
    before = activity.snapshot()
    activity.request_revision(reviewer, catatan)
    at = clock.now()
    uow.activities.save(activity, at, reviewed=True)
    uow.audit.record(row["nip"], "activity", activity_id, "request_revision", reviewer, before, activity.snapshot())
    view = {**row, "state": activity.state, "version": activity.version, "reviewed_at": at,
            "reviewer_nip": reviewer, "catatan": activity.catatan}
    uow.record(events.revision_requested(view))
    return view
