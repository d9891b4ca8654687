"""Loading the curated knowledge base (`knowledge/entries.yaml`) into the database, idempotently.

Each file entry becomes an entry whose versions are written by `seed:entries.yaml`. Running the seed again adds a
version only when the file's content for that entry changed; it is published directly when the published version
is the seed's own (the file is reviewed in the repository), and left as a draft for the experts when they have
published their own edit since (so a file change never silently overwrites an expert's answer).
"""
from __future__ import annotations

import sqlalchemy as sa

from .adapters import repository as repo
from .adapters import tables as t
from .domain import entries as dom


def seed(session, file_entries) -> dict:
    counts = {"created": 0, "published": 0, "drafted": 0, "unchanged": 0}
    for item in file_entries:
        content = dom.validate_content(dom.EntryContent(
            judul=item.judul, pertanyaan=tuple(item.pertanyaan), jawaban=item.jawaban, kelompok=tuple(item.kelompok),
            rujukan=item.rujukan, ruleset=item.ruleset, tags=tuple(item.tags)))
        entry_id = dom.validate_entry_id(item.id)
        row = repo.lock_entry(session, entry_id)
        if row is None:
            repo.create_entry(session, entry_id, content.kelompok)
            repo.add_version(session, entry_id, 1, content, author=dom.SEED_AUTHOR)
            repo.publish_version(session, entry_id, 1, dom.SEED_AUTHOR, update_stats=False)
            counts["created"] += 1
            continue
        seeded = session.execute(sa.select(t.entry_versions.c.fingerprint).where(
            t.entry_versions.c.entry_id == entry_id, t.entry_versions.c.author == dom.SEED_AUTHOR)
            .order_by(t.entry_versions.c.version.desc()).limit(1)).scalar()
        if seeded == content.fingerprint():
            counts["unchanged"] += 1
            continue
        version = row.latest_version + 1
        repo.add_version(session, entry_id, version, content, author=dom.SEED_AUTHOR)
        published = repo.get_version(session, entry_id, row.published_version) if row.published_version else None
        if published is None or published.author == dom.SEED_AUTHOR:
            repo.publish_version(session, entry_id, version, dom.SEED_AUTHOR, update_stats=False)
            counts["published"] += 1
        else:
            counts["drafted"] += 1
    if counts["created"] or counts["published"]:
        repo.rebuild_search_statistics(session)
    return counts


def seed_from_file(session, path=None) -> dict:
    from .knowledge import ENTRIES_PATH, load_entries
    return seed(session, load_entries(path or ENTRIES_PATH))


def main() -> int:
    from sqlalchemy.orm import Session

    from ekinerja_platform.db import connect_args
    from ekinerja_platform.settings import exit_on_missing, load_settings
    settings = exit_on_missing(load_settings)("snowman", require_jwks=False)
    engine = sa.create_engine(settings.sqlalchemy_url, connect_args=connect_args())
    with Session(engine) as session, session.begin():
        counts = seed_from_file(session)
    engine.dispose()
    print("snowman seed: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
