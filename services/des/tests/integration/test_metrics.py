"""des's business metrics on its /metrics (issue 20.1): reports sent for review are counted once committed, on the
joined-write path too, drafts are not; the review backlog gauge counts per agency the reports waiting more than 3
days, refreshed on a timer; no label carries a NIP."""
import uuid

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


def samples(des_service, family: str) -> list:
    text = requests.get(f"http://127.0.0.1:{des_service.http_port}/metrics", timeout=5).text
    return [s for f in text_string_to_metric_families(text) if f.name == family for s in f.samples]


def figure(des_service, family: str, name: str, instansi: str) -> float:
    return sum(s.value for s in samples(des_service, family) if s.name == name and s.labels["instansi"] == instansi)


def test_submitted_counter_and_review_backlog(world, stub, pb, des_service, des_db):
    m = pb[0]
    instansi = f"i-met-{uuid.uuid4().hex[:8]}"
    nip, penilai = world.new_nip(), world.new_nip()
    _, kegiatan = world.approve_skp(nip, penilai, instansi=instansi)
    me = world.token(nip, instansi=instansi)
    day = world.today().isoformat()

    def report(uraian, draft=False):
        return stub.SubmitActivity(m.SubmitActivityRequest(draft=draft, activity=m.ActivityInput(
            kegiatan_id=kegiatan[0]["kegiatan_id"], tanggal=day, uraian=uraian, kuantitas="1")), metadata=me, timeout=5)

    first = report("konsep pertama")  # reads the day's context, writes on its own
    second = report("konsep kedua")  # the context is cached: joins the group-committed write
    draft = report("konsep draf", draft=True)
    total = "ekinerja_des_activities_submitted_total"
    assert figure(des_service, "ekinerja_des_activities_submitted", total, instansi) == 2
    stub.SendActivity(m.SendActivityRequest(activity_id=draft.activity_id, expected_version=draft.version),
                      metadata=me, timeout=5)
    assert figure(des_service, "ekinerja_des_activities_submitted", total, instansi) == 3
    for sample in samples(des_service, "ekinerja_des_activities_submitted"):
        assert set(sample.labels) <= {"instansi", "source"}

    # two reports have waited four days; the third is fresh
    engine = sa.create_engine(des_db)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE activities SET submitted_at = now() - interval '4 days' "
                             "WHERE instansi_id = :i AND activity_id IN (:a, :b)"),
                     {"i": instansi, "a": first.activity_id, "b": second.activity_id})
    engine.dispose()
    backlog = "ekinerja_des_review_backlog"
    assert testing.wait_for(lambda: figure(des_service, backlog, backlog, instansi) == 2, timeout=20)
    for sample in samples(des_service, backlog):
        assert set(sample.labels) == {"instansi"}


def test_a_report_counts_only_when_its_transaction_commits(des_db):
    from prometheus_client import REGISTRY
    from sqlalchemy.orm import sessionmaker

    from des import metrics

    instansi = f"i-tx-{uuid.uuid4().hex[:8]}"

    def counted():
        labels = {"instansi": instansi, "source": "api"}
        return REGISTRY.get_sample_value("ekinerja_des_activities_submitted_total", labels) or 0

    engine = sa.create_engine(des_db)
    maker = sessionmaker(engine)
    with pytest.raises(RuntimeError):
        with maker.begin() as session:
            session.execute(sa.text("SELECT 1"))
            metrics.submitted_on_commit(session, instansi, "api", 2)
            raise RuntimeError("rolled back")
    assert counted() == 0
    with maker.begin() as session:
        session.execute(sa.text("SELECT 1"))
        metrics.submitted_on_commit(session, instansi, "api", 2)
        assert counted() == 0, "not before the commit"
    assert counted() == 2
    engine.dispose()
