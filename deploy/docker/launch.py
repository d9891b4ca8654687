"""Container entry point: `python -m $EKINERJA_SERVICE <args>`, so one image recipe serves all five services.

The Dockerfile's exec-form ENTRYPOINT cannot expand the SERVICE build argument, and the image has no shell to do it,
so this runs the service package's `__main__` in the same process (signals reach the service directly).
"""
import os
import runpy
import sys

SERVICES = ("identity", "skp", "des", "recap", "snowman", "portal", "sms")


def main() -> None:
    service = os.environ.get("EKINERJA_SERVICE", "")
    if service not in SERVICES:
        sys.exit(f"error: EKINERJA_SERVICE must be one of {', '.join(SERVICES)}, got {service!r}")
    sys.argv[0] = service
    runpy.run_module(service, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
