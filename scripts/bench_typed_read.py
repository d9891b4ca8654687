"""Whether recap's hot intake path (adapters/intake.py -> domain/projection.updates_of) can afford reading des's events
through the typed payloads: 10,000 activity_submitted bodies read by dict access (today) and with
`ActivitySubmitted.from_data` added; the platform's lenient check (done before dispatch anyway) for scale. Ratios of
one run; run: `.venv/bin/python scripts/bench_typed_read.py` (recap on the path: services/recap)."""
import sys
import timeit
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "recap"))

from ekinerja_events.des import ActivitySubmitted  # noqa: E402
from ekinerja_platform.envelope import Event  # noqa: E402
from recap.domain import projection  # noqa: E402

bodies = []
for _ in range(10_000):
    p = ActivitySubmitted.example()
    e = Event.of(p, nip=p.nip, instansi_id=p.instansi_id).envelope()
    e["data"]["activity_id"] = str(uuid.uuid4())
    bodies.append(e)

def dicts():
    for e in bodies:
        projection.updates_of(e)

def typed():
    for e in bodies:
        ActivitySubmitted.from_data(e["data"])
        projection.updates_of(e)

def check_only():
    for e in bodies:
        ActivitySubmitted.check_data(e["data"])

base = min(timeit.repeat(dicts, number=1, repeat=7))
for name, f in (("dict (today)", dicts), ("from_data + dict", typed), ("check_data (platform)", check_only)):
    best = min(timeit.repeat(f, number=1, repeat=7))
    print(f"{name:24s} {best * 1e3:7.1f} ms per 10k = {best * 100:5.1f} us/event  x{best / base:4.1f} of dict")
