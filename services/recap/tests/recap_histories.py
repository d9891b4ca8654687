"""Hypothesis strategy shared by the pure property tests and the SQL intake tests: des event histories."""
import datetime as dt

import recap_events as ev
from hypothesis import strategies as st

NIPS = ("198001012005011001", "198502022010012002")
UNITS = ("u-a", "u-b")


@st.composite
def activity_histories(draw):
    """Events of a few activities as des would publish them (versions rising per activity), plus plans and locks."""
    events = []
    for index in range(draw(st.integers(1, 6))):
        activity_id = f"a{index}"
        nip = draw(st.sampled_from(NIPS))
        unit = draw(st.sampled_from(UNITS))
        day = (dt.date(2025, 1, 27) + dt.timedelta(days=draw(st.integers(0, 40)))).isoformat()
        kegiatan = draw(st.sampled_from(["k1", "k2"]))
        qty = draw(st.integers(1, 5))
        proses = draw(st.booleans())
        common = dict(activity_id=activity_id, nip=nip, instansi_id="i-1", unit_id=unit, tanggal=day, skp_id="s1",
                      kegiatan_id=kegiatan)
        events.append(ev.activity_submitted(**common, kuantitas=qty, menit=30 * qty, proses=proses, version=1))
        version = 1
        for step in draw(st.lists(st.sampled_from(["revise", "approve"]), max_size=3)):
            version += 1
            if step == "revise":
                events.append(ev.revision_requested(activity_id, nip, "i-1", unit, day, version=version))
                version += 1
                events.append(ev.activity_submitted(**common, kuantitas=qty, menit=30 * qty, proses=proses,
                                                    version=version))
            else:
                events.append(ev.activity_reviewed(**common, diakui=draw(st.integers(0, qty)), menit=30 * qty,
                                                   proses=proses, version=version))
        if draw(st.booleans()):
            events.append(ev.period_locked(nip, "i-1", "s1", [activity_id], day))
    for _ in range(draw(st.integers(0, 4))):
        day = (dt.date(2025, 1, 27) + dt.timedelta(days=draw(st.integers(0, 40)))).isoformat()
        events.append(ev.plan_submitted(draw(st.sampled_from(NIPS)), "i-1", draw(st.sampled_from(UNITS)), day,
                                        "s1", "k1", draw(st.integers(1, 3))))
    return events
