"""The session store against a real PostgreSQL database (the portal's own, freshly migrated)."""
import asyncio
import concurrent.futures
import time

import pytest
import sqlalchemy as sa
from portal.adapters.sessions import SessionStore, Tokens, hash_id
from portal.adapters.token_cipher import TokenCipher

from ekinerja_platform import testing

pytestmark = pytest.mark.integration


@pytest.fixture
def store_url():
    url = testing.migrated_database("portal")
    yield url
    testing.drop_database(url)


CIPHER = TokenCipher(["integration-test-key"])


def run(coro):
    """In a thread of its own: Playwright's sync API (browser tests in the same session) keeps a loop running here."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_the_table_keeps_only_a_hash_of_the_cookie_and_sessions_expire(store_url):
    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=2, cache_seconds=0)
        try:
            session_id, web = await store.create(Tokens("a1", "r1", int(time.time()) + 600,
                                                        int(time.time()) + 7200), {"nip": "1", "roles": ["pegawai"]})
            async with store.engine.connect() as conn:
                ids = (await conn.execute(sa.text("SELECT id_hash FROM portal_sessions"))).scalars().all()
            assert ids == [hash_id(session_id)] and session_id not in ids
            loaded = await store.load(session_id)
            assert loaded.tokens.access_token == "a1" and loaded.csrf_token == web.csrf_token
            assert await store.load("forged") is None
            async with store.engine.begin() as conn:
                await conn.execute(sa.text("UPDATE portal_sessions SET expires_at = now() - interval '1 second'"))
            assert await store.load(session_id) is None
        finally:
            await store.close()
    run(scenario())


def test_concurrent_requests_spend_the_refresh_token_once(store_url):
    """Identity revokes a refresh token when it is used: two requests of one session refreshing together must not
    both use it (fails without the row lock — checked)."""
    calls = []

    async def refresher(refresh_token):
        calls.append(refresh_token)
        await asyncio.sleep(0.2)
        n = len(calls)
        return Tokens(f"a{n + 1}", f"r{n + 1}", int(time.time()) + 600, int(time.time()) + 7200)

    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=4)
        try:
            session_id, _ = await store.create(Tokens("a1", "r1", int(time.time()) + 10, int(time.time()) + 7200),
                                               {"nip": "1"})
            web1, web2 = await store.load(session_id), await store.load(session_id)
            results = await asyncio.gather(store.refresh(web1, 60, refresher), store.refresh(web2, 60, refresher))
            assert calls == ["r1"]
            assert {r.tokens.access_token for r in results} == {"a2"}
            assert (await store.load(session_id)).tokens.refresh_token == "r2"
        finally:
            await store.close()
    run(scenario())


def test_a_refused_refresh_ends_the_session(store_url):
    async def refused(refresh_token):
        raise RuntimeError("revoked")

    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=2)
        try:
            session_id, web = await store.create(Tokens("a1", "r1", int(time.time()) + 5, int(time.time()) + 7200),
                                                 {})
            assert await store.refresh(web, 60, refused) is None
            assert await store.load(session_id) is None
        finally:
            await store.close()
    run(scenario())


def test_a_read_session_is_cached_briefly_and_a_sign_out_drops_it_at_once(store_url):
    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=2, cache_seconds=60)
        try:
            session_id, _ = await store.create(Tokens("a1", "r1", int(time.time()) + 600, int(time.time()) + 7200),
                                               {})
            web = await store.load(session_id)
            async with store.engine.begin() as conn:
                await conn.execute(sa.text("UPDATE portal_sessions SET csrf_token = 'changed'"))
            assert (await store.load(session_id)).csrf_token == web.csrf_token, "served from the cache"
            await store.delete(web)
            assert await store.load(session_id) is None
        finally:
            await store.close()
    run(scenario())


def test_tokens_are_encrypted_at_rest_and_a_rotated_key_still_opens_them(store_url):
    """Fails without the cipher: the row would hold the tokens as given."""
    access, refresh = "eyJ-access-" + "x" * 40, "refresh-" + "y" * 40

    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=2, cache_seconds=0)
        rotated = SessionStore.from_url(store_url, ttl_seconds=3600, pool_size=2, cache_seconds=0,
                                        cipher=TokenCipher(["a-newer-key", "integration-test-key"]))
        stranger = SessionStore.from_url(store_url, ttl_seconds=3600, pool_size=2, cache_seconds=0,
                                         cipher=TokenCipher(["someone-elses-key"]))
        try:
            session_id, _ = await store.create(Tokens(access, refresh, int(time.time()) + 600,
                                                      int(time.time()) + 7200), {"nip": "1"})
            async with store.engine.connect() as conn:
                row = (await conn.execute(sa.text("SELECT * FROM portal_sessions"))).mappings().one()
            dump = " ".join(str(v) for v in row.values())
            assert access not in dump and refresh not in dump and "access" not in dump
            loaded = await rotated.load(session_id)
            assert (loaded.tokens.access_token, loaded.tokens.refresh_token) == (access, refresh)
            assert await stranger.load(session_id) is None, "a key not configured opens nothing: sign in again"

            async def renew(old):
                return Tokens("a2", "r2", int(time.time()) + 600, int(time.time()) + 7200)
            renewed = await rotated.refresh(loaded, 10**6, renew)
            assert renewed.tokens.access_token == "a2"
            async with store.engine.connect() as conn:
                sealed = (await conn.execute(sa.text("SELECT access_token FROM portal_sessions"))).scalar_one()
            assert sealed.startswith("v1.") and "a2" != sealed
            assert TokenCipher(["a-newer-key"]).open(sealed, hash_id(session_id)) == "a2", \
                "a renewal re-encrypts with the first (newest) key"
        finally:
            for s in (store, rotated, stranger):
                await s.close()
    run(scenario())


def test_expired_sessions_are_purged_and_live_ones_kept(store_url):
    """Fails without purge_expired: expired rows (with their encrypted tokens) would stay forever."""
    async def scenario():
        store = SessionStore.from_url(store_url, ttl_seconds=3600, cipher=CIPHER, pool_size=2, cache_seconds=0)
        try:
            ids = [(await store.create(Tokens(f"a{i}", f"r{i}", int(time.time()) + 600, int(time.time()) + 7200),
                                       {}))[0] for i in range(5)]
            async with store.engine.begin() as conn:
                await conn.execute(sa.text("UPDATE portal_sessions SET expires_at = now() - interval '1 minute' "
                                           "WHERE id_hash <> :keep"), {"keep": hash_id(ids[0])})
            assert await store.purge_expired(batch=2) == 4
            async with store.engine.connect() as conn:
                left = (await conn.execute(sa.text("SELECT id_hash FROM portal_sessions"))).scalars().all()
            assert left == [hash_id(ids[0])]
            assert (await store.load(ids[0])).tokens.access_token == "a0"
        finally:
            await store.close()
    run(scenario())


def test_the_running_portal_purges_expired_sessions_on_its_timer(store_url):
    """Fails without the purge task: the expired row would stay until somebody signs in."""
    from portal.entrypoints.app import Portal
    from portal.settings import SERVICES, PortalSettings

    async def scenario():
        settings = PortalSettings(database_url=store_url, **{f"{s}_target": "127.0.0.1:1" for s in SERVICES},
                                  session_keys=("integration-test-key",), session_purge_seconds=3600, db_pool_size=2)
        portal = Portal(settings)
        store = portal.sessions
        await store.create(Tokens("a1", "r1", int(time.time()) + 600, int(time.time()) + 7200), {})
        async with store.engine.begin() as conn:
            await conn.execute(sa.text("UPDATE portal_sessions SET expires_at = now() - interval '1 minute'"))
        await portal.start()  # the first round runs at start, then every session_purge_seconds
        try:
            for _ in range(200):
                async with store.engine.connect() as conn:
                    left = (await conn.execute(sa.text("SELECT count(*) FROM portal_sessions"))).scalar_one()
                if left == 0:
                    break
                await asyncio.sleep(0.05)
            assert left == 0
        finally:
            await portal.close()
    run(scenario())
