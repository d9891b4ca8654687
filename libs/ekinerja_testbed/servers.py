"""A private PostgreSQL cluster (and a streaming standby of it) and a private RabbitMQ node on free ports, for the
fault and scale suites.

Both run from Debian's packages (postgresql-15, rabbitmq-server) in a temporary directory and are controlled by
PID, never through the machine's shared servers (5432/5672), so the suite may stop, kill and restart them freely.
Every start has a deadline and every object has a `destroy()` that stops what it started and removes its files.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from ekinerja_platform import topology


def enabled_plugins() -> str:
    """A private node's enabled_plugins file: the plugins the topology needs (the consistent-hash exchange of the
    partitioned events), nothing else."""
    return f"[{','.join(topology.REQUIRED_PLUGINS)}].\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not reached within {timeout:.0f}s")


# -- PostgreSQL -----------------------------------------------------------------------------------------------------

def _pg_bindir() -> Path:
    override = os.environ.get("EKINERJA_PG_BINDIR")
    if override:
        return Path(override)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (see deploy/apt-packages.txt)")
    return Path(found[-1]).parent


class PostgresCluster:
    """`initdb` + `pg_ctl` on a free port; trust authentication on 127.0.0.1 only (a throwaway test cluster).

    PostgreSQL refuses to run as root: when the suite runs as root the cluster is owned by and run as `postgres`.
    """

    def __init__(self, max_connections: int = 120):
        self.port = free_port()
        self.bindir = _pg_bindir()
        self.root = Path(tempfile.mkdtemp(prefix="ekinerja-fault-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self.max_connections = max_connections
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)

    def _run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._user:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout)

    def start(self) -> "PostgresCluster":
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--no-sync", "--locale=C")
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                           f"unix_socket_directories = '{self.root}'\nmax_connections = {self.max_connections}\n"
                           "shared_buffers = 32MB\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                           "log_min_messages = warning\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self) -> None:
        """A clean restart (`pg_ctl restart -m fast`): every open connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-m", "fast", "-w", "-t", "60", "restart")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa
        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def destroy(self) -> None:
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresStandby(PostgresCluster):
    """A hot standby of `primary` by streaming replication, as a read replica runs in production: `pg_basebackup -R`
    (a copy of the primary's data directory, `standby.signal` and `primary_conninfo` written for it) on a free port
    of its own. Read-only: a write is refused by PostgreSQL itself. The primary's `initdb` trusts replication
    connections from 127.0.0.1 and its defaults (`wal_level = replica`, 10 WAL senders) allow one standby."""

    def __init__(self, primary: PostgresCluster):
        # a hot standby needs at least the primary's max_connections
        super().__init__(max_connections=primary.max_connections)
        self.primary = primary

    def start(self) -> "PostgresStandby":
        if not self.data.exists():
            self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                      "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
            with open(self.data / "postgresql.conf", "a") as conf:  # after the primary's own lines: these win
                conf.write(f"\nport = {self.port}\nunix_socket_directories = '{self.root}'\nhot_standby = on\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60", "start")
        return self

    def _sql(self, sql: str, cluster: PostgresCluster | None = None):
        import sqlalchemy as sa
        engine = sa.create_engine((cluster or self).url(), poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                value = conn.execute(sa.text(sql)).scalar()
                conn.commit()
                return value
        finally:
            engine.dispose()

    def in_recovery(self) -> bool:
        return bool(self._sql("SELECT pg_is_in_recovery()"))

    def pause_replay(self) -> None:
        """WAL still arrives, but is not applied: the standby keeps answering from the moment of the pause."""
        self._sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self._sql("SELECT pg_wal_replay_resume()")

    def caught_up(self) -> bool:
        """The standby has applied everything the primary has committed so far. The insert position, not the write
        position: these clusters run `synchronous_commit = off`, so a commit can return before its WAL is written,
        and a standby caught up with the write position could still miss it."""
        target = self._sql("SELECT pg_current_wal_insert_lsn()::text", self.primary)
        return bool(self._sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))


# -- RabbitMQ -------------------------------------------------------------------------------------------------------

RABBIT_BIN = Path(os.environ.get("EKINERJA_RABBITMQ_BINDIR", "/usr/lib/rabbitmq/bin"))


