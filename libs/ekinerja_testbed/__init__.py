"""Test-only building blocks of the fault suite (tests/fault): a private PostgreSQL cluster and RabbitMQ node,
the five services on them, a submit load with exactly-once checks, and the figures the suite reports."""
