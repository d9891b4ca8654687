"""The portal's "Hari ini" page under 50 concurrent signed-in sessions, beside the same page's gRPC calls made
directly in the same run.

    .venv/bin/python scripts/bench_portal.py [--sessions 50] [--pages 1000] [--rounds 4]
                                             [--think 1.0] [--think-pages 2000] [--des-processes 2]

Starts an isolated stack (the five services as processes on fresh databases and vhost, a small agency with an
approved SKP, a few plans and reports: services/portal/tests/browser/portal_stack.py) and the portal on a free port.
Signs in `--sessions` times (each its own session and tokens), then loads "Hari ini" and, straight from a grpc.aio
client, makes the page's des call (GetDay: the day's plans and reports, the month's targets with their totals),
under two load models, the paths taking turns in `--rounds` rounds:

- **closed loop** (`--pages` each way): every session asks for its next page the moment the last one arrives, so
  `--sessions` pages are always in flight. This measures throughput (requests/s); its latency is set by Little's
  law (mean = sessions ÷ requests/s) whatever the code does.
- **sessions with think time** (`--think-pages` each way, `--think` seconds mean, exponential; 0 skips it): each
  session waits between pages as a person does. 50 people with the page open do not reload it back to back; 1 s
  is a pessimistic bound (a person reading, typing a report or a quick-entry line takes far longer), so this is
  still a heavy load: ~50 pages/s from 50 people.

`--des-processes N` (N > 1) starts N-1 more des processes on des's port (SO_REUSEPORT: the kernel spreads new
connections over them) and adds two paths: the direct client and a second portal (`EKINERJA_PORTAL_GRPC_CHANNELS`
= 4N) spreading their calls over 4N connections; the "×1" paths hold one connection, i.e. one des process serves
them. Prints requests/s, p50/p95/mean per path and model, the portal's added share against the direct path with the
same des processes, the ×N ÷ ×1 ratios, the CPU ms per page of each process, and the load average. Goals
(issue 18): p95 ≤ 200 ms, the portal adds ≤ 30 % to the direct calls' time. Both clients run in this process, on the
same machine as everything else: compare ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
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
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.request)
        try:
            head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            await self.close()
            if reused and not getattr(error, "partial", b""):  # the server closed an idle keep-alive connection:
                return await self.get()                        # a browser sends the GET again on a new one
            raise
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


async def timed(n: int, concurrency: int, one, think: float = 0.0) -> tuple[list[float], float]:
    """`n` calls of `one(worker)` by `concurrency` workers; `think` > 0: each worker waits an exponentially
    distributed time of that mean before each page (a person reading the last one; the first wait staggers the
    sessions' start), seeded so every path waits alike."""
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker(w: int):
        pause = random.Random(w)
        for _ in queue:
            if think:
                await asyncio.sleep(pause.expovariate(1 / think))
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


def adds(p: dict, d: dict) -> str:
    return " / ".join(f"{100 * (p[k] / d[k] - 1):+.0f} %" for k in ("mean", "p50", "p95"))


async def measure(paths: dict, pids: dict, pages: int, sessions: int, rounds: int, think: float, model: str) -> dict:
    """Each path `pages` times over `rounds` rounds, the paths taking turns (reversed every other round) so all see
    the same drift of a shared machine's load; latencies, elapsed time and CPU ms per page of every process."""
    results = {name: {"latencies": [], "elapsed": 0.0, "cpu": {}} for name in paths}
    share = pages // rounds
    for n in range(rounds):
        for name in (list(paths) if n % 2 == 0 else list(reversed(paths))):
            one = paths[name]
            (lat, took), used = await cpu_per_page(pids, share, lambda one=one: timed(share, sessions, one, think),
                                                   f"{model}-{name}-{n}")
            results[name]["latencies"] += lat
            results[name]["elapsed"] += took
            for process, ms in used.items():
                results[name]["cpu"][process] = results[name]["cpu"].get(process, 0.0) + ms / rounds
    return results


def report(title: str, results: dict, replicas: int) -> None:
    print(f"\n{title}  (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    rows = {name: summary(name, r["latencies"], r["elapsed"]) for name, r in results.items()}
    for suffix in ["×1"] + ([f"×{replicas}"] if replicas > 1 else []):
        p, d = rows[f"portal {suffix}"], rows[f"direct {suffix}"]
        print(f"portal {suffix} adds {adds(p, d)} to direct {suffix} (mean / p50 / p95; goal ≤ 30 %); "
              f"portal p95 {p['p95']:.0f} ms (goal ≤ 200 ms)")
    if replicas > 1:
        for path in ("direct", "portal"):
            a, b = rows[f"{path} ×1"], rows[f"{path} ×{replicas}"]
            print(f"{path}: ×{replicas} ÷ ×1 requests/s {b['rps'] / a['rps']:.2f}, mean {b['mean'] / a['mean']:.2f}, "
                  f"p95 {b['p95'] / a['p95']:.2f}")
    for name, r in results.items():
        used = {k: v for k, v in r["cpu"].items() if v >= 0.05}
        print(f"CPU ms per page, {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in used.items())
              + f" (total {sum(used.values()):.2f})")


async def portal_browsers(portals: dict, people: dict, sessions: int) -> dict:
    """Per portal, `sessions` page clients, each signed in on its own (its own session and tokens)."""
    limits = httpx.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    browsers = {}
    for name, base in portals.items():
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT) as client:
            cookies = [await sign_in(client, people["staf"].nip, people["password"]) for _ in range(sessions)]
        browsers[name] = [PageClient(base, cookie) for cookie in cookies]
    return browsers


def portal_page(browsers: list, checked: bool = False):
    async def one(w: int):
        status, body, headers = await browsers[w].get()
        assert status == 200, status
        if checked:  # the warm-up's pages are decoded and read
            text = (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body).decode()
            assert "Hari ini" in text, text[:300]
            if PROFILE_DIR is not None and w == 0:
                (PROFILE_DIR / "hari-ini.html").write_text(text)  # what the portal renders and compresses
    return one


async def direct_clients(des_target: str, people: dict, sessions: int, replicas: int) -> tuple[dict, list]:
    """The direct paths ("×1": one connection; "×N": 4N, each its own TCP connection by its own subchannel pool,
    landing on a des process as the kernel spreads them), and the channels to close."""
    from ekinerja.des.v1 import des_pb2, des_pb2_grpc
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc

    identity_channel = grpc.aio.insecure_channel(people["identity_target"])
    identity = identity_pb2_grpc.IdentityServiceStub(identity_channel)
    # one sign-in per worker, as the portal holds one per session: des sees as many distinct tokens either way
    logins = [await identity.Login(identity_pb2.LoginRequest(user=people["staf"].nip, password=people["password"]),
                                   timeout=TIMEOUT) for _ in range(sessions)]
    mds = [[("authorization", f"Bearer {login.access_token}")] for login in logins]
    tanggal = des_today().isoformat()
    own = [("grpc.use_local_subchannel_pool", 1)]
    channels = {"×1": [grpc.aio.insecure_channel(des_target)]}
    if replicas > 1:
        channels[f"×{replicas}"] = [grpc.aio.insecure_channel(des_target, options=own) for _ in range(4 * replicas)]

    def direct_page(group: list):
        stubs = [des_pb2_grpc.DesServiceStub(channel) for channel in group]

        async def one(w: int):
            day = await stubs[w % len(stubs)].GetDay(des_pb2.GetDayRequest(tanggal=tanggal), metadata=mds[w],
                                                     timeout=TIMEOUT)
            assert day.skp_id and day.kegiatan, day
        return one

    paths = {suffix: direct_page(group) for suffix, group in channels.items()}
    return paths, [identity_channel, *(channel for group in channels.values() for channel in group)]


async def bench(portals: dict, des_target: str, people: dict, args, pids: dict) -> None:
    sessions, replicas = args.sessions, args.des_processes
    browsers = await portal_browsers(portals, people, sessions)
    direct, channels = await direct_clients(des_target, people, sessions, replicas)
    if PROFILE_DIR is not None:
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    paths = {}
    for suffix in direct:
        paths[f"direct {suffix}"] = direct[suffix]
        paths[f"portal {suffix}"] = portal_page(browsers[suffix])
        # warm-up: pools, channels, templates; every page checked
        await timed(sessions * 2, sessions, portal_page(browsers[suffix], checked=True))
        await timed(sessions * 2, sessions, direct[suffix])

    closed = await measure(paths, pids, args.pages, sessions, args.rounds, 0.0, "closed")
    report(f"closed loop: {sessions} sessions, no think time, {args.pages // args.rounds * args.rounds} pages per "
           f"path in {args.rounds} alternating rounds", closed, replicas)
    if args.think > 0:
        thinking = await measure(paths, pids, args.think_pages, sessions, args.rounds, args.think, "think")
        report(f"sessions with think time: {sessions} sessions, {args.think:g} s mean think time (exponential), "
               f"{args.think_pages // args.rounds * args.rounds} pages per path in {args.rounds} alternating rounds",
               thinking, replicas)
    for group in browsers.values():
        for browser in group:
            await browser.close()
    for channel in channels:
        await channel.close()


def start_des_replicas(stack: Stack, count: int) -> list:
    """`count` more des processes on des's own port (SO_REUSEPORT), each with its own HTTP port and relay."""
    first = stack.processes["des"]
    extra = [testing.ServiceProcess("des", dict(first.env), grpc_port=first.grpc_port) for _ in range(count)]
    for process in extra:
        process.start(wait=180)
    listening = {first.process.pid} | {p.process.pid for p in extra}
    if not testing.wait_for(lambda: listeners(first.grpc_port) == listening, 60):
        raise SystemExit(f"des processes not all listening on {first.grpc_port}: {listeners(first.grpc_port)}")
    return extra


def listeners(port: int) -> set[int]:
    """PIDs of the processes with a listening TCP socket on `port` (from `ss`)."""
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", out)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--pages", type=int, default=1000, help="closed loop: pages per path")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each path")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time between a session's pages (s); "
                                                                  "0: closed loop only")
    parser.add_argument("--think-pages", type=int, default=2000, help="with think time: pages per path")
    parser.add_argument("--des-processes", type=int, default=2, help="des processes on one port (SO_REUSEPORT)")
    parser.add_argument("--profile", type=Path, help="write py-spy raw profiles of each measured run here")
    args = parser.parse_args()
    global PROFILE_DIR
    PROFILE_DIR = args.profile
    amqp = testing.create_vhost()
    stack = Stack(amqp, REPO / "build" / f"bench-portal-keys-{uuid.uuid4().hex[:6]}")
    stack.key_dir.mkdir(parents=True, exist_ok=True)
    portals, replicas = {}, []
    try:
        stack.start()
        people = seed(stack, activities=5)
        people["identity_target"] = stack.processes["identity"].target
        replicas = start_des_replicas(stack, args.des_processes - 1)
        for suffix, channels in [("×1", 1)] + ([(f"×{args.des_processes}", 4 * args.des_processes)]
                                               if args.des_processes > 1 else []):
            portal = portals[suffix] = PortalProcess(stack)
            portal.env["EKINERJA_PORTAL_GRPC_TIMEOUT_SECONDS"] = str(TIMEOUT)  # the direct client's
            portal.env["EKINERJA_PORTAL_GRPC_CHANNELS"] = str(channels)
            portal.start(wait=300)  # a loaded machine migrates and starts slowly
        pids = {f"portal {suffix}": portal.process.pid for suffix, portal in portals.items()}
        for n, process in enumerate([stack.processes["des"], *replicas]):
            pids[f"des{n + 1}"] = process.process.pid
        asyncio.run(bench({suffix: portal.url for suffix, portal in portals.items()},
                          stack.processes["des"].target, people, args, pids))
    finally:
        for portal in portals.values():
            portal.stop()
        for process in replicas:
            process.stop()
        stack.stop()
        testing.delete_vhost(amqp)
        import shutil
        shutil.rmtree(stack.key_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
