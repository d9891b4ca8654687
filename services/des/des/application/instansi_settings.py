"""An instansi's settings: how many days into the next month its employees may still report (the entry window).

On the unit of work (issue 17 items 1-2): unit-tested on fakes in tests/unit/test_use_cases.py.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import InvalidArgument

from ..domain import entry_window
from .policy import Target, authorize
from .ports import DesUnitOfWork


def set_entry_window(uow: DesUnitOfWork, principal, instansi_id: str, days: int) -> int:
    """Record the window (and its audit record) in the caller's unit; the day contexts the process cached carry the
    old window, so they are dropped."""
    if not instansi_id:
        raise InvalidArgument("is required", field="instansi_id")
    authorize("SetEntryWindow", principal, Target(None, instansi_id))
    days = entry_window.check_window_setting(days)
    uow.settings.set_window(instansi_id, days, principal.subject)
    uow.settings.forget_contexts()
    return days
