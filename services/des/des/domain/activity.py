"""Daily activity reports and their life cycle (DOMAIN §0.15): the one place that says which change is legal.

draft → submitted → approved → locked; submitted → revision_requested → resubmitted → approved.
Locked entries never change, except an audited admin unlock back to approved. Standard library only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied

DRAFT = "draft"
SUBMITTED = "submitted"
REVISION_REQUESTED = "revision_requested"
RESUBMITTED = "resubmitted"
APPROVED = "approved"
LOCKED = "locked"
STATES = (DRAFT, SUBMITTED, REVISION_REQUESTED, RESUBMITTED, APPROVED, LOCKED)
AWAITING_REVIEW = (SUBMITTED, RESUBMITTED)
EDITABLE = (DRAFT, SUBMITTED, REVISION_REQUESTED, RESUBMITTED)
COUNTED = (APPROVED, LOCKED)  # only these count toward realisation and recaps

JENIS = ("skp", "non_skp", "tugas_tambahan")
_MAX_KUANTITAS = Decimal("100000")

# action -> {from state: to state}; anything absent is illegal
TRANSITIONS: dict[str, dict[str, str]] = {
    "edit": {DRAFT: DRAFT, SUBMITTED: SUBMITTED, REVISION_REQUESTED: REVISION_REQUESTED, RESUBMITTED: RESUBMITTED},
    "send": {DRAFT: SUBMITTED, REVISION_REQUESTED: RESUBMITTED},
    "approve": {SUBMITTED: APPROVED, RESUBMITTED: APPROVED},
    "request_revision": {SUBMITTED: REVISION_REQUESTED, RESUBMITTED: REVISION_REQUESTED},
    "lock": {APPROVED: LOCKED},
    "unlock": {LOCKED: APPROVED},
}
# who may perform each action: the owner, the recorded penilai, an admin of the instansi
ACTORS = {"edit": "owner", "send": "owner", "approve": "penilai", "request_revision": "penilai",
          "lock": "penilai", "unlock": "admin"}

STATE_NAMES_ID = {DRAFT: "draf", SUBMITTED: "diajukan", REVISION_REQUESTED: "perlu revisi",
                  RESUBMITTED: "diajukan ulang", APPROVED: "disetujui", LOCKED: "terkunci"}


def next_state(state: str, action: str) -> str:
    """The state after `action`, or FailedPrecondition naming why it is not allowed now."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    allowed = TRANSITIONS[action]
    if state not in allowed:
        if state == LOCKED:
            raise FailedPrecondition("entri sudah terkunci oleh pejabat penilai dan tidak dapat diubah",
                                     field="activity_id", reason="PERIOD_LOCKED")
        raise FailedPrecondition(f"cannot {action.replace('_', ' ')} an entry that is {state}", field="activity_id")
    return allowed[state]


@dataclass(frozen=True)
class ActivityContent:
    """What the employee reports; validated on construction so a bad value never reaches the database."""

    tanggal: dt.date
    jenis: str
    uraian: str
    kuantitas: Decimal
    satuan: str
    kegiatan_id: str | None = None
    menit: int | None = None
    jam_mulai: dt.time | None = None
    jam_selesai: dt.time | None = None
    proses: bool = False
    evidence_url: str | None = None

    def __post_init__(self):
        self._check_kind()
        self._check_text_and_amount()
        self._check_time()
        if self.evidence_url is not None and not self.evidence_url.startswith(("https://", "http://")):
            raise InvalidArgument("must be an http(s) link", field="evidence_url")

    def _check_kind(self) -> None:
        if self.jenis not in JENIS:
            raise InvalidArgument(f"must be one of {', '.join(JENIS)}", field="jenis")
        if self.jenis == "skp" and not self.kegiatan_id:
            raise InvalidArgument("an SKP activity names the kegiatan it serves", field="kegiatan_id")
        if self.jenis != "skp" and self.kegiatan_id:
            raise InvalidArgument("only an SKP activity names a kegiatan", field="kegiatan_id")

    def _check_text_and_amount(self) -> None:
        if not self.uraian.strip():
            raise InvalidArgument("must not be empty", field="uraian")
        if len(self.uraian) > 1000:
            raise InvalidArgument("at most 1000 characters", field="uraian")
        if not self.kuantitas.is_finite() or self.kuantitas <= 0 or self.kuantitas > _MAX_KUANTITAS:
            raise InvalidArgument("must be a number greater than 0 and at most 100000", field="kuantitas")
        exponent = self.kuantitas.as_tuple().exponent  # an int: the amount is finite (checked above)
        if isinstance(exponent, int) and exponent < -2:
            raise InvalidArgument("at most 2 decimals", field="kuantitas")
        if not self.satuan.strip() or len(self.satuan) > 50:
            raise InvalidArgument("must be 1-50 characters", field="satuan")

    def _check_time(self) -> None:
        """jam_mulai and jam_selesai come together; they set menit (a menit given beside them must agree)."""
        if (self.jam_mulai is None) != (self.jam_selesai is None):
            raise InvalidArgument("give both jam_mulai and jam_selesai, or neither", field="jam_selesai")
        if self.jam_mulai is not None and self.jam_selesai is not None:
            if self.jam_selesai <= self.jam_mulai:
                raise InvalidArgument("must be after jam_mulai", field="jam_selesai")
            span = (dt.datetime.combine(self.tanggal, self.jam_selesai)
                    - dt.datetime.combine(self.tanggal, self.jam_mulai)).seconds // 60
            if self.menit is not None and self.menit != span:
                raise InvalidArgument(f"does not match jam_mulai-jam_selesai ({span} minutes)", field="menit")
            object.__setattr__(self, "menit", span)
        if self.menit is not None and not (0 < self.menit <= 24 * 60):
            raise InvalidArgument("must be between 1 and 1440", field="menit")


