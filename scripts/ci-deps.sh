#!/usr/bin/env bash
# System packages the test suite needs. Idempotent: installs only what is missing.
# - chromium: the browser tests drive Debian's Chromium.
# - postgresql: the store contract tests and the several-workers test start a throw-away PostgreSQL server
#   (initdb + postgres from /usr/lib/postgresql/<version>/bin, run as the package's `postgres` user under root).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
