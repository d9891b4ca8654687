"""Shared runtime of every e-Kinerja service: settings, database, outbox/inbox, tokens, gRPC plumbing, metrics."""
import os

# psycopg reads this at import: without it one query blocks the whole eventlet hub (DESIGN §3 hazards).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import warnings

# eventlet announces its own deprecation on import; DESIGN §3 records the decision and the exit route.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