@dataclass
class Activity:
    """One daily activity report; every change goes through a method here so no illegal state is reachable."""

    activity_id: str
    nip: str
    penilai_nip: str | None
    content: ActivityContent
    state: str = DRAFT
    version: int = 1
    kuantitas_diakui: Decimal | None = None
    catatan: str | None = None
    reviewer_nip: str | None = None

    def _require(self, actor: str, role: str) -> None:
        if role == "owner" and actor != self.nip:
            raise PermissionDenied("only the employee may change its own entry", field="activity_id")
        if role == "penilai" and (self.penilai_nip is None or actor != self.penilai_nip):
            raise PermissionDenied("only the penilai recorded on the SKP may review this entry", field="activity_id")

    def _apply(self, action: str, actor: str) -> None:
        self.state = next_state(self.state, action)
        self.version += 1

    def edit(self, actor: str, content: ActivityContent) -> None:
        self._require(actor, "owner")
        next_state(self.state, "edit")
        if content.tanggal != self.content.tanggal:
            raise InvalidArgument("tanggal entri tidak dapat diubah; laporkan entri baru pada tanggal yang benar",
                                  field="tanggal")
        self.content = content
        self._apply("edit", actor)

    def send(self, actor: str) -> None:
        self._require(actor, "owner")
        self._apply("send", actor)

    def approve(self, actor: str, kuantitas_diakui: Decimal | None = None) -> None:
        self._require(actor, "penilai")
        next_state(self.state, "approve")
        if kuantitas_diakui is not None:
            if not kuantitas_diakui.is_finite() or kuantitas_diakui < 0 or kuantitas_diakui > self.content.kuantitas:
                raise InvalidArgument("must be between 0 and the claimed kuantitas", field="kuantitas_diakui")
        self.kuantitas_diakui = self.content.kuantitas if kuantitas_diakui is None else kuantitas_diakui
        self.reviewer_nip = actor
        self.catatan = None
        self._apply("approve", actor)

    def request_revision(self, actor: str, catatan: str) -> None:
        self._require(actor, "penilai")
        next_state(self.state, "request_revision")
        if not catatan or not catatan.strip():
            raise InvalidArgument("a revision request needs a note", field="catatan")
        self.catatan = catatan.strip()
        self.reviewer_nip = actor
        self._apply("request_revision", actor)

    def lock(self, actor: str) -> None:
        self._require(actor, "penilai")
        self._apply("lock", actor)

    def unlock(self, actor: str, reason: str) -> None:
        if not reason or not reason.strip():
            raise InvalidArgument("an unlock needs a reason", field="reason")
        self._apply("unlock", actor)

    def snapshot(self) -> dict:
        """A JSON-ready picture of the entry for the audit trail (before/after)."""
        c = {f.name: getattr(self.content, f.name) for f in dataclasses.fields(self.content)}  # values immutable
        out = {k: (str(v) if v is not None and not isinstance(v, (bool, int, str)) else v) for k, v in c.items()}
        out.update(state=self.state, version=self.version, reviewer_nip=self.reviewer_nip, catatan=self.catatan,
                   kuantitas_diakui=None if self.kuantitas_diakui is None else str(self.kuantitas_diakui))
        return out
