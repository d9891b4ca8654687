# syntax=docker/dockerfile:1
#
# One image recipe for all five services: they share the runtime library, the pin set and the start command, and
# differ only in which package is copied in. Build one service with the build arg SERVICE, from the repository root:
#
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=des -t ekinerja/des:dev .
#
# A per-service Dockerfile would repeat these ~80 lines five times and drift. The build context is trimmed by
# deploy/docker/service.Dockerfile.dockerignore (BuildKit reads the ignore file named after the Dockerfile).
#
# The base image is pinned by digest so a rebuild is reproducible. Verify or refresh the digest with
#   docker buildx imagetools inspect python:3.11-slim-bookworm
# and copy the "Digest:" of the index (not of one platform) into BASE_IMAGE below.
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91

# ---------------------------------------------------------------------------------------------------------------
# build: a virtualenv with the pinned dependencies and the generated protobuf code. Every dependency ships
# manylinux wheels for CPython 3.11, so no compiler is installed here either.
FROM ${BASE_IMAGE} AS build
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build arg SERVICE is required (identity, skp, des, recap, snowman, portal)" >&2; exit 1; }

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY requirements.txt constraints.txt ./
# Test, lint and deployment-check tools are in the shared requirements for the developers' venv; the image leaves
# them out (and with them any pytest plugin).
RUN grep -v -E '^(pytest|hypothesis|kubernetes-validate|ruff|playwright|httpx)\b' requirements.txt > requirements.runtime.txt \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-compile -r requirements.runtime.txt -c constraints.txt

COPY protos/ protos/
# Same output as `make protos`: Python messages and gRPC stubs for every proto, under build/gen.
RUN mkdir -p build/gen \
 && /opt/venv/bin/python -m grpc_tools.protoc -I protos --python_out=build/gen --grpc_python_out=build/gen \
      $(find protos -name '*.proto' | sort)

COPY libs/ekinerja_platform/ app/libs/ekinerja_platform/
COPY libs/ekinerja_rules/ app/libs/ekinerja_rules/
COPY libs/ekinerja_events/ app/libs/ekinerja_events/
COPY services/${SERVICE}/ app/services/${SERVICE}/
COPY deploy/docker/healthcheck.py deploy/docker/launch.py app/bin/
RUN mv build/gen app/gen \
 && rm -rf app/services/${SERVICE}/tests app/services/${SERVICE}/${SERVICE}/dev \
 # Bytecode compiled now, because the root filesystem is read-only at run time.
 && /opt/venv/bin/python -m compileall -q /opt/venv app

# ---------------------------------------------------------------------------------------------------------------
# strip: the runtime filesystem. Starts from the same base (the interpreter and its shared libraries), adds the
# venv and the code, creates the service user, then removes what a running service never uses: shells, the package
# managers, setuid bits. The Debian package database stays so image scanners can still list what is installed.
FROM ${BASE_IMAGE} AS strip
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/app /app
RUN groupadd --system --gid 10001 ekinerja \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ekinerja \
 # identity's signing keys: a volume in compose, a read-only Secret in Kubernetes; 0700 like identity makes it.
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/ekinerja/signing-keys \
 && find / -xdev -type f -perm /6000 -exec chmod a-s {} + \
 && rm -rf /var/lib/apt/lists/* /var/cache/* /var/log/* /root/.cache /tmp/* \
           /usr/bin/apt* /usr/bin/dpkg* /usr/sbin/dpkg* /usr/bin/perl* /usr/share/perl* /usr/lib/x86_64-linux-gnu/perl* \
           /usr/bin/su /usr/bin/login /usr/bin/passwd /usr/sbin/useradd /usr/sbin/groupadd /usr/sbin/usermod \
 # Last: the shells (this RUN's own shell keeps running from its open inode).
 && rm -f /usr/bin/bash /usr/bin/rbash /usr/bin/dash /usr/bin/sh /bin/sh /bin/bash /bin/dash /bin/rbash

# ---------------------------------------------------------------------------------------------------------------
# runtime: the stripped filesystem as a single layer, so nothing removed above survives in a lower layer.
FROM scratch AS runtime
ARG SERVICE
COPY --from=strip / /

ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app/libs:/app/services/${SERVICE}:/app/gen \
    PSYCOPG_WAIT_FUNC=wait_select \
    EKINERJA_SERVICE=${SERVICE}

LABEL org.opencontainers.image.title="ekinerja-${SERVICE}" \
      org.opencontainers.image.description="e-Kinerja ${SERVICE} service (nameko + nameko-grpc)"

WORKDIR /app
USER 10001:10001
# Ports come from EKINERJA_GRPC_PORT / EKINERJA_HTTP_PORT (defaults: gRPC 50051-50055, HTTP 9101-9105).
STOPSIGNAL SIGTERM
# Readiness as the service itself reports it (its database answers; the broker is the gauge ekinerja_broker_up), through grpc.health.v1.Health.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/opt/venv/bin/python", "/app/bin/healthcheck.py"]
# `python -m <service> run` by default; the migration job passes `migrate` instead.
ENTRYPOINT ["/opt/venv/bin/python", "/app/bin/launch.py"]
CMD ["run"]
