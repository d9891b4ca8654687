"""Property test of the activity life cycle (DOMAIN §0.15): whatever sequence of calls anyone makes, an entry is
always in a legal state, a locked entry never changes (only an admin unlock with a reason moves it back to
approved), and every refused call leaves the entry exactly as it was."""
import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from des.domain import activity as act
from ekinerja_platform.domain_errors import DomainError

pytestmark = pytest.mark.unit

OWNER, PENILAI, STRANGER, ADMIN = "199001012015031001", "198001012005011002", "197001011995031003", "admin"
ACTORS = st.sampled_from([OWNER, PENILAI, STRANGER, ADMIN])
DAY = dt.date(2024, 5, 14)


def content(uraian="menyusun laporan", kuantitas="3"):
    return act.ActivityContent(tanggal=DAY, jenis="skp", uraian=uraian, kuantitas=Decimal(kuantitas),
                               satuan="laporan", kegiatan_id="k1")


class ActivityLifeCycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.entry = act.Activity("a1", OWNER, PENILAI, content())
        self.history = [act.DRAFT]

    def attempt(self, fn, *args):
        before = copy.deepcopy(self.entry)
        was_locked = self.entry.state == act.LOCKED
        try:
            fn(*args)
        except DomainError:
            assert self.entry == before, "a refused call changed the entry"
            return False
        if was_locked:
            # the only way out of locked is the audited unlock
            assert fn.__name__ == "unlock" and self.entry.state == act.APPROVED
            assert self.entry.content == before.content
        assert self.entry.version == before.version + 1
        self.history.append(self.entry.state)
        return True

    @rule(actor=ACTORS, uraian=st.text(min_size=0, max_size=20), kuantitas=st.sampled_from(["1", "2.5", "0", "-1"]))
    def edit(self, actor, uraian, kuantitas):
        try:
            new = content(uraian, kuantitas)
        except DomainError:
            return
        self.attempt(self.entry.edit, actor, new)

    @rule(actor=ACTORS)
    def send(self, actor):
        self.attempt(self.entry.send, actor)

    @rule(actor=ACTORS, diakui=st.sampled_from([None, Decimal("0"), Decimal("2"), Decimal("99"), Decimal("-1")]))
    def approve(self, actor, diakui):
        if self.attempt(self.entry.approve, actor, diakui):
            assert actor == PENILAI
            assert Decimal(0) <= self.entry.kuantitas_diakui <= self.entry.content.kuantitas

    @rule(actor=ACTORS, catatan=st.sampled_from(["", "  ", "lengkapi bukti"]))
    def request_revision(self, actor, catatan):
        if self.attempt(self.entry.request_revision, actor, catatan):
            assert actor == PENILAI and catatan.strip()

    @rule(actor=ACTORS)
    def lock(self, actor):
        if self.attempt(self.entry.lock, actor):
            assert actor == PENILAI

    @rule(actor=ACTORS, reason=st.sampled_from(["", "salah ketik"]))
    def unlock(self, actor, reason):
        if self.attempt(self.entry.unlock, actor, reason):
            assert reason.strip()

    @invariant()
    def legal_state(self):
        assert self.entry.state in act.STATES
        # approved and locked entries always carry the reviewer and the recognised quantity
        if self.entry.state in act.COUNTED:
            assert self.entry.reviewer_nip == PENILAI and self.entry.kuantitas_diakui is not None

    @invariant()
    def legal_path(self):
        for before, after in zip(self.history, self.history[1:], strict=False):
            assert after == before or any(
                table.get(before) == after for table in act.TRANSITIONS.values()), (before, after)


TestActivityLifeCycle = ActivityLifeCycle.TestCase
TestActivityLifeCycle.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)


@pytest.mark.parametrize("action", sorted(act.TRANSITIONS))
def test_locked_refuses_everything_but_unlock(action):
    if action == "unlock":
        assert act.next_state(act.LOCKED, action) == act.APPROVED
    else:
        with pytest.raises(DomainError, match="terkunci"):
            act.next_state(act.LOCKED, action)
