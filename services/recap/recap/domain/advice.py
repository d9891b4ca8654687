"""Recommendations as data: each names what it is about and carries the numbers that justify it.

Thresholds are parameters (with defaults here) so an instansi can tune them; the numbers are exact decimals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .achievement import mean, show

LOW_ACHIEVEMENT = Decimal(60)
TARGET_TOO_HIGH = Decimal(50)     # holders reach less than half of the target: the target is over-loaded
TARGET_TOO_LOW = Decimal(150)     # holders exceed it by half: the target is under-loaded
TREND_DROP = Decimal(10)
LENIENCY_GAP = Decimal(10)


@dataclass(frozen=True)
class Advice:
    kind: str
    subject: str        # unit_id, jabatan_id or a NIP (personal: hidden from operators)
    personal: bool
    message: str
    numbers: dict = field(default_factory=dict)


def low_achievement_units(unit_pcts: dict[str, list[Decimal]], threshold=LOW_ACHIEVEMENT) -> list[Advice]:
    """unit_pcts: {unit_id: [each employee's achievement %]}."""
    out = []
    overall = mean(p for values in unit_pcts.values() for p in values)
    for unit_id, values in sorted(unit_pcts.items()):
        unit_mean = mean(values)
        if unit_mean is not None and unit_mean < threshold:
            out.append(Advice("low_achievement_unit", unit_id, False,
                              f"unit achievement {show(unit_mean)}% is below {threshold}%",
                              {"achievement_pct": show(unit_mean), "employees": str(len(values)),
                               "threshold_pct": str(threshold), "instansi_mean_pct": show(overall)}))
    return out


def positions_without_skp(holders: dict[str, tuple[int, int]]) -> list[Advice]:
    """holders: {jabatan_id: (holders in the period, of whom without an approved SKP)}.

    recap sees SKP documents only once approved (skp publishes no template events), so a position whose holders
    have no approved SKP is what can be told: either it has no template or nobody got the targets agreed.
    """
    return [Advice("position_without_approved_skp", jabatan_id, False,
                   f"{missing} of {count} holder(s) of this position have no approved SKP for the period",
                   {"holders": str(count), "without_skp": str(missing)})
            for jabatan_id, (count, missing) in sorted(holders.items()) if missing]


def review_backlogs(backlog: dict[str, tuple[int, int]], max_days: int) -> list[Advice]:
    """backlog: {penilai_nip: (entries waiting longer than max_days, oldest age in days)}."""
    return [Advice("review_backlog", penilai, True,
                   f"{count} entries wait for review longer than {max_days} days",
                   {"entries": str(count), "oldest_days": str(oldest), "max_days": str(max_days)})
            for penilai, (count, oldest) in sorted(backlog.items()) if count]


def target_load(ratios: dict[str, list[Decimal]], too_high=TARGET_TOO_HIGH, too_low=TARGET_TOO_LOW) -> list[Advice]:
    """ratios: {jabatan_id: [each holder's realised / DES month target %]}. Only months whose target des states
    count (a month with target 0 has no percentage), so "too low" never comes from numbers des disagrees with."""
    out = []
    for jabatan_id, values in sorted(ratios.items()):
        avg = mean(values)
        if avg is None:
            continue
        if avg < too_high:
            out.append(Advice("target_overloaded", jabatan_id, False,
                              f"holders reach {show(avg)}% of their DES monthly targets on average: "
                              "targets look too high",
                              {"mean_pct": show(avg), "holders": str(len(values)), "threshold_pct": str(too_high)}))
        elif avg > too_low:
            out.append(Advice("target_underloaded", jabatan_id, False,
                              f"holders reach {show(avg)}% of their DES monthly targets on average: "
                              "targets look too low",
                              {"mean_pct": show(avg), "holders": str(len(values)), "threshold_pct": str(too_low)}))
    return out


def work_without_monthly_target(found: dict[tuple[str, str, str], tuple[Decimal, Decimal]]) -> list[Advice]:
    """found: {(nip, kegiatan_id, nama): (des month target, realised)} for kegiatan with work in a month whose DES
    target is 0 or not set. The percentage cannot be told; the monthly split in DES should be adjusted."""
    return [Advice("work_without_monthly_target", nip, True,
                   f"{show_qty(done)} realised for a kegiatan whose DES monthly target is {show_qty(target)}: "
                   "adjust the monthly targets in DES (des targets set)",
                   {"kegiatan_id": kegiatan_id, "kegiatan": nama, "month_target": show_qty(target),
                    "realised": show_qty(done)})
            for (nip, kegiatan_id, nama), (target, done) in sorted(found.items())]


def show_qty(value: Decimal) -> str:
    """A quantity without trailing zeros (12, 0.5)."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def trending_down(series: dict[str, list[Decimal | None]], drop=TREND_DROP) -> list[Advice]:
    """series: {nip: achievement % of the last months, oldest first}; flags a steady fall of at least `drop` points."""
    out = []
    for nip, values in sorted(series.items()):
        known = [v for v in values if v is not None]
        if len(known) < 3:
            continue
        falling = all(b < a for a, b in zip(known, known[1:], strict=False))
        if falling and known[0] - known[-1] >= drop:
            out.append(Advice("employee_trending_down", nip, True,
                              f"achievement fell from {show(known[0])}% to {show(known[-1])}%",
                              {"months": ",".join(show(v) for v in known), "drop_points": show(known[0] - known[-1])}))
    return out


def appraiser_bias(scores: dict[str, list[Decimal]], gap=LENIENCY_GAP) -> list[Advice]:
    """scores: {penilai_nip: nilai prestasi kerja they gave}; compares each with the mean of the other appraisers."""
    out: list[Advice] = []
    if len(scores) < 2:
        return out
    for penilai, given in sorted(scores.items()):
        peers = [s for other, values in scores.items() if other != penilai for s in values]
        mine, theirs = mean(given), mean(peers)
        if mine is None or theirs is None:
            continue
        difference = mine - theirs
        if abs(difference) >= gap:
            kind = "appraiser_lenient" if difference > 0 else "appraiser_severe"
            out.append(Advice(kind, penilai, True,
                              f"scores average {show(mine)} against {show(theirs)} from peer appraisers",
                              {"mean_score": show(mine), "peer_mean_score": show(theirs), "scored": str(len(given)),
                               "difference": show(difference)}))
    return out