class RabbitNode:
    """A RabbitMQ node of its own: own node name, AMQP and distribution ports, Mnesia and log directories, Erlang
    cookie (HOME) and config; only the plugins the topology needs (management off). It registers with the machine's
    epmd like any node.

    `stop()` is a clean shutdown, `kill()` a SIGKILL of the Erlang VM; `start()` again keeps the Mnesia directory, so
    durable queues and persistent messages survive as they would in production.
    """

    vhost = "ekinerja"

    def __init__(self, prefix: str = "ekinerja-fault", cookie: str | None = None, epmd_port: int | None = None,
                 erl_args: str = ""):
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"{prefix}-{uuid.uuid4().hex[:8]}@localhost"
        self.root = Path(tempfile.mkdtemp(prefix=f"{prefix}-rabbit-"))
        self.pid_file = self.root / "rabbit.pid"
        self.epmd_port = epmd_port  # None: the machine's epmd (4369)
        self.erl_args = erl_args
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n"
            "log.console = false\nlog.file.level = warning\n")
        (self.root / "enabled_plugins").write_text(enabled_plugins())
        (self.root / ".erlang.cookie").write_text(cookie or uuid.uuid4().hex)  # a cluster's nodes share one
        os.chmod(self.root / ".erlang.cookie", 0o400)
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        """The admin (guest) URI of the node's e-Kinerja vhost; services connect as their own users
        (`provision_users`)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{self.vhost}"

    def ctl_command(self) -> tuple[str, ...]:
        """`rabbitmqctl` aimed at this node, with its environment (Erlang cookie in HOME) on the command line, for
        helpers that run it themselves (`broker_users.provision`)."""
        env = [f"{k}={v}" for k, v in self.env().items() if k == "HOME" or k.startswith(("RABBITMQ_", "ERL_EPMD_"))]
        return ("env", *env, str(RABBIT_BIN / "rabbitmqctl"), "-n", self.name)

    def provision_users(self, prefix: str = "fault-") -> dict[str, tuple[str, str]]:
        """The vhost, its exchanges and dead-lettering policy and one broker user per service with only its own
        rights, as production has them (`ekinerja_platform.broker_users`); guest keeps full rights on the vhost
        (the suite's admin). Returns service → (user, password). Users live in Mnesia, so they survive restarts."""
        from ekinerja_platform import broker_users
        passwords = broker_users.generate_passwords()
        users = broker_users.provision(self.vhost, passwords, prefix=prefix, admins=["guest"],
                                       ctl=self.ctl_command())
        return {service: (user, passwords[service]) for service, user in users.items()}

    def env(self) -> dict:
        env = dict(os.environ)
        env.update({"HOME": str(self.root), "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1", "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"), "RABBITMQ_LOG_BASE": str(self.root / "log"),
                    "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
                    "RABBITMQ_PID_FILE": str(self.pid_file), "RABBITMQ_ADVANCED_CONFIG_FILE":
                        str(self.root / "advanced.config")})
        if self.epmd_port:
            env.update({"ERL_EPMD_PORT": str(self.epmd_port), "ERL_EPMD_ADDRESS": "127.0.0.1"})
        if self.erl_args:
            env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = self.erl_args
        return env

    def start(self, timeout: float = 90) -> "RabbitNode":
        self.launch()
        return self.await_started(timeout)

    def launch(self) -> None:
        """Start `rabbitmq-server` without waiting (a cluster boots its nodes side by side)."""
        self.pid_file.unlink(missing_ok=True)
        self._out = open(self.root / "stdout.log", "ab")
        self.process = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env(), stdout=self._out,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def await_started(self, timeout: float = 90) -> "RabbitNode":
        try:
            _wait(lambda: self._started(), timeout, f"RabbitMQ node {self.name} started")
        except BaseException:
            self.kill()
            raise
        return self

    def _started(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"rabbitmq-server exited with {self.process.returncode}:\n{self.log_tail()}")
        if not port_open(self.port):
            return False
        self.ctl("await_startup", timeout=60)
        return True

    def ctl(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-q", "-n", self.name, *args], env=self.env(),
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr.strip()}\n{self.log_tail()}")
        return done.stdout

    def beam_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def kill_beam(self) -> int:
        """`kill -9` of the Erlang VM alone, by the PID it wrote (as a crashed or OOM-killed node): returns the PID."""
        pid = self.beam_pid()
        if pid is None:
            raise RuntimeError(f"{self.name} wrote no PID file")
        os.kill(pid, signal.SIGKILL)
        self._reap()
        return pid

    def stop(self) -> None:
        """A clean broker stop (`rabbitmqctl shutdown`): connections are closed by the broker."""
        try:
            self.ctl("shutdown", timeout=60)
        finally:
            self._reap()

    def kill(self) -> None:
        """SIGKILL of the Erlang VM: connections drop without a close, unflushed state is lost."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the script, beam.smp, helpers
            except ProcessLookupError:
                pass
        self._reap()

    def _reap(self) -> None:
        if self.process:
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if getattr(self, "_out", None):
            self._out.close()
        _wait(lambda: not port_open(self.port), 30, "AMQP port closed")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None and port_open(self.port)

    def log_tail(self, chars: int = 3000) -> str:
        logs = sorted((self.root / "log").glob("*.log")) if (self.root / "log").exists() else []
        text = "".join(p.read_text(errors="replace") for p in logs + [self.root / "stdout.log"] if p.exists())
        return text[-chars:]

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.stop()
            except Exception:
                self.kill()
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _side_by_side(calls) -> None:
    """Run `calls` in threads (each mostly waits on a subprocess); re-raise the first failure."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()


