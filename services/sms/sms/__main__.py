"""`python -m sms run|migrate|gammu-setup|schedule|remind`.

- run: the bridge (after checking its database is at the migration head)
- migrate: the bridge's own database (alembic)
- gammu-setup: Gammu's database from the schema the Debian package ships, plus the bridge's notify trigger
- schedule INSTANSI HOUR [TIMEZONE]: an instansi's reminder hour in its local time (default WIB)
- remind [--at ISO-TIME]: one reminder pass now or at the given time (operators; tests use the injectable clock)
"""
import datetime as dt
import signal
import sys
from pathlib import Path

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def main(argv: list[str]) -> int:
    from ekinerja_platform.logs import configure_logging
    from sms.settings import load_settings

    command = argv[0] if argv else "run"
    if command == "gammu-setup":
        from ekinerja_platform.settings import exit_on_missing, secret
        from sms.adapters import gammu
        url = exit_on_missing(secret)("EKINERJA_SMS_GAMMU_DATABASE_URL")
        if not url:
            print("setting EKINERJA_SMS_GAMMU_DATABASE_URL is required", file=sys.stderr)
            return 2
        from ekinerja_platform.migrate import ensure_database
        ensure_database(url)
        created = gammu.install(url)
        print("sms: Gammu tables " + ("created" if created else "present") + ", notify trigger installed")
        return 0
    settings = load_settings()
    configure_logging("sms", settings.log_level, settings.nip_hash_key)
    if command == "migrate":
        from ekinerja_platform.migrate import migrate
        migrate(settings.database_url, MIGRATIONS)
        return 0
    if command == "schedule":
        from sms.adapters.store import Store
        from sms.domain.reminders import Schedule, validate_hour
        if len(argv) < 3:
            print("pemakaian: python -m sms schedule INSTANSI JAM [ZONA]", file=sys.stderr)
            return 2
        try:
            schedule = Schedule(validate_hour(int(argv[2])), argv[3] if len(argv) > 3 else "Asia/Jakarta")
            schedule.local(dt.datetime.now(dt.timezone.utc))
        except (ValueError, KeyError) as exc:
            print(f"jadwal tidak sah: {exc}", file=sys.stderr)
            return 2
        with Store(settings.database_url).transaction() as tx:
            tx.set_schedule(argv[1], schedule)
        print(f"Pengingat {argv[1]}: pukul {schedule.hour:02d}.00 {schedule.timezone}")
        return 0
    if command == "remind":
        from sms.application.reminders import run_reminders
        from sms.entrypoints.worker import build
        at = None
        if len(argv) > 2 and argv[1] == "--at":
            moment = dt.datetime.fromisoformat(argv[2])
            at = (lambda: moment) if moment.tzinfo else None
            if at is None:
                print("--at perlu zona waktu, mis. 2026-12-07T15:00+07:00", file=sys.stderr)
                return 2
        sent = run_reminders(build(settings, clock=at))
        print(f"{sent} pengingat dikirim")
        return 0
    if command == "run":
        import logging

        from ekinerja_platform.migrate import schema_problem
        from sms.entrypoints.worker import Worker, build
        problem = schema_problem(settings.database_url, MIGRATIONS, "sms")
        if problem:
            logging.getLogger("sms").error(problem)
            return 3
        worker = Worker(settings, build(settings))
        signal.signal(signal.SIGTERM, worker.request_stop)
        signal.signal(signal.SIGINT, worker.request_stop)
        worker.run()
        return 0
    print(f"unknown command {command!r}: use run, migrate, gammu-setup, schedule or remind", file=sys.stderr)
    return 2


raise SystemExit(main(sys.argv[1:]))
