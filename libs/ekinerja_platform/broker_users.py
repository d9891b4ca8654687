"""One RabbitMQ user per service, allowed only what its place in the event catalogue needs (issue 15.7).

With one shared user that may write anywhere, any service (or whoever holds its password) could publish
`skp.events`/`skp_approved` and make anybody a penilai. Here each service's user may:
- configure (declare) its own exchange, the dead-letter exchange (not the exchanges it consumes from: it binds to
  them once they exist, `topology.consumer_queue`, so it cannot delete another's exchange), its own queues
  (`<service>.<producer>.<event>` and their `.dlq`) and the queues its own events feed (`<consumer>.<service>.<event>`,
  which a producer declares before publishing so no event is dropped unrouted);
- write (publish, bind) only its own exchange, the dead-letter exchange (its consumers' dead-letter copies) and
  those same queues (binding); and by topic permission publish on its own exchange only the event types it owns;
- read (consume) only its own queues, the queues of its own events (RabbitMQ requires read to declare a queue with
  a dead-letter exchange) and the exchanges it binds them to.
RabbitMQ also refuses a message whose `user_id` property is not the publishing connection's user, and the relay sets
it: a consumer dead-letters any event not published by its producer's user (`events.EventSubscriber`).

Users are `<prefix><service>` (prefix "" in deploy/, `<vhost>-` in `make run`, a per-session one in tests). The same
description becomes deploy/rabbitmq/definitions.json (`python -m ekinerja_platform.broker_users definitions`,
without secrets: passwords come from the environment or a Secret) and is imported into a running broker by
`provision(...)` (`make run`, the test stacks, the fault suite's own node) with one `rabbitmqctl import_definitions`.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import topology
from .settings import secret

SERVICES = ("identity", "skp", "des", "recap", "snowman", "sms")  # sms: the SMS bridge consumes one event
ADMIN_TAGS = ["administrator", "impersonator"]  # impersonator: `replay` puts dead letters back with their user_id
HASHING = "rabbit_password_hashing_sha256"
_NAME = "[a-z0-9_]+"


def user_name(service: str, prefix: str = "") -> str:
    return f"{prefix}{service}"


def password_env(user: str) -> str:
    """The environment variable holding a user's password: RABBITMQ_PASSWORD_<USER> ('-' and '.' become '_')."""
    return "RABBITMQ_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())


def consumed_producers(service: str) -> list[str]:
    return sorted({producer for producer, events in topology.SUBSCRIPTIONS.items()
                   for consumers in events.values() if service in consumers})


def owned_event_types(service: str) -> list[str]:
    return sorted(topology.SUBSCRIPTIONS.get(service, {}))


def _alternatives(items) -> str:
    return "^(" + "|".join(items) + ")$"


def permissions(service: str) -> dict[str, str]:
    """configure / write / read regular expressions of the service's user (RabbitMQ anchors nothing itself)."""
    own_exchange = re.escape(f"{service}.events")
    dead_letter = re.escape(topology.DEAD_LETTER_EXCHANGE)
    own_queues = rf"{re.escape(service)}\.{_NAME}\.{_NAME}(\.dlq)?"
    fed_queues = rf"{_NAME}\.{re.escape(service)}\.{_NAME}(\.dlq)?"
    consumed = [re.escape(f"{producer}.events") for producer in consumed_producers(service) if producer != service]
    return {
        "configure": _alternatives([own_exchange, dead_letter, own_queues, fed_queues]),
        "write": _alternatives([own_exchange, dead_letter, own_queues, fed_queues]),
        # RabbitMQ asks for read on a queue declared with a dead-letter exchange, so a producer may read the queues
        # of its own events: it could drain only what it publishes itself, never forge another's
        "read": _alternatives([own_exchange, dead_letter, *consumed, own_queues, fed_queues]),
    }


def topic_permission(service: str) -> dict[str, str]:
    """On its own (topic) exchange a service publishes only the routing keys of the events it owns."""
    owned = owned_event_types(service)
    return {"exchange": f"{service}.events",
            "write": _alternatives([re.escape(t) for t in owned]) if owned else "^$", "read": ".*"}


