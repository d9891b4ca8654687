"""The HTTP layer without services: security headers, CSRF on every POST, login required, error pages, the
client address chain handed to identity's login throttle."""
import pytest
from portal.entrypoints.app import create_app
from portal.entrypoints.web import client_chain
from portal.settings import SERVICES, PortalSettings
from starlette.testclient import TestClient

pytestmark = pytest.mark.unit


@pytest.fixture
def client():
    # nothing listens on these: pages that need a service or the database are not reached here
    settings = PortalSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                              **{f"{s}_target": "127.0.0.1:1" for s in SERVICES}, grpc_timeout_seconds=0.5,
                              session_keys=("unit-test-key",))
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


def test_login_page_has_csrf_labels_and_security_headers(client):
    reply = client.get("/masuk")
    assert reply.status_code == 200
    assert "default-src 'none'" in reply.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff" and reply.headers["cache-control"] == "no-store"
    assert 'name="csrf"' in reply.text and '<label for="user">' in reply.text and 'lang="id"' in reply.text
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie


def test_login_post_without_the_csrf_token_is_refused(client):
    reply = client.post("/masuk", data={"user": "x", "password": "y"})
    assert reply.status_code == 403 and "Akses ditolak" in reply.text


def test_empty_login_fields_are_named(client):
    token = client.get("/masuk").cookies.get("ek_csrf") or client.cookies.get("ek_csrf")
    reply = client.post("/masuk", data={"csrf": token, "user": "", "password": ""})
    assert reply.status_code == 401
    assert "NIP atau nama akun wajib diisi." in reply.text and "Kata sandi wajib diisi." in reply.text


@pytest.mark.parametrize("path", ["/", "/laporan", "/tim", "/skp", "/rekap", "/tanya", "/admin", "/laporan/x"])
def test_pages_need_a_session(client, path):
    reply = client.get(path, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/masuk?lanjut=")


def test_unknown_page_is_an_indonesian_404(client):
    reply = client.get("/tidak-ada")
    assert reply.status_code == 404 and "Halaman tidak ditemukan" in reply.text


def test_alive_and_metrics(client):
    assert client.get("/alive").text == "ok"
    client.get("/masuk")
    assert 'ekinerja_portal_request_seconds_count{method="GET",route="/masuk",status="200"}' in \
        client.get("/metrics").text


def test_client_chain_appends_the_peer_to_what_came_before():
    class Req:
        def __init__(self, forwarded, peer):
            self.headers = {"x-forwarded-for": forwarded} if forwarded else {}
            self.client = type("C", (), {"host": peer})()
    assert client_chain(Req("", "10.0.0.7")) == "10.0.0.7"
    assert client_chain(Req("203.0.113.9", "10.0.0.7")) == "203.0.113.9, 10.0.0.7"


def test_pages_and_static_files_are_gzipped_with_the_security_headers(client):
    """One layer compresses and sets the headers (EdgeMiddleware): a whole page in one piece with its length, a
    static file as it streams; a client that does not ask gets plain bytes."""
    import zlib

    page = client.get("/masuk", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.headers["vary"] == "Accept-Encoding"
    assert "default-src 'none'" in page.headers["content-security-policy"] and 'name="csrf"' in page.text
    raw = client.get("/masuk", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers and 'name="csrf"' in raw.text
    css = client.get("/static/portal.css", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip" and css.headers["cache-control"] == "public, max-age=86400"
    assert css.headers["x-content-type-options"] == "nosniff" and "body" in css.text

    streamed = []

    async def app(scope, receive, send):  # a body in two pieces, as a file streams
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/csv"), (b"content-length", b"1200")]})
        await send({"type": "http.response.body", "body": b"a;b\n" * 150, "more_body": True})
        await send({"type": "http.response.body", "body": b"c;d\n" * 150})

    async def send(message):
        streamed.append(message)

    async def run():
        from portal.entrypoints.http import EdgeMiddleware
        await EdgeMiddleware(app)({"type": "http", "path": "/x", "method": "GET",
                                   "headers": [(b"accept-encoding", b"gzip, br")]}, None, send)
    import asyncio
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as thread:  # its own thread: an earlier test of the run may leave a loop running here
        thread.submit(asyncio.run, run()).result()
    headers = dict(streamed[0]["headers"])
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    assert zlib.decompress(b"".join(m["body"] for m in streamed[1:]), 31) == b"a;b\n" * 150 + b"c;d\n" * 150


def test_a_range_of_a_file_is_sent_as_it_is(client):
    """A 206 answers a byte range of the file: compressing it would break the range the client asked for."""
    reply = client.get("/static/portal.css", headers={"accept-encoding": "gzip", "range": "bytes=0-599"})
    assert reply.status_code == 206 and "content-encoding" not in reply.headers and len(reply.content) == 600
    assert reply.headers["x-content-type-options"] == "nosniff"
