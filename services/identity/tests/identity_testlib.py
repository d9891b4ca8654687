"""Helpers shared by identity's integration tests (imported by absolute name; conftest puts this folder on the path)."""


from ekinerja_platform import clock, testing
from ekinerja_platform.testing import wait_for  # noqa: F401 - the suite's tests import it from here


def nip(index: int, gender: int = 1) -> str:
    """A valid NIP, distinct per index (up to 999 x 26 x 12 x 28 people)."""
    seq = index % 999 + 1
    rest = index // 999
    year = 1965 + rest % 30
    month = 1 + (rest // 30) % 12
    day = 1 + (rest // 360) % 28
    return f"{year:04d}{month:02d}{day:02d}{year + 24:04d}{month:02d}{gender}{seq:03d}"


scalar = testing.scalar


def today() -> str:
    return clock.today().isoformat()  # the service's day (WIB), not the container's


def packed(pb, messages, size: int = 5000):
    """One-record ImportPegawaiRequest messages regrouped `size` records per message (one transaction each)."""
    group = []
    for m in messages:
        kind = m.WhichOneof("record")
        group.append(pb.ImportPegawaiRecord(line=m.line, **{kind: getattr(m, kind)}))
        instansi_id = m.instansi_id
        if len(group) == size:
            yield pb.ImportPegawaiRequest(instansi_id=instansi_id, records=group)
            group = []
    if group:
        yield pb.ImportPegawaiRequest(instansi_id=instansi_id, records=group)