def definitions(vhost: str = "ekinerja", prefix: str = "", services=SERVICES, admins=(),
                admin_users=(), topology_objects: bool = True) -> dict:
    """Broker definitions (the format of `rabbitmqctl import_definitions`): the vhost, one user per service with
    its permissions and topic permission, full permissions for `admins` (existing users, e.g. a test's guest) and
    `admin_users` (new users with the administrator and impersonator tags), and, with `topology_objects`, the
    exchanges and the dead-lettering policy. Password hashes are left empty (see `render`)."""
    users = [{"name": name, "password_hash": "", "hashing_algorithm": HASHING, "tags": ADMIN_TAGS, "limits": {}}
             for name in admin_users]
    users += [{"name": user_name(s, prefix), "password_hash": "", "hashing_algorithm": HASHING, "tags": [],
               "limits": {}} for s in services]
    perms = [{"user": name, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
             for name in (*admin_users, *admins)]
    perms += [{"user": user_name(s, prefix), "vhost": vhost, **permissions(s)} for s in services]
    out = {
        "vhosts": [{"name": vhost, "metadata": {"description": "e-Kinerja events", "tags": []}}],
        "users": users,
        "permissions": perms,
        "topic_permissions": [{"user": user_name(s, prefix), "vhost": vhost, **topic_permission(s)}
                              for s in services],
    }
    if topology_objects:
        out["policies"] = [{
            "vhost": vhost, "name": "ekinerja-event-queues",
            "pattern": r"^(" + "|".join(SERVICES) + r")\.[a-z0-9_]+\.[a-z0-9_]+$",
            "apply-to": "queues", "priority": 10,
            "definition": {"delivery-limit": topology.DELIVERY_LIMIT,
                           "dead-letter-exchange": topology.DEAD_LETTER_EXCHANGE,
                           "dead-letter-strategy": "at-least-once", "overflow": "reject-publish"},
        }]
        dlx = topology.dead_letter_exchange()
        out["exchanges"] = [{"name": dlx.name, "vhost": vhost, "type": dlx.type, "durable": True,
                             "auto_delete": False, "internal": False, "arguments": {}}]
        for s in SERVICES:
            exchange = topology.event_exchange(s)
            out["exchanges"].append({"name": exchange.name, "vhost": vhost, "type": exchange.type, "durable": True,
                                     "auto_delete": False, "internal": False, "arguments": {}})
        out["queues"], out["bindings"] = [], []
    return out


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's salted SHA-256: base64(salt ‖ sha256(salt ‖ utf8(password))), 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


def render(defs: dict, passwords: dict[str, str]) -> dict:
    """`defs` with each user's hash filled from `passwords` (user name → password); a missing one is an error."""
    rendered = json.loads(json.dumps(defs))
    missing = [u["name"] for u in rendered["users"] if not u["password_hash"] and not passwords.get(u["name"])]
    if missing:
        raise SystemExit("broker_users: no password for " + ", ".join(missing)
                         + " (set " + ", ".join(password_env(m) for m in missing) + ")")
    for user in rendered["users"]:
        if not user["password_hash"]:
            user["password_hash"] = password_hash(passwords[user["name"]])
    return rendered


def import_definitions(defs: dict, ctl=("rabbitmqctl",)) -> None:
    """`rabbitmqctl import_definitions` of `defs`. The file is written to a directory the broker's own user can
    read (Debian's rabbitmqctl switches to it), and removed at once (it holds password hashes)."""
    directory = Path(tempfile.mkdtemp(prefix="ekinerja-broker-"))
    try:
        directory.chmod(0o755)
        path = directory / "definitions.json"
        path.write_text(json.dumps(defs))
        path.chmod(0o644)
        result = subprocess.run([*ctl, "-q", "import_definitions", str(path)], capture_output=True, text=True,
                                timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl import_definitions failed: {result.stdout[-500:]} {result.stderr[-500:]}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def provision(vhost: str, passwords: dict[str, str], prefix: str = "", admins=(), ctl=("rabbitmqctl",),
              services=SERVICES) -> dict[str, str]:
    """Create (or update) the vhost, its exchanges and policy, and one user per service with its permissions, in a
    running broker; `passwords` maps service → password; `admins` are existing users given full rights on the
    vhost. Returns service → user name. `ctl` is the rabbitmqctl command (e.g. with `-n node`)."""
    defs = definitions(vhost, prefix, services, admins=admins)
    import_definitions(render(defs, {user_name(s, prefix): passwords[s] for s in services}), ctl)
    return {s: user_name(s, prefix) for s in services}


def deprovision(prefix: str, ctl=("rabbitmqctl",), services=SERVICES, vhost: str | None = None) -> None:
    """Delete the services' users (and the vhost, when given); the commands run side by side (each rabbitmqctl
    call costs most of a second)."""
    commands = [[*ctl, "-q", "delete_user", user_name(service, prefix)] for service in services]
    if vhost:
        commands.append([*ctl, "-q", "delete_vhost", vhost])
    running = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands]
    for process in running:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def amqp_uri(host: str, vhost: str, user: str, password: str, scheme: str = "amqp") -> str:
    from urllib.parse import quote
    return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}/{quote(vhost, safe='')}"


def generate_passwords(services=SERVICES) -> dict[str, str]:
    return {s: secrets.token_urlsafe(24) for s in services}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ekinerja_platform.broker_users",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("definitions", help="print the broker definitions (no secrets) for deploy/rabbitmq")
    d.add_argument("--vhost", default="ekinerja")
    d.add_argument("--prefix", default="")
    d.add_argument("--admin-user", action="append", default=[], help="an administrator user to create")
    p = sub.add_parser("provision", help="import users and permissions into the local broker (passwords from "
                                         "RABBITMQ_PASSWORD_<USER>)")
    p.add_argument("--vhost", default="ekinerja")
    p.add_argument("--prefix", default="")
    p.add_argument("--admin", action="append", default=[], help="an existing user to give full rights on the vhost")
    args = parser.parse_args(argv)
    if args.command == "definitions":
        json.dump(definitions(args.vhost, args.prefix, admin_users=args.admin_user), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    passwords = {}
    for service in SERVICES:
        value = secret(password_env(user_name(service, args.prefix))) or ""
        if not value:
            print(f"error: {password_env(user_name(service, args.prefix))} is not set", file=sys.stderr)
            return 2
        passwords[service] = value
    provision(args.vhost, passwords, args.prefix, admins=args.admin)
    print(f"provisioned {len(SERVICES)} service users on vhost {args.vhost}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