# Erlang flags for a node on a shared machine: no busy-waiting of idle schedulers (by default they spin; three nodes
# on two cores would starve the services under test)
LIGHT_ERL_ARGS = "+sbwt none +sbwtdcpu none +sbwtdio none"


class RabbitCluster:
    """`size` RabbitNodes clustered with `join_cluster`: one Erlang cookie, one private epmd on a free port (started
    here and stopped by PID), own node names, AMQP and distribution ports, Mnesia directories.

    Clients get `uri`, a kombu failover list (`amqp://…node1;amqp://…node2;…`): kombu connects to the first node
    that answers and moves to the next on a connection error, which is how the services survive a node's loss
    (docs/scale.md). Definitions (vhost, users, policies, queues) are cluster-wide, so any node provisions them.
    """

    vhost = RabbitNode.vhost

    def __init__(self, size: int = 3, prefix: str = "ekinerja-scale", erl_args: str = LIGHT_ERL_ARGS):
        self.root = Path(tempfile.mkdtemp(prefix=f"{prefix}-epmd-"))
        self.epmd_port = free_port()
        cookie = uuid.uuid4().hex
        self.nodes = [RabbitNode(prefix=f"{prefix}{i + 1}", cookie=cookie, epmd_port=self.epmd_port,
                                 erl_args=erl_args) for i in range(size)]
        self.epmd: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return ";".join(node.uri for node in self.nodes)

    def start(self, timeout: float = 240) -> "RabbitCluster":
        """Boot every node that is down, side by side; on the first boot the others join the first node."""
        if self.epmd is None or self.epmd.poll() is not None:
            self._epmd_log = open(self.root / "epmd.log", "ab")
            self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                                         stdout=self._epmd_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
            _wait(lambda: port_open(self.epmd_port), 30, "epmd listening")
        first_boot = not (self.nodes[0].root / "mnesia").exists()
        down = [node for node in self.nodes if not node.running()]
        for node in down:
            node.launch()
        _side_by_side([lambda node=node: node.await_started(timeout) for node in down])
        if first_boot:
            _side_by_side([lambda node=node: self._join(node) for node in self.nodes[1:]])
        _wait(lambda: len(self.running_nodes()) == len(self.nodes), timeout, "every node running in the cluster")
        return self

    def _join(self, node: RabbitNode) -> None:
        node.ctl("stop_app")
        node.ctl("join_cluster", self.nodes[0].name, timeout=120)
        node.ctl("start_app", timeout=120)

    def running(self) -> bool:
        return all(node.running() for node in self.nodes)

    def live(self) -> RabbitNode:
        """A running node, the last first: clients try the nodes in `uri`'s order, so the last is the least busy."""
        for node in reversed(self.nodes):
            if node.running():
                return node
        raise RuntimeError("no RabbitMQ node of the cluster is running")

    def ctl(self, *args: str, timeout: float = 60) -> str:
        return self.live().ctl(*args, timeout=timeout)

    def running_nodes(self) -> list[str]:
        import json
        try:
            status = json.loads(self.ctl("cluster_status", "--formatter", "json"))
        except (RuntimeError, ValueError, subprocess.TimeoutExpired):
            return []
        return sorted(status.get("running_nodes", []))

    def provision_users(self, prefix: str = "scale-") -> dict[str, tuple[str, str]]:
        return self.live().provision_users(prefix)

    def queues(self) -> dict[str, dict]:
        """Every queue of the vhost: name → {type, leader, members, online} (leader/members for quorum queues)."""
        import json
        rows = json.loads(self.ctl("list_queues", "-p", self.vhost, "name", "type", "leader", "members", "online",
                                   "--formatter", "json", timeout=120))
        return {row["name"]: row for row in rows}

    def queue(self, name: str) -> dict | None:
        """`queues()[name]`, or None when the cluster did not answer in time (a node busy under load)."""
        try:
            return self.queues().get(name)
        except (RuntimeError, subprocess.TimeoutExpired):
            return None

    def node(self, name: str) -> RabbitNode:
        return next(node for node in self.nodes if node.name == name)

    def destroy(self) -> None:
        """SIGKILL every node and the epmd by PID (their data is thrown away: no clean stop needed), then remove
        their directories."""
        for node in self.nodes:
            node.kill()
            shutil.rmtree(node.root, ignore_errors=True)
        if self.epmd is not None:
            if self.epmd.poll() is None:
                os.killpg(self.epmd.pid, signal.SIGKILL)
            self.epmd.wait(10)
            self._epmd_log.close()
        shutil.rmtree(self.root, ignore_errors=True)


