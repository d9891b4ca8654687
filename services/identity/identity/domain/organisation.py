"""The position tree (jabatan), who holds which position when (assignments), and the supervisor chain.

A jabatan's parent is its supervising position. An employee's pejabat penilai is the holder of the nearest
ancestor position that has a holder on the date; the atasan pejabat penilai is found the same way above the
position where the penilai was found (DOMAIN.md §1.7, §0.12). Vacant positions are walked past. A definitive
holder is preferred over an acting one (plt/plh); an acting holder counts when there is no definitive one.
Nobody is their own penilai or atasan penilai (a Kabid who is also Plt Kepala Dinas is rated from above).
A holder who is not on duty on the date (a status other than aktif, e.g. tugas belajar or pensiun, see
``golongan.is_active_for_duty``) is walked past like a vacancy, so a Plt appointed beside them counts.

When a holder changes, the subordinates whose chain resolves differently get told: ``chain_updates`` compares the
chains before and after a change on the dates it touches.

Assignment dates are inclusive; a move on a date is an assignment ending the day before and a new one starting
that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from ekinerja_platform.domain_errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, quote
from ekinerja_rules.nip import mask_nip


class JabatanKind(Enum):
    STRUKTURAL_JPT = "struktural_jpt"
    STRUKTURAL_ADMINISTRATOR = "struktural_administrator"
    STRUKTURAL_PENGAWAS = "struktural_pengawas"
    FUNGSIONAL_TERTENTU = "fungsional_tertentu"
    PELAKSANA = "pelaksana"

    @property
    def is_struktural(self) -> bool:
        return self in _STRUKTURAL


_STRUKTURAL = frozenset(
    {JabatanKind.STRUKTURAL_JPT, JabatanKind.STRUKTURAL_ADMINISTRATOR, JabatanKind.STRUKTURAL_PENGAWAS}
)


class JobGroup(Enum):
    UMUM = "umum"
    PENDIDIK = "pendidik"
    KESEHATAN = "kesehatan"
    FUNGSIONAL = "fungsional"


@dataclass(frozen=True)
class Jabatan:
    """A position. ``parent_id`` is the supervising position (None at the top of the tree).
    ``kind`` and ``job_group`` accept their enum or its string value."""

    id: str
    name: str
    unit_id: str
    kind: JabatanKind
    job_group: JobGroup
    parent_id: str | None
    eselon: str | None = None
    jenjang: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _enum(JabatanKind, self.kind, "kind"))
        object.__setattr__(self, "job_group", _enum(JobGroup, self.job_group, "job_group"))
        if self.parent_id is not None and self.parent_id == self.id:
            raise InvalidArgument(f"parent_id: jabatan {quote(self.id)} cannot be its own parent", field="parent_id")

    @property
    def is_struktural(self) -> bool:
        return self.kind.is_struktural


def _enum(cls: type[Enum], value: object, field: str) -> Enum:
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(str(m.value) for m in cls)
        raise InvalidArgument(f"{field}: {quote(value)} is not one of {known}", field=field) from None


@dataclass(frozen=True)
class Assignment:
    """``nip`` holds ``jabatan_id`` from ``start`` to ``end`` inclusive (None = open-ended).
    ``acting`` marks a plt/plh assignment, which may overlap the person's definitive one."""

    nip: str
    jabatan_id: str
    start: date
    end: date | None
    acting: bool = False

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidArgument(
                f"end: {self.end.isoformat()} is before start {self.start.isoformat()}", field="end"
            )

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)

    def overlaps(self, other: Assignment) -> bool:
        return (self.end is None or other.start <= self.end) and (other.end is None or self.start <= other.end)


@dataclass(frozen=True)
class Holder:
    """Who held a position on a date, and whether only as acting (plt/plh)."""

    nip: str
    jabatan_id: str
    acting: bool


