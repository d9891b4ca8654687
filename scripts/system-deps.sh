#!/usr/bin/env bash
# Makes sure the machine services the project needs are running, and installs the Debian packages its checks
# need (deploy/apt-packages.txt). Starts PostgreSQL and RabbitMQ only when installed but stopped.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  if command -v rabbitmq-server >/dev/null; then rabbitmq-server -detached || true; fi
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
fi

# RabbitMQ plugins the event topology needs (ekinerja_platform.topology.REQUIRED_PLUGINS): enabled on the running
# local broker without a restart; a no-op once enabled
RABBIT_PLUGINS="rabbitmq_consistent_hash_exchange"
if command -v rabbitmq-plugins >/dev/null && (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  enabled="$(rabbitmq-plugins list -e -m 2>/dev/null)"
  for plugin in $RABBIT_PLUGINS; do
    grep -qx "$plugin" <<<"$enabled" && continue
    rabbitmq-plugins enable "$plugin" >/dev/null || echo "warning: could not enable the RabbitMQ plugin $plugin" >&2
  done
fi

missing=()
if [ -f deploy/apt-packages.txt ]; then
  while read -r pkg; do
    pkg="${pkg%%#*}"; pkg="$(echo "$pkg" | xargs)"
    [ -z "$pkg" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
    # a tool already on the PATH from elsewhere (NodeSource's nodejs ships npm and conflicts with Debian's npm)
    [ "$pkg" = npm ] && command -v npm >/dev/null && continue
    missing+=("$pkg")
  done < deploy/apt-packages.txt
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # one conflicting package must not keep the others out: install them one by one, naming the ones that fail
    for pkg in "${missing[@]}"; do
      apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null || echo "warning: could not install $pkg" >&2
    done
  fi
fi
exit 0
