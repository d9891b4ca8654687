"""`python -m ekinerja_platform.replay --amqp-uri URI --queue des.skp.skp_approved [--limit N] [--dry-run]`:
put dead letters back into their queue once their cause is fixed (a bug deployed away, data corrected).

Each message of `<queue>.dlq` is republished to `<queue>` (through the default exchange, with publisher confirms)
with its body, its properties and its producer's `user_id`, then removed from the dead-letter queue; the consumer
checks it again as any delivery (a forgery goes straight back). The producer's user is the message's own `user_id`
when the broker dead-lettered it (delivery limit), or `x-ekinerja-original-user-id` when the consumer did, trusted
only on a copy the consumer itself made. Messages dead-lettered as forged are left where they are. Publishing with
another user's `user_id` needs the `impersonator` tag (the deploy's `ekinerja-admin` user has it).
"""
from __future__ import annotations

import argparse
import sys

from kombu import Connection

from . import dead_letter

_OWN_HEADERS = (dead_letter.REASON_HEADER, dead_letter.DETAIL_HEADER, dead_letter.QUEUE_HEADER,
                dead_letter.ORIGINAL_USER_HEADER, dead_letter.ORIGINAL_EXCHANGE_HEADER,
                dead_letter.ORIGINAL_ROUTING_KEY_HEADER, "x-death", "x-first-death-exchange",
                "x-first-death-queue", "x-first-death-reason")


def producer_user_of(queue: str, properties: dict, headers: dict) -> str | None:
    """The user_id the message had when its producer published it, or None when that cannot be trusted."""
    if dead_letter.REASON_HEADER not in headers:
        return properties.get("user_id")  # dead-lettered by the broker: properties are the original ones
    consumer = queue.split(".", 1)[0]
    copied_by = properties.get("user_id") or ""
    original = headers.get(dead_letter.ORIGINAL_USER_HEADER) or None
    made_by_consumer = copied_by == consumer or copied_by.endswith("-" + consumer) or copied_by == original
    return original if made_by_consumer else None


def replay(amqp_uri: str, queue: str, limit: int | None = None, dry_run: bool = False, out=sys.stdout) -> dict:
    """Replays up to `limit` messages of `<queue>.dlq`; returns counts {replayed, forged_kept, untrusted_kept}."""
    counts = {"replayed": 0, "forged_kept": 0, "untrusted_kept": 0}
    with Connection(amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=5) as conn:
        channel = conn.channel()
        _, waiting, _ = channel.queue_declare(f"{queue}.dlq", passive=True)
        kept = []
        for _ in range(min(waiting, limit) if limit is not None else waiting):
            message = channel.basic_get(queue=f"{queue}.dlq", no_ack=False)
            if message is None:
                break
            properties = dict(message.properties)
            headers = dict(properties.pop("application_headers", None) or {})
            reason = headers.get(dead_letter.REASON_HEADER)
            user = producer_user_of(queue, properties, headers)
            if reason == dead_letter.FORGED or user is None:
                counts["forged_kept" if reason == dead_letter.FORGED else "untrusted_kept"] += 1
                kept.append(message.delivery_tag)
                continue
            if dry_run:
                counts["replayed"] += 1
                kept.append(message.delivery_tag)
                continue
            for name in _OWN_HEADERS:
                headers.pop(name, None)
            headers["x-ekinerja-replayed"] = int(headers.get("x-ekinerja-replayed", 0)) + 1
            properties["user_id"] = user
            content_type = properties.pop("content_type", None)
            content_encoding = properties.pop("content_encoding", None)
            priority = properties.pop("priority", None)
            copy = channel.prepare_message(message.body, priority=priority, content_type=content_type,
                                           content_encoding=content_encoding, headers=headers, properties=properties)
            channel.basic_publish(copy, exchange="", routing_key=queue)  # confirmed (confirm_publish)
            channel.basic_ack(message.delivery_tag)
            counts["replayed"] += 1
        for tag in kept:
            channel.basic_reject(tag, requeue=True)
    print(f"{queue}.dlq: {counts['replayed']} {'to replay' if dry_run else 'replayed'}, "
          f"{counts['forged_kept']} forged and {counts['untrusted_kept']} of unknown producer kept", file=out)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ekinerja_platform.replay", description=__doc__.split("\n")[1])
    parser.add_argument("--amqp-uri", required=True, help="an administrator's URI (impersonator tag), with vhost")
    parser.add_argument("--queue", required=True, help="the event queue, e.g. des.skp.skp_approved")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    replay(args.amqp_uri, args.queue, args.limit, args.dry_run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
