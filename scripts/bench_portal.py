"""The portal's "Hari ini" page under 50 concurrent signed-in sessions, beside the same page's gRPC calls made
directly in the same run.

    .venv/bin/python scripts/bench_portal.py [--sessions 50] [--pages 1000]

Starts an isolated stack (the five services as processes on fresh databases and vhost, a small agency with an
approved SKP, a few plans and reports: services/portal/tests/browser/portal_stack.py) and the portal on a free port.
Signs in `--sessions` times (each its own session and tokens), then loads "Hari ini" `--pages` times with that many
in flight, and makes the page's des call (GetDay: the day's plans and reports, the month's targets with their
totals; once three calls) `--pages` times with the same concurrency straight from a grpc.aio client. Prints
requests/s, p50 and p95 of both and the portal's added share. Goals (issue 18): p95 ≤ 200 ms, the portal adds
≤ 30 % to the direct calls' time. Both clients run in this process, on the same machine as everything else:
compare ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import grpc
import httpx

from ekinerja_platform import testing

REPO = testing.REPO_ROOT
sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "services" / "portal" / "tests" / "browser")]

from e2e_lib import Stack, des_today  # noqa: E402
from portal_stack import PortalProcess, seed  # noqa: E402


async def sign_in(client: httpx.AsyncClient, user: str, password: str) -> str:
    page = await client.get("/masuk")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    reply = await client.post("/masuk", data={"csrf": csrf, "user": user, "password": password, "lanjut": "/"},
                              headers={"cookie": f"ek_csrf={page.cookies.get('ek_csrf') or csrf}"})
    assert reply.status_code == 303, reply.text[:500]
    return re.search(r"ek_sesi=([^;]+)", reply.headers["set-cookie"]).group(1)


TIMEOUT = 120  # seconds, both paths: on a loaded machine a page may wait long, and must still be counted


class PageClient:
    """One keep-alive HTTP/1.1 connection per session, as a browser holds one, asking for gzip as a browser does.

    The direct path's client is grpc.aio, whose work is done in C; httpx spent ~10 ms of this process's CPU on each
    page (parsing, decompressing), as much as des spent answering, and that was counted as the portal's. This
    client reads the status line, the headers and Content-Length bytes, and checks the page once, in the warm-up."""

    def __init__(self, base: str, cookie: str):
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.request = (f"GET / HTTP/1.1\r\nhost: {host}:{port}\r\naccept-encoding: gzip\r\n"
                        f"cookie: ek_sesi={cookie}\r\n\r\n").encode()
        self.reader = self.writer = None

    async def get(self) -> tuple[int, bytes, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, body, headers

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (/proc/<pid>/stat utime, stime): unlike latency, barely moved
    by what else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PROFILE_DIR: Path | None = None  # --profile: py-spy samples of each process during each measured run


def start_profiles(pids: dict, label: str) -> list:
    if PROFILE_DIR is None:
        return []
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking",
                              "--output", str(PROFILE_DIR / f"{label}-{name}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name, pid in pids.items()]


def stop_profiles(spies: list) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for spy in spies:
        spy.wait(60)


async def cpu_per_page(pids: dict, pages: int, run, label: str) -> tuple[object, dict]:
    """`await run()`, and the CPU milliseconds per page it cost each process (`client`: this one)."""
    spies = start_profiles(pids, label)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    client = time.process_time()
    result = await run()
    stop_profiles(spies)
    used = {name: (cpu_seconds(pid) - before[name]) * 1000 / pages for name, pid in pids.items()}
    used["client"] = (time.process_time() - client) * 1000 / pages
    return result, used


async def timed(n: int, concurrency: int, one) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker(w: int):
        for _ in queue:
            started = time.perf_counter()
            await one(w)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, time.perf_counter() - started


def summary(name: str, latencies: list[float], elapsed: float) -> dict:
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    row = {"rps": len(latencies) / elapsed, "p50": statistics.median(ordered) * 1000, "p95": p95 * 1000,
           "mean": statistics.mean(ordered) * 1000}
    print(f"{name:28} {row['rps']:8.1f} req/s   p50 {row['p50']:7.1f} ms   p95 {row['p95']:7.1f} ms   "
          f"mean {row['mean']:7.1f} ms")
    return row


async def bench(base: str, des_target: str, people: dict, sessions: int, pages: int, pids: dict,
                rounds: int) -> None:
    from ekinerja.des.v1 import des_pb2, des_pb2_grpc
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc

    staf, password = people["staf"], people["password"]
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT) as client:
        cookies = [await sign_in(client, staf.nip, password) for _ in range(sessions)]
    browsers = [PageClient(base, cookie) for cookie in cookies]

    async def checked_page(w: int):
        status, body, headers = await browsers[w].get()
        text = (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body).decode()
        assert status == 200 and "Hari ini" in text, status
        if PROFILE_DIR is not None and w == 0:
            (PROFILE_DIR / "hari-ini.html").write_text(text)  # what the portal renders and compresses

    async def portal_page(w: int):
        status, _, _ = await browsers[w].get()
        assert status == 200, status

    channel = grpc.aio.insecure_channel(des_target)
    identity_channel = grpc.aio.insecure_channel(people["identity_target"])
    identity = identity_pb2_grpc.IdentityServiceStub(identity_channel)
    # one sign-in per worker, as the portal holds one per session: des sees as many distinct tokens either way
    logins = [await identity.Login(identity_pb2.LoginRequest(user=staf.nip, password=password), timeout=TIMEOUT)
              for _ in range(sessions)]
    des = des_pb2_grpc.DesServiceStub(channel)
    mds = [[("authorization", f"Bearer {login.access_token}")] for login in logins]
    tanggal = des_today().isoformat()

    async def direct_page(w: int):
        day = await des.GetDay(des_pb2.GetDayRequest(tanggal=tanggal), metadata=mds[w], timeout=TIMEOUT)
        assert day.skp_id and day.kegiatan, day

    if PROFILE_DIR is not None:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    # warm-up: pools, channels, templates; every page checked
    await timed(sessions * 2, sessions, checked_page)
    await timed(sessions * 2, sessions, direct_page)
    # the two paths take turns (direct, portal, portal, direct, ...) so that both see the same drift of a shared
    # machine's load; each path's figures are over all of its rounds
    paths = {"direct": ({"des": pids["des"]}, direct_page), "portal": (pids, portal_page)}
    latencies = {name: [] for name in paths}
    elapsed = dict.fromkeys(paths, 0.0)
    cpu = {name: {} for name in paths}
    share = pages // rounds
    for n in range(rounds):
        for name in (("direct", "portal") if n % 2 == 0 else ("portal", "direct")):
            watched, one = paths[name]
            (lat, took), used = await cpu_per_page(watched, share, lambda one=one: timed(share, sessions, one),
                                                   f"{name}-{n}")
            latencies[name] += lat
            elapsed[name] += took
            for process, ms in used.items():
                cpu[name][process] = cpu[name].get(process, 0.0) + ms / rounds
    for browser in browsers:
        await browser.close()
    await channel.close()
    await identity_channel.close()

    print(f"\n{sessions} concurrent sessions, {share * rounds} page loads each way in {rounds} alternating rounds")
    d = summary("direct gRPC (des GetDay)", latencies["direct"], elapsed["direct"])
    p = summary("portal GET / (Hari ini)", latencies["portal"], elapsed["portal"])
    print(f"\nportal adds {100 * (p['mean'] / d['mean'] - 1):.0f} % to the direct calls' mean time "
          f"({100 * (p['p50'] / d['p50'] - 1):.0f} % at p50, {100 * (p['p95'] / d['p95'] - 1):.0f} % at p95); "
          f"goal ≤ 30 %. portal p95 {p['p95']:.0f} ms (goal ≤ 200 ms)")
    print("\nCPU ms per page: " + "   ".join(
        f"{path}: " + ", ".join(f"{name} {ms:.2f}" for name, ms in used.items()) + f" (total {sum(used.values()):.2f})"
        for path, used in cpu.items()))
    print(f"portal adds {100 * (sum(cpu['portal'].values()) / sum(cpu['direct'].values()) - 1):.0f} % to the direct "
          f"calls' CPU per page (what bounds requests/s when the cores are busy)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each path")
    parser.add_argument("--profile", type=Path, help="write py-spy raw profiles of each measured run here")
    args = parser.parse_args()
    global PROFILE_DIR
    PROFILE_DIR = args.profile
    amqp = testing.create_vhost()
    stack = Stack(amqp, REPO / "build" / f"bench-portal-keys-{uuid.uuid4().hex[:6]}")
    stack.key_dir.mkdir(parents=True, exist_ok=True)
    portal = None
    try:
        stack.start()
        people = seed(stack, activities=5)
        people["identity_target"] = stack.processes["identity"].target
        portal = PortalProcess(stack)
        portal.env["EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS"] = str(TIMEOUT)  # the direct client's
        portal.start(wait=300)  # a loaded machine migrates and starts slowly
        pids = {"portal": portal.process.pid, "des": stack.processes["des"].process.pid}
        asyncio.run(bench(portal.url, stack.processes["des"].target, people, args.sessions, args.pages, pids,
                          args.rounds))
    finally:
        if portal:
            portal.stop()
        stack.stop()
        testing.delete_vhost(amqp)
        import shutil
        shutil.rmtree(stack.key_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
