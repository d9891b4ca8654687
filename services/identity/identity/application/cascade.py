"""Telling subordinates that their penilai changed (DOMAIN §0.12: the SKP records the penilai "updated on
reassignment").

A change of who holds a position (an assignment begun, moved or ended, a Plt/Plh appointed or ended), of a holder's
duty status or of a position's parent can change the pejabat penilai or atasan pejabat penilai of the people below.
`subordinate_events` finds them set-based: the positions below each changed one (all of them loaded in the view by
the recursive CTEs of `OrgView.load_scoped`, or the whole instansi for a bulk import), their definitive holders on
the dates the change touches, and their chains before and after (`domain.organisation.chain_updates`). Each
affected person gets an `assignment_changed` for its own (unchanged) assignment, `effective_date` the date of the
change, the new penilai, and the next `version` of its NIP (`ports.AssignmentVersions`); written to the outbox in
the change's transaction.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from ..domain.organisation import chain_updates
from . import events
from .org_view import AssignmentRow
from .ports import AssignmentVersions, OrgSnapshot

DAY = dt.timedelta(days=1)


class Change:
    """Holders of `jabatan_id` (or, with `include_self`, the position's own place in the tree) changed on `on`."""

    __slots__ = ("jabatan_id", "on", "include_self")

    def __init__(self, jabatan_id: str, on: dt.date, include_self: bool = False):
        self.jabatan_id, self.on, self.include_self = jabatan_id, on, include_self


def interval(jabatan_id: str, start: dt.date, end: dt.date | None) -> list[Change]:
    """A holder from `start` to `end` (inclusive): the chains below change on `start` and again the day after `end`."""
    changes = [Change(jabatan_id, start)]
    if end is not None:
        changes.append(Change(jabatan_id, end + DAY))
    return changes


def subordinate_events(versions_of: AssignmentVersions, before: OrgSnapshot, after: OrgSnapshot,
                       changes: Iterable[Change], own: dict[str, dt.date] | None = None) -> list:
    """The `assignment_changed` events of the subordinates whose chain the `changes` altered (versions taken).

    `before`/`after` are the same part of the instansi without / with the change. `own` maps the NIPs whose own
    event this change writes anyway to its effective date: they get nothing more on or before that date (their
    own event already carries the chain, and a later-dated version must stay the newest)."""
    positions_on = _positions_changed_on(_tree_of(before, after), changes)
    candidates, rows = _definitive_holders(after, positions_on, own or {})
    updates = chain_updates(candidates, before.chain, after.chain)
    if not updates:
        return []
    versions = versions_of.take(Counter(nip for nip, _, _ in updates))
    result = []
    for nip, on, chain in updates:  # per NIP in date order: versions ascend with the dates
        versions[nip] += 1
        a = rows[nip, on]
        result.append(events.assignment_changed(after, assignment_id=a.id, nip=nip, acting=False, effective_date=on,
                                                old=a, new=a, version=versions[nip], chain=chain))
    return result


def _tree_of(before: OrgSnapshot, after: OrgSnapshot) -> dict[str, set[str]]:
    """Parent -> children in either view: a position moved by the change counts below its old and its new parent."""
    children: dict[str, set[str]] = defaultdict(set)
    for view in (before, after):
        for parent, kids in view.children().items():
            children[parent].update(kids)
    return children


def _positions_changed_on(children: dict[str, set[str]], changes: Iterable[Change]) -> dict[dt.date, set[str]]:
    """Per date, the positions whose chain a change on that date may alter: all below it (and itself if asked)."""
    below_cache: dict[str, set[str]] = {}

    def below(jabatan_id: str) -> set[str]:
        if jabatan_id not in below_cache:
            found: set[str] = set()
            stack = list(children.get(jabatan_id, ()))
            while stack:
                current = stack.pop()
                if current not in found:
                    found.add(current)
                    stack.extend(children.get(current, ()))
            below_cache[jabatan_id] = found
        return below_cache[jabatan_id]

    positions_on: dict[dt.date, set[str]] = defaultdict(set)
    for change in changes:
        positions_on[change.on] |= below(change.jabatan_id)
        if change.include_self:
            positions_on[change.on].add(change.jabatan_id)
    return positions_on


def _definitive_holders(after: OrgSnapshot, positions_on: dict[dt.date, set[str]], own: dict[str, dt.date]
                        ) -> tuple[dict[str, set[dt.date]], dict[tuple[str, dt.date], AssignmentRow]]:
    """The dates to check per NIP (definitive holders of those positions on those dates, minus what `own` covers),
    and the assignment held on each."""
    candidates: dict[str, set[dt.date]] = defaultdict(set)
    rows: dict[tuple[str, dt.date], AssignmentRow] = {}
    for on, positions in positions_on.items():
        for jabatan_id in positions:
            for a in after.by_jabatan.get(jabatan_id, ()):
                if a.acting or not a.covers(on) or (a.nip in own and on <= own[a.nip]):
                    continue
                candidates[a.nip].add(on)
                rows[a.nip, on] = a
    return candidates, rows
