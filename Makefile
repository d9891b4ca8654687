# e-Kinerja: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GEN := build/gen
PROTOS := $(shell find protos -name '*.proto')

.PHONY: install protos run stop status test test-unit test-integration test-fault test-scale test-pgbouncer lint bench \
	clean system-deps

install: $(STAMP) protos

$(STAMP): requirements.txt constraints.txt scripts/install.sh
	bash scripts/install.sh "$(PYTHON_BOOT)"
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

protos: $(GEN)/.stamp

$(GEN)/.stamp: $(PROTOS) $(STAMP)
	rm -rf $(GEN) && mkdir -p $(GEN)
	$(PY) -m grpc_tools.protoc -Iprotos --python_out=$(GEN) --grpc_python_out=$(GEN) --pyi_out=$(GEN) $(PROTOS)
	touch $@

run: install system-deps
	$(PY) scripts/devstack.py run

stop:
	$(PY) scripts/devstack.py stop

status:
	$(PY) scripts/devstack.py status

test: install system-deps
	$(PY) scripts/run_tests.py

# its own PostgreSQL cluster and RabbitMQ node on free ports (never the machine's); see docs/reliability.md
test-fault: install system-deps
	$(PY) -m pytest -c tests/fault/pytest.ini tests/fault

test-scale: install system-deps
	$(PY) -m pytest -c tests/scale/pytest.ini tests/scale

# the services through Debian's PgBouncer in transaction mode, one integration module per service (make test: a subset)
test-pgbouncer: install system-deps
	EKINERJA_PGBOUNCER_SUITE=all $(PY) -m pytest tests/pgbouncer

test-unit: install
	$(PY) scripts/run_tests.py --unit

lint: install
	$(PY) -m ruff check libs services scripts tests
	$(PY) -m mypy
	cd protos && ../build/npm/node_modules/.bin/buf lint

bench: install system-deps
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) build
