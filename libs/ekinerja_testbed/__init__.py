"""Test-only building blocks of the fault suite (tests/fault) and the scale suite (tests/scale): a private PostgreSQL
cluster, RabbitMQ node or three-node RabbitMQ cluster, the services on them, a submit load with exactly-once checks,
and the figures the suites report."""
