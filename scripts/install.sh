#!/usr/bin/env bash
# Builds .venv from requirements.txt pinned by constraints.txt, puts the monorepo's packages on its path and
# installs the `ekinerja` command. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python_boot="${1:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python_boot" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip>=24" >/dev/null
.venv/bin/python -m pip install --quiet -r requirements.txt -c constraints.txt
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
root=$(pwd)
{
  echo "$root/build/gen"
  echo "$root/libs"
  for svc in identity skp des recap snowman portal sms; do echo "$root/services/$svc"; done
} > "$site/ekinerja-monorepo.pth"
cat > .venv/bin/ekinerja <<SCRIPT
#!/usr/bin/env bash
exec "$root/.venv/bin/python" -m ekinerja_cli "\$@"
SCRIPT
chmod +x .venv/bin/ekinerja
# tools from the npm registry (axe-core for the browser tests, buf for the protobuf lint), pinned by the committed lock file
if command -v npm >/dev/null; then
  mkdir -p build/npm
  cp tools/npm/package.json tools/npm/package-lock.json build/npm/
  (cd build/npm && npm ci --ignore-scripts --no-audit --no-fund --silent) || echo "warning: npm ci failed" >&2
fi