@dataclass(frozen=True)
class SupervisorChain:
    """The employee's own (definitive) position on the date, and the two roles above it. None = nobody found."""

    jabatan_id: str
    pejabat_penilai: Holder | None
    atasan_pejabat_penilai: Holder | None
    # every holder of every position above (nearest first, the penilai and atasan among them): the heads up the
    # chain (Kepala Dinas, Sekda) who may read, never change, the employee's work (issue 16.3)
    heads: tuple[Holder, ...] = field(default=(), compare=False)


def validate_new_assignment(existing: Iterable[Assignment], new: Assignment) -> None:
    """Raise ``AlreadyExists`` when ``new`` cannot be added beside the ``existing`` assignments.

    Refused: a definitive assignment overlapping the same person's definitive one, and any assignment overlapping
    the same person's assignment to the same position (a duplicate). Acting plt/plh assignments may otherwise overlap.
    """
    for old in existing:
        if old.nip != new.nip or not old.overlaps(new):
            continue
        if old.jabatan_id == new.jabatan_id:
            raise AlreadyExists(
                f"assignment: {mask_nip(new.nip)} already holds jabatan {quote(new.jabatan_id)} "
                f"from {_period(old)}",
                field="jabatan_id",
            )
        if not old.acting and not new.acting:
            raise AlreadyExists(
                f"assignment: {mask_nip(new.nip)} already has the definitive jabatan {quote(old.jabatan_id)} "
                f"from {_period(old)}; end it before {new.start.isoformat()} or make the new one acting",
                field="start",
            )


def _period(a: Assignment) -> str:
    return f"{a.start.isoformat()} to {a.end.isoformat() if a.end else 'open end'}"


def ancestors(jabatan_id: str, jabatan_by_id: Mapping[str, Jabatan]) -> Iterator[Jabatan]:
    """The supervising positions above ``jabatan_id``, nearest first.

    Raises ``NotFound`` for an unknown position or parent and ``FailedPrecondition`` for a cycle in the tree.
    """
    seen = [jabatan_id]
    current = _jabatan(jabatan_id, jabatan_by_id, "jabatan_id")
    while current.parent_id is not None:
        if current.parent_id in seen:
            path = " -> ".join(repr(i) for i in [*seen, current.parent_id])
            raise FailedPrecondition(f"parent_id: the position tree has a cycle: {path}", field="parent_id")
        seen.append(current.parent_id)
        current = _jabatan(current.parent_id, jabatan_by_id, "parent_id")
        yield current


def validate_tree(jabatan_by_id: Mapping[str, Jabatan]) -> None:
    """Check that every parent exists and that no position is its own ancestor (for use after a parent change)."""
    for jabatan_id in jabatan_by_id:
        for _ in ancestors(jabatan_id, jabatan_by_id):
            pass


def _jabatan(jabatan_id: str, jabatan_by_id: Mapping[str, Jabatan], field: str) -> Jabatan:
    try:
        return jabatan_by_id[jabatan_id]
    except KeyError:
        raise NotFound(f"{field}: jabatan {quote(jabatan_id)} does not exist", field=field) from None


def holders_on(jabatan_id: str, on: date, assignments: Iterable[Assignment]) -> list[Holder]:
    """Everyone holding ``jabatan_id`` on ``on``: definitive holders first, then by latest start, then by NIP."""
    current = [a for a in assignments if a.jabatan_id == jabatan_id and a.covers(on)]
    current.sort(key=lambda a: (a.acting, -a.start.toordinal(), a.nip))
    return [Holder(a.nip, a.jabatan_id, a.acting) for a in current]


OnDuty = Callable[[str, date], bool]


def _always_on_duty(nip: str, on: date) -> bool:
    return True


