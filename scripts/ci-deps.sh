#!/usr/bin/env bash
# System packages the test suite needs; `npm test` runs this first (pretest). Idempotent: installs only what is missing.
# - chromium: the browser tests drive Debian's Chromium.
# - postgresql: the store contract tests, the several-workers tests and the PostgreSQL fault tests start a throw-away
#   PostgreSQL server (initdb + postgres from /usr/lib/postgresql/<version>/bin, run as the package's `postgres` user
#   under root).
# - e2fsprogs (chattr): under root, the DuckDB fault test makes a file immutable, since root ignores file modes.
# - prometheus (promtool): the /metrics test runs `promtool check metrics` on the server's output.
set -euo pipefail
# - ccusage (the cost figures' reference, test/store/costs-ccusage.test.ts) goes to .tools/ccusage rather than
#   devDependencies: the registry publishes only some of its per-platform binary packages, and a lock file without the
#   others makes `npm ci` refuse to install anything.
CCUSAGE_VERSION=20.0.24
if [ ! -f .tools/ccusage/node_modules/ccusage/package.json ] || ! grep -q "\"version\": \"$CCUSAGE_VERSION\"" .tools/ccusage/node_modules/ccusage/package.json; then
  mkdir -p .tools/ccusage
  npm install --prefix .tools/ccusage --no-save --no-audit --no-fund --loglevel=error "ccusage@$CCUSAGE_VERSION" >/dev/null 2>&1 \
    || echo "ci-deps: could not install ccusage $CCUSAGE_VERSION; the comparison with it will say it was skipped" >&2
fi
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v chattr >/dev/null 2>&1 || need+=(e2fsprogs)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: cannot install ${need[*]} here (no apt-get); the tests that need them will say they were skipped" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