def dead_lettered(node: RabbitNode) -> dict[str, int]:
    """Messages waiting in dead-letter queues (`*.dlq`) of `node`, by queue (only those holding any)."""
    out = {}
    for line in node.ctl("list_queues", "-p", node.vhost, "name", "messages", "--no-table-headers").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].endswith(".dlq") and parts[1].isdigit() and int(parts[1]):
            out[parts[0]] = int(parts[1])
    return out


def take_dead_letters(node: RabbitNode, queue: str) -> list[tuple[str, bytes]]:
    """Remove and return the messages waiting in `queue`'s dead-letter queue as (x-ekinerja-reason, body)."""
    from kombu import Connection
    out = []
    with Connection(node.uri) as conn:
        channel = conn.channel()
        while (message := channel.basic_get(queue=f"{queue}.dlq", no_ack=True)) is not None:
            headers = message.properties.get("application_headers") or {}
            out.append((headers.get("x-ekinerja-reason") or "", message.body))
    return out


# -- PgBouncer ------------------------------------------------------------------------------------------------------

class PgBouncer:
    """Debian's `pgbouncer` (1.18) on a free port in front of a PostgreSQL server, in transaction pooling mode, with
    few server connections per database so that clients really share them (what production's Pooler does).

    Trust authentication for the users listed (a throwaway test pooler on 127.0.0.1). PgBouncer refuses to run as
    root: then it runs as `postgres`. `url(database)` is a client URL through the pooler; `stats()` reads its admin
    console (`SHOW STATS`)."""

    def __init__(self, server_port: int = 5432, pool_size: int = 2, users=("postgres",),
                 binary: str = os.environ.get("EKINERJA_PGBOUNCER_BIN", "/usr/sbin/pgbouncer")):
        self.port = free_port()
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="ekinerja-pgbouncer-"))
        (self.root / "userlist.txt").write_text("".join(f'"{user}" ""\n' for user in users))
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={server_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'userlist.txt'}\nadmin_users = postgres\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 400\n"
            # a dropped test database must not keep server connections; PostgreSQL's connections are shared
            "server_idle_timeout = 5\nserver_lifetime = 60\n"
            f"logfile = {self.root / 'pgbouncer.log'}\nlog_connections = 0\nlog_disconnections = 0\n")
        self.process: subprocess.Popen | None = None
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self._user:
            for path in (self.root, *self.root.iterdir()):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def start(self, timeout: float = 30) -> "PgBouncer":
        cmd = [self.binary, str(self.root / "pgbouncer.ini")]
        if self._user:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        _wait(lambda: self.process.poll() is not None or port_open(self.port), timeout, "pgbouncer listening")
        if self.process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {self.process.returncode}: {self.log()}")
        return self

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def stats(self) -> dict[str, dict]:
        """database → its `SHOW STATS` row (total_xact_count, total_query_count, ...)."""
        import psycopg
        with psycopg.connect(f"host=127.0.0.1 port={self.port} dbname=pgbouncer user=postgres",
                             autocommit=True, prepare_threshold=None) as conn:
            cur = conn.execute("SHOW STATS")
            names = [c.name for c in cur.description]
            return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: runuser and pgbouncer, nothing else
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