def resolve_supervisor_chain(
    nip: str,
    on: date,
    jabatan_by_id: Mapping[str, Jabatan],
    assignments: Iterable[Assignment],
    on_duty: OnDuty | None = None,
) -> SupervisorChain:
    """The pejabat penilai and atasan pejabat penilai of ``nip`` on ``on``; holders for whom ``on_duty(nip, on)``
    is false are walked past (default: everyone is on duty).

    Raises ``NotFound`` when the person has no definitive assignment on that date or a position is missing,
    ``AlreadyExists`` when the person has two definitive assignments on that date, and ``FailedPrecondition``
    when the walk up meets a cycle.
    """
    assignments = list(assignments)
    own = [a for a in assignments if a.nip == nip and not a.acting and a.covers(on)]
    if not own:
        raise NotFound(f"nip: {mask_nip(nip)} has no definitive jabatan on {on.isoformat()}", field="nip")
    if len(own) > 1:
        ids = ", ".join(repr(a.jabatan_id) for a in own)
        raise AlreadyExists(
            f"nip: {mask_nip(nip)} has overlapping definitive jabatan on {on.isoformat()}: {ids}", field="nip"
        )
    jabatan_id = own[0].jabatan_id

    on_duty = on_duty or _always_on_duty
    penilai = _nearest_holder(jabatan_id, on, jabatan_by_id, assignments, {nip}, on_duty)
    atasan = None
    if penilai is not None:
        atasan = _nearest_holder(penilai.jabatan_id, on, jabatan_by_id, assignments, {nip, penilai.nip}, on_duty)
    return SupervisorChain(jabatan_id=jabatan_id, pejabat_penilai=penilai, atasan_pejabat_penilai=atasan,
                           heads=heads_above(nip, jabatan_id, on, jabatan_by_id, assignments))


def heads_above(nip: str, jabatan_id: str, on: date, jabatan_by_id: Mapping[str, Jabatan],
                assignments: list[Assignment]) -> tuple[Holder, ...]:
    """Every holder (definitive or acting) of every position above ``jabatan_id`` on ``on``, nearest first."""
    seen, heads = {nip}, []
    for jabatan in ancestors(jabatan_id, jabatan_by_id):
        for holder in holders_on(jabatan.id, on, assignments):
            if holder.nip not in seen:
                seen.add(holder.nip)
                heads.append(holder)
    return tuple(heads)


def _nearest_holder(
    start_id: str,
    on: date,
    jabatan_by_id: Mapping[str, Jabatan],
    assignments: list[Assignment],
    exclude: set[str],
    on_duty: OnDuty,
) -> Holder | None:
    """The preferred holder of the nearest position strictly above ``start_id`` held by someone not excluded and
    on duty."""
    for jabatan in ancestors(start_id, jabatan_by_id):
        candidates = [h for h in holders_on(jabatan.id, on, assignments)
                      if h.nip not in exclude and on_duty(h.nip, on)]
        if candidates:
            return candidates[0]
    return None


ChainOf = Callable[[str, date], "SupervisorChain | None"]


def chain_key(chain: SupervisorChain | None) -> tuple:
    """What a subordinate is told about its chain: the NIPs of the penilai, the atasan penilai and the heads."""
    if chain is None:
        return (None, None, ())
    return (
        chain.pejabat_penilai.nip if chain.pejabat_penilai else None,
        chain.atasan_pejabat_penilai.nip if chain.atasan_pejabat_penilai else None,
        tuple(h.nip for h in chain.heads),
    )


def chain_updates(
    candidates: Mapping[str, Iterable[date]], before: ChainOf, after: ChainOf
) -> list[tuple[str, date, SupervisorChain]]:
    """The (nip, date, new chain) updates one change causes for the people in ``candidates``, each with the dates
    the change touches (its start and the day after its end).

    ``before``/``after`` give a person's chain on a date without / with the change (None: no definitive position
    that day, nothing to tell). Per person, dates ascending: an update is due when the chain after the change differs
    from what the person was last told in this change, or else from the chain before it. So a Plt appointed from
    March to May tells the staff below about the Plt on 1 March and about their usual penilai again on 1 June.
    """
    updates = []
    for nip in sorted(candidates):
        told = None
        for on in sorted(set(candidates[nip])):
            new = after(nip, on)
            if new is None:
                continue
            known = told if told is not None else chain_key(before(nip, on))
            if chain_key(new) != known:
                updates.append((nip, on, new))
                told = chain_key(new)
    return updates
